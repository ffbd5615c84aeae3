import { describe, expect, it } from 'vitest';
import type { ImagePull } from '../contract/api.js';
import { ShivaError } from '../contract/errors.js';
import { parseConfig } from '../config/load.js';
import { FAKE_IMAGE_BYTES, FakeRuntime } from '../runtime/fake/fake-runtime.js';
import { RuntimeError } from '../runtime/types.js';
import type { AuditEntry } from '../store/audit.js';
import { ImageCatalogue } from './catalogue.js';
import { ImagePulls, type PullTarget } from './pulls.js';

const ML = 'registry.lan:5000/shiva/ml:1';
const BASE = 'registry.lan:5000/shiva/base:1';
const TINY = 'shiva/tiny:latest';

/** A gate each pull of the fake waits at halfway, opened one reference at a time. */
function gates(runtime: FakeRuntime) {
  const open = new Map<string, () => void>();
  const waiting: string[] = [];
  runtime.pullGate = (ref) =>
    new Promise<void>((resolve) => {
      waiting.push(ref);
      open.set(ref, resolve);
    });
  return {
    waiting,
    release(ref: string) {
      const resolve = open.get(ref);
      if (!resolve) throw new Error(`no pull of ${ref} waits`);
      open.delete(ref);
      waiting.splice(waiting.indexOf(ref), 1);
      resolve();
    },
  };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

function world(options: { concurrency?: number; machines?: string[]; keepEnded?: number } = {}) {
  const config = parseConfig({
    images: {
      catalogue: [
        { name: 'tiny', image: TINY },
        { name: 'ml', image: ML },
        { name: 'base', image: BASE, prePull: true },
      ],
    },
  });
  const runtimes = new Map<string, FakeRuntime>();
  const machines = new Map<string, PullTarget>();
  for (const name of options.machines ?? ['one', 'two']) {
    const runtime = new FakeRuntime({ pullable: [ML, BASE] });
    runtimes.set(name, runtime);
    machines.set(name, { name, status: 'up', runtime });
  }
  const audit: AuditEntry[] = [];
  const logged: Array<[string, object]> = [];
  const pulled: string[] = [];
  const pulls = new ImagePulls({
    machines: { get: (name) => machines.get(name), list: () => [...machines.values()] },
    images: new ImageCatalogue(config),
    concurrency: options.concurrency ?? 2,
    audit: { record: async (entry) => void audit.push(entry) },
    log: { debug: () => undefined, info: (o, m) => void logged.push([m ?? '', o]), warn: (o, m) => void logged.push([m ?? '', o]), error: (o, m) => void logged.push([m ?? '', o]) },
    onPulled: (machine) => pulled.push(machine),
    keepEnded: options.keepEnded,
  });
  const seen: Array<{ event: number; pull: ImagePull }> = [];
  pulls.subscribe((event, pull) => seen.push({ event, pull }));
  const statesOf = (id: string) => seen.filter((e) => e.pull.id === id).map((e) => e.pull.state);
  const runtime = (name: string) => runtimes.get(name)!;
  return { pulls, runtime, machines, audit, logged, pulled, seen, statesOf };
}

describe('image pulls', () => {
  it('pulls an image to every machine, each queued, then pulling with its bytes, then done; and records each in the audit log', async () => {
    const w = world();
    const [one, two] = w.pulls.request('ml', undefined, 'alice');
    expect([one!.machine, two!.machine]).toEqual(['one', 'two']);
    expect(one).toMatchObject({ image: 'ml', ref: ML, state: 'queued', trigger: 'admin', by: 'alice', bytesDone: null });
    await settle();
    for (const pull of [one!, two!]) {
      expect(w.statesOf(pull.id)).toEqual(['queued', 'pulling', 'pulling', 'pulling', 'pulling', 'done']);
      const progress = w.seen.filter((e) => e.pull.id === pull.id && e.pull.bytesDone !== null).map((e) => [e.pull.bytesDone, e.pull.percent]);
      expect(progress).toEqual([
        [0, 0],
        [FAKE_IMAGE_BYTES / 2, 50],
        [FAKE_IMAGE_BYTES, 100],
        [FAKE_IMAGE_BYTES, 100],
      ]);
    }
    expect(await w.runtime('one').inspectImage(ML)).not.toBeNull();
    expect(await w.runtime('two').inspectImage(ML)).not.toBeNull();
    expect(w.pulled).toEqual(['one', 'two']);
    expect(w.audit).toEqual([
      { actor: 'alice', action: 'image.pulled', target: 'ml', result: 'ok', details: { machine: 'one', image: ML, trigger: 'admin' } },
      { actor: 'alice', action: 'image.pulled', target: 'ml', result: 'ok', details: { machine: 'two', image: ML, trigger: 'admin' } },
    ]);
    // Event ids only grow.
    for (let i = 1; i < w.seen.length; i++) expect(w.seen[i]!.event).toBeGreaterThan(w.seen[i - 1]!.event);
  });

  it('runs at most the configured number of pulls on one machine at once, the others in the order asked, without holding up another machine', async () => {
    const w = world({ concurrency: 1 });
    const gate = gates(w.runtime('one'));
    w.runtime('one').pullable.add(TINY);
    w.runtime('one').images.delete(TINY);
    const [ml] = w.pulls.request('ml', 'one', 'alice');
    const [base] = w.pulls.request('base', 'one', 'alice');
    const [tiny] = w.pulls.request('tiny', 'one', 'alice');
    const [elsewhere] = w.pulls.request('base', 'two', 'alice');
    await settle();
    expect(gate.waiting).toEqual([ML]);
    expect(w.pulls.list().map((p) => [p.machine, p.image, p.state])).toEqual([
      ['one', 'ml', 'pulling'],
      ['one', 'base', 'queued'],
      ['one', 'tiny', 'queued'],
      ['two', 'base', 'done'],
    ]);
    gate.release(ML);
    await settle();
    expect(gate.waiting).toEqual([BASE]);
    gate.release(BASE);
    await settle();
    gate.release(TINY);
    await settle();
    expect([ml, base, tiny, elsewhere].map((p) => w.statesOf(p!.id).at(-1))).toEqual(['done', 'done', 'done', 'done']);
    expect(w.runtime('one').pulls).toEqual([ML, BASE, TINY]);
  });

  it('joins a pull asked for again while it is queued or running, and pulls anew once it has ended', async () => {
    const w = world({ concurrency: 1 });
    const gate = gates(w.runtime('one'));
    const [running] = w.pulls.request('ml', 'one', 'alice');
    const [queued] = w.pulls.request('base', 'one', 'alice');
    await settle();
    expect(w.pulls.request('ml', 'one', 'bob')[0]).toMatchObject({ id: running!.id, state: 'pulling', by: 'alice' });
    expect(w.pulls.request('base', undefined, 'bob').map((p) => [p.machine, p.id === queued!.id, p.state, p.by])).toEqual([
      ['one', true, 'queued', 'alice'],
      ['two', false, 'queued', 'bob'],
    ]);
    gate.release(ML);
    await settle();
    gate.release(BASE);
    await settle();
    const [again] = w.pulls.request('ml', 'one', 'bob');
    expect(again!.id).not.toBe(running!.id);
    await settle();
    gate.release(ML);
    await settle();
    expect(w.runtime('one').pulls).toEqual([ML, BASE, ML]);
  });

  it("fails a pull with the runtime's words, at once on a machine that does not answer, and keeps a bug's text for the log", async () => {
    const w = world();
    w.runtime('one').pullable.delete(ML);
    w.machines.get('two')!.status = 'down';
    const [missing, silent] = w.pulls.request('ml', undefined, 'alice');
    await settle();
    const byId = new Map(w.pulls.list().map((p) => [p.id, p]));
    expect(byId.get(missing!.id)).toMatchObject({ state: 'failed', reason: `the image ${ML} is not in any registry` });
    expect(byId.get(silent!.id)).toMatchObject({ state: 'failed', reason: "two's container engine does not answer" });
    expect(w.runtime('two').pulls).toEqual([]);
    expect(w.audit.map((e) => [e.result, e.details?.machine, e.details?.reason]).sort()).toEqual([
      ['failed', 'one', `the image ${ML} is not in any registry`],
      ['failed', 'two', "two's container engine does not answer"],
    ]);

    w.runtime('one').pullImage = () => Promise.reject(new TypeError("Cannot read properties of undefined (reading 'x')"));
    const [buggy] = w.pulls.request('ml', 'one', 'alice');
    await settle();
    expect(w.pulls.list().find((p) => p.id === buggy!.id)).toMatchObject({ state: 'failed', reason: "the pull failed; the hub's log has the details" });
    expect(JSON.stringify(w.logged)).toContain('reading');
  });

  it('refuses an image outside the catalogue or a machine not configured, queueing nothing', () => {
    const w = world();
    const refusal = (f: () => unknown) => {
      try {
        f();
      } catch (err) {
        return err instanceof ShivaError ? err.code : err;
      }
      return 'no refusal';
    };
    expect(refusal(() => w.pulls.request('nope', undefined, 'alice'))).toBe('NO_SUCH_IMAGE');
    expect(refusal(() => w.pulls.request('ml', 'three', 'alice'))).toBe('NO_SUCH_MACHINE');
    expect(w.pulls.list()).toEqual([]);
  });

  it('pre-pulls to a machine only the prePull images it lacks, as the hub', async () => {
    const w = world();
    const queued = await w.pulls.prePull(w.machines.get('one')!);
    expect(queued.map((p) => [p.image, p.trigger, p.by])).toEqual([['base', 'prePull', 'hub:images']]);
    await settle();
    expect(await w.runtime('one').inspectImage(BASE)).not.toBeNull();
    expect(await w.pulls.prePull(w.machines.get('one')!)).toEqual([]);
    // An engine that cannot say what it has gets nothing queued, and the log says why.
    w.runtime('two').inspectImage = () => Promise.reject(new RuntimeError('unavailable', 'the fake engine is down'));
    expect(await w.pulls.prePull(w.machines.get('two')!)).toEqual([]);
    expect(JSON.stringify(w.logged)).toContain('the fake engine is down');
    expect(w.audit.map((e) => [e.actor, e.target, e.details?.trigger])).toEqual([['hub:images', 'base', 'prePull']]);
  });

  it('gives each pull changed after an event as it stands now, for a stream that resumes', async () => {
    const w = world();
    const gate = gates(w.runtime('one'));
    const [first] = w.pulls.request('base', 'one', 'alice');
    const [second] = w.pulls.request('base', 'two', 'alice');
    await settle();
    const mark = w.seen.at(-1)!.event;
    gate.release(BASE);
    await settle();
    expect(w.pulls.changesSince(mark).map((c) => [c.pull.id, c.pull.state])).toEqual([[first!.id, 'done']]);
    expect(w.pulls.changesSince(0).map((c) => c.pull.id)).toEqual([second!.id, first!.id]);
    expect(w.pulls.changesSince(w.seen.at(-1)!.event)).toEqual([]);
  });

  it('keeps only the last ended pulls', async () => {
    const w = world({ machines: ['one'], keepEnded: 2 });
    const asked: string[] = [];
    for (let i = 0; i < 4; i++) {
      asked.push(w.pulls.request('base', 'one', 'alice')[0]!.id);
      await settle();
    }
    expect(w.pulls.list().map((p) => p.id)).toEqual(asked.slice(2));
  });

  it('cancels the running pulls and fails the waiting ones when it closes', async () => {
    const w = world({ concurrency: 1 });
    gates(w.runtime('one'));
    const [running, waiting] = [w.pulls.request('ml', 'one', 'alice')[0]!, w.pulls.request('base', 'one', 'alice')[0]!];
    await settle();
    await w.pulls.close();
    const byId = new Map(w.pulls.list().map((p) => [p.id, p]));
    expect(byId.get(running.id)).toMatchObject({ state: 'failed', reason: 'the hub stopped before the pull ended' });
    expect(byId.get(waiting.id)).toMatchObject({ state: 'failed', reason: 'the hub stopped before the pull began' });
    // Asked for afterwards: it never begins.
    const late = w.pulls.request('base', 'one', 'alice')[0]!;
    expect(w.pulls.list().find((p) => p.id === late.id)).toMatchObject({ state: 'failed', reason: 'the hub stopped before the pull began' });
  });
});
