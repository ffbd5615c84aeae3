import { createRequire } from 'node:module';
import type { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../../test/support/seeded-random.js';
import { WebSocketFrameReader } from './ws-frames.js';

/**
 * The `ws` package's own framing (lib/sender.js and lib/receiver.js), which it exports at run
 * time but its type declarations leave out.
 */
interface WsFraming {
  Sender: { frame(data: Buffer, options: { fin: boolean; opcode: number; mask: boolean; readOnly: boolean; rsv1: boolean }): Buffer[] };
  Receiver: new (options: { isServer: boolean; maxPayload: number }) => Writable;
}
const { Sender, Receiver } = createRequire(import.meta.url)('ws') as WsFraming;

/** One frame as `ws` itself frames it, masked as a client sends it or plain as a server does. */
function frame(opcode: number, payload: Buffer, masked: boolean, fin = true): Buffer {
  return Buffer.concat(Sender.frame(payload, { fin, opcode, mask: masked, readOnly: false, rsv1: false }));
}

/** Whether each chunk of `chunks` held a data frame's byte, as the reader says. */
function readAll(reader: WebSocketFrameReader, chunks: Buffer[]): boolean[] {
  return chunks.map((c) => reader.read(c));
}

describe('the WebSocket frame reader', () => {
  it('tells a ping, a pong and a close from a text message, masked or not', () => {
    for (const masked of [false, true]) {
      const reader = new WebSocketFrameReader();
      expect(reader.read(frame(0x9, Buffer.from('ping'), masked))).toBe(false);
      expect(reader.read(frame(0xa, Buffer.alloc(0), masked))).toBe(false);
      expect(reader.read(frame(0x1, Buffer.from('{"msg_type":"execute_request"}'), masked))).toBe(true);
      expect(reader.read(frame(0x8, Buffer.from([0x03, 0xe8]), masked))).toBe(false);
      expect([reader.dataFrames, reader.controlFrames]).toEqual([1, 3]);
    }
  });

  it('reads a frame split into single bytes, and only its bytes count as data', () => {
    const bytes = Buffer.concat([frame(0x9, Buffer.from('a'), true), frame(0x2, Buffer.alloc(300, 7), true), frame(0xa, Buffer.from('b'), true)]);
    const reader = new WebSocketFrameReader();
    const seen = readAll(reader, [...bytes].map((b) => Buffer.from([b])));
    // ping: 2 header + 4 key + 1 payload; binary: 2 + 2 + 4 + 300; pong: 2 + 4 + 1.
    expect(seen.indexOf(true)).toBe(7);
    expect(seen.lastIndexOf(true)).toBe(7 + 308 - 1);
    expect(seen.filter(Boolean)).toHaveLength(308);
  });

  it('reads 16-bit and 64-bit lengths, and an empty data frame still counts', () => {
    const reader = new WebSocketFrameReader();
    expect(reader.read(frame(0x2, Buffer.alloc(65_535), false))).toBe(true);
    expect(reader.read(frame(0x2, Buffer.alloc(65_536), true))).toBe(true);
    expect(reader.read(frame(0x9, Buffer.alloc(0), false))).toBe(false);
    expect(reader.read(frame(0x1, Buffer.alloc(0), false))).toBe(true);
    expect(reader.read(frame(0xa, Buffer.alloc(125), true))).toBe(false);
    expect([reader.dataFrames, reader.controlFrames]).toEqual([3, 2]);
  });

  it('counts everything once a length past 2^53 bytes has made it lose its place', () => {
    const reader = new WebSocketFrameReader();
    expect(reader.read(Buffer.from([0x89, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]))).toBe(true);
    expect(reader.read(frame(0x9, Buffer.alloc(0), false))).toBe(true);
  });

  it("agrees with ws's own receiver on random streams cut at random places (differential)", async () => {
    const seed = 0x5eed;
    const random = new SeededRandom(seed);
    for (let round = 0; round < 40; round++) {
      const masked = round % 2 === 0;
      const frames: Buffer[] = [];
      /** Byte ranges of data frames in the stream, [start, end). */
      const dataRanges: Array<[number, number]> = [];
      let offset = 0;
      let messages = 0;
      let controls = 0;
      const push = (opcode: number, payload: Buffer, fin = true) => {
        const bytes = frame(opcode, payload, masked, fin);
        if (opcode < 8) dataRanges.push([offset, offset + bytes.length]);
        offset += bytes.length;
        frames.push(bytes);
      };
      const sizes = [0, 1, 125, 126, 127, 65_535, 65_536, 70_000];
      for (let i = random.int(1, 30); i > 0; i--) {
        const kind = random.int(0, 3);
        const size = random.chance(0.3) ? sizes[random.int(0, sizes.length - 1)]! : random.int(0, 300);
        if (kind === 0) {
          push(0x9, Buffer.alloc(random.int(0, 125), 1));
          controls++;
        } else if (kind === 1) {
          push(0xa, Buffer.alloc(random.int(0, 125), 2));
          controls++;
        } else if (kind === 2) {
          push(0x2, Buffer.alloc(size, 3));
          messages++;
        } else {
          // A fragmented text message with a ping between its fragments (§5.4 allows it).
          push(0x1, Buffer.from('a'.repeat(size)), false);
          push(0x9, Buffer.alloc(3));
          controls++;
          push(0x0, Buffer.from('b'), true);
          messages++;
        }
      }
      const stream = Buffer.concat(frames);
      const cuts: number[] = [0];
      while (cuts.at(-1)! < stream.length) cuts.push(Math.min(stream.length, cuts.at(-1)! + (random.chance(0.5) ? random.int(1, 4) : random.int(1, 20_000))));
      const chunks = cuts.slice(1).map((end, i) => stream.subarray(cuts[i], end));

      const reader = new WebSocketFrameReader();
      const seen = readAll(reader, chunks);
      const expected = cuts.slice(1).map((end, i) => dataRanges.some(([s, e]) => s < end && e > cuts[i]!));
      expect(seen, `seed ${seed} round ${round}`).toEqual(expected);

      // ws parses the same stream: its messages and pings/pongs are our data and control frames.
      const receiver = new Receiver({ isServer: masked, maxPayload: 0 });
      let wsMessages = 0;
      let wsControls = 0;
      receiver.on('message', () => wsMessages++);
      receiver.on('ping', () => wsControls++);
      receiver.on('pong', () => wsControls++);
      const errors: Error[] = [];
      receiver.on('error', (err: Error) => errors.push(err));
      for (const chunk of chunks) await new Promise<void>((resolve) => receiver.write(chunk, () => resolve()));
      expect(errors).toEqual([]);
      expect([wsMessages, wsControls]).toEqual([messages, controls]);
      expect(reader.controlFrames).toBe(controls);
      expect(reader.dataFrames).toBe(dataRanges.length);
    }
  });
});
