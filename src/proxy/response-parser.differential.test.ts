import { describe, expect, it } from 'vitest';
import { AnswerGenerator, prng } from '../../test/support/http-answers.js';
import { LlhttpReference, type LlhttpOutcome } from '../../test/support/llhttp.js';
import { ResponseParser, type ResponseHead } from './response-parser.js';

// The proxy's response parser against node's own (llhttp) on generated answers: wherever the
// proxy accepts an answer, llhttp must read the same status, headers and body, end it at the
// same place, and agree that the connection may carry another request; otherwise the proxy
// must refuse. Each answer is also fed to the proxy's parser byte by byte and cut at random
// points, which must change nothing.

const ANSWERS = Number(process.env.SHIVA_DIFFERENTIAL_ANSWERS ?? 100_000);
const SEED = Number(process.env.SHIVA_DIFFERENTIAL_SEED ?? 9);
/** Answers up to this long are also fed one byte at a time; longer ones at many random cuts. */
const BYTEWISE_MAX = 160;
/** Random ways to cut each answer, each at up to 4 points (up to 32 for answers fed no byte at a time). */
const RANDOM_CUTS = 3;

/** What the proxy's parser made of an answer. */
type ShivaOutcome =
  | { refused: string }
  | { refused: null; head: ResponseHead; body: string; reusable: boolean };

const parser = new ResponseParser();

/** Feeds `wire` in the pieces `cuts` makes (sorted offsets), then the end of the connection. */
function shiva(wire: Buffer, head: boolean, cuts: number[]): ShivaOutcome {
  parser.reset(head);
  let seen: ResponseHead | null = null;
  let body = '';
  let reusable: boolean | null = null;
  const sink = {
    onHead: (h: ResponseHead) => {
      seen = h;
    },
    onBody: (chunk: Buffer) => {
      body += chunk.toString('latin1');
    },
    onComplete: (r: boolean) => {
      reusable = r;
    },
  };
  let from = 0;
  for (const cut of [...cuts, wire.length]) {
    if (cut <= from) continue;
    if (reusable === true) {
      // Bytes after a complete answer, in a later read: the pool drops an idle connection that
      // talks out of turn (pool.ts), so it is not reused after all.
      reusable = false;
      break;
    }
    const err = parser.execute(wire.subarray(from, cut), sink);
    if (err !== null) return { refused: err.code };
    from = cut;
  }
  const end = parser.finish(sink);
  if (end !== null) return { refused: end.code };
  if (seen === null || reusable === null) return { refused: 'NO_ANSWER' };
  return { refused: null, head: seen, body, reusable };
}

/** Why the two disagree on an answer the proxy accepted, or null when they agree. */
function disagreement(ours: ShivaOutcome, ref: LlhttpOutcome): string | null {
  if (ours.refused !== null) return null;
  const finals = ref.messages.filter((m) => m.status >= 200);
  const first = finals[0];
  if (first === undefined || !first.complete) return `llhttp did not read a complete answer (${ref.error ?? 'no error'})`;
  const firstAt = ref.messages.indexOf(first);
  if (ours.head.status !== first.status) return `status ${ours.head.status} vs ${first.status}`;
  if (ours.head.reason !== first.reason) return `reason ${JSON.stringify(ours.head.reason)} vs ${JSON.stringify(first.reason)}`;
  if (JSON.stringify(ours.head.rawHeaders) !== JSON.stringify(first.headers)) {
    return `headers ${JSON.stringify(ours.head.rawHeaders)} vs ${JSON.stringify(first.headers)}`;
  }
  if (ours.body !== first.body) return `body ${JSON.stringify(ours.body)} vs ${JSON.stringify(first.body)}`;
  if (ours.reusable) {
    // Reusable means the answer ended exactly at the end of the bytes and the server keeps the
    // connection: llhttp must have read nothing after it, failed on nothing, and kept it alive.
    if (ref.error !== null) return `reusable, but llhttp failed after the answer: ${ref.error}`;
    if (ref.messages.length !== firstAt + 1) return 'reusable, but llhttp read another answer after it';
    if (!first.keepAlive) return 'reusable, but llhttp would close the connection';
  }
  return null;
}

function printable(wire: Buffer): string {
  return JSON.stringify(wire.toString('latin1'));
}

describe('ResponseParser against llhttp', () => {
  it(`agrees with node's parser on ${ANSWERS} generated answers, or refuses them`, () => {
    const generator = new AnswerGenerator(SEED);
    const random = prng(SEED ^ 0x5eed);
    const reference = new LlhttpReference();
    const counts = { generated: 0, bothAccepted: 0, reusable: 0, shivaRefused: 0, llhttpRefused: 0, bytewise: 0 };
    const failures: string[] = [];
    for (let i = 0; i < ANSWERS && failures.length < 5; i++) {
      const { wire, head } = generator.next();
      counts.generated++;
      const ref = reference.parse(wire, head);
      const ours = shiva(wire, head, []);
      if (ref.error !== null) counts.llhttpRefused++;
      if (ours.refused !== null) {
        counts.shivaRefused++;
      } else {
        counts.bothAccepted++;
        if (ours.reusable) counts.reusable++;
      }
      const why = disagreement(ours, ref);
      if (why !== null) {
        failures.push(`#${i} ${head ? 'HEAD ' : ''}${printable(wire)}: ${why}`);
        continue;
      }
      // However the bytes arrive, the outcome is the same.
      const splits: number[][] = [];
      if (wire.length <= BYTEWISE_MAX) {
        splits.push(Array.from({ length: wire.length }, (_, k) => k));
        counts.bytewise++;
      }
      const most = wire.length <= BYTEWISE_MAX ? 4 : 32;
      for (let c = 0; c < RANDOM_CUTS; c++) {
        const cuts = Array.from({ length: 1 + Math.floor(random() * most) }, () => Math.floor(random() * wire.length)).sort((a, b) => a - b);
        splits.push(cuts);
      }
      const whole = JSON.stringify(ours);
      for (const cuts of splits) {
        const split = shiva(wire, head, cuts);
        if (JSON.stringify(split) !== whole) {
          failures.push(`#${i} ${printable(wire)} cut at ${cuts.length > 20 ? 'every byte' : cuts.join(',')}: ${JSON.stringify(split)} vs ${whole}`);
          break;
        }
      }
    }
    console.log(`differential: ${JSON.stringify(counts)} (seed ${SEED})`);
    expect(failures).toEqual([]);
    expect(counts.generated).toBe(ANSWERS);
    // Not a test of refusals alone: most answers are fine and must be read, many reused.
    expect(counts.bothAccepted).toBeGreaterThan(ANSWERS * 0.4);
    expect(counts.reusable).toBeGreaterThan(ANSWERS * 0.2);
    // About 30 s on a busy 2-core machine.
  }, 180_000);
});
