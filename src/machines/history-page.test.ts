import { describe, expect, it } from 'vitest';
import { isShivaError } from '../contract/errors.js';
import { MachineHistory, SampleSequence, sampleOf } from './history.js';
import { historyCursor, historyPage, parseHistoryCursor } from './history-page.js';

const at = (i: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, i * 15)).toISOString();

/** Two machines sharing a sequence, each with `count` samples, as a registry holds them. */
function fleet(count: number, capacity = 240) {
  const sequence = new SampleSequence();
  const machines = ['one', 'two'].map((name) => ({ name, history: new MachineHistory(capacity, sequence) }));
  for (let i = 0; i < count; i++) for (const m of machines) m.history.add(sampleOf(at(i), { cpuPercent: i, memoryUsedBytes: i }, []));
  const page = (since: string | undefined) => historyPage(machines, sequence, capacity, since === undefined ? null : parseHistoryCursor(since));
  return { sequence, machines, page };
}

describe("a machine history page", () => {
  it("gives every machine's whole window on a first call, with a cursor and the window's size", () => {
    const { page } = fleet(3);
    const first = page(undefined);
    expect(first.full).toBe(true);
    expect(first.windowSamples).toBe(240);
    expect(first.machines.map((m) => [m.name, m.samples.map((s) => s.at)])).toEqual([
      ['one', [at(0), at(1), at(2)]],
      ['two', [at(0), at(1), at(2)]],
    ]);
    expect(first.cursor).toMatch(/^[0-9a-f]{8}\.6$/);
  });

  it('gives only the samples after the cursor, and only the machines that have some', () => {
    const { machines, page } = fleet(3);
    const { cursor } = page(undefined);
    machines[1]!.history.add(sampleOf(at(3), null, []));
    const next = page(cursor);
    expect(next.full).toBe(false);
    expect(next.machines).toEqual([{ name: 'two', samples: [sampleOf(at(3), null, [])] }]);
    expect(next.cursor).not.toBe(cursor);
    // Nothing new: the same small answer, with the same cursor.
    expect(page(next.cursor)).toEqual({ cursor: next.cursor, full: false, windowSamples: 240, machines: [] });
  });

  it("gives the whole window again, marked full, for a cursor of the hub's earlier start or one it never gave", () => {
    const { sequence, page } = fleet(2);
    const otherRun = sequence.run === '00000000' ? 'ffffffff' : '00000000';
    for (const stale of [`${otherRun}.1`, `${sequence.run}.999`]) {
      const answer = page(stale);
      expect(answer.full, stale).toBe(true);
      expect(answer.machines.map((m) => m.samples.length)).toEqual([2, 2]);
      expect(answer.cursor).toBe(historyCursor(sequence));
    }
  });

  it('refuses a since that is not a cursor with INVALID_CURSOR', () => {
    for (const bad of ['', 'yesterday', '2026-01-01T00:00:00Z', 'abcdefgh.1', '0123abcd.-1', '0123abcd.01', '0123abcd.1.2', `0123abcd.${'9'.repeat(16)}`]) {
      let caught: unknown;
      try {
        parseHistoryCursor(bad);
      } catch (err) {
        caught = err;
      }
      expect(isShivaError(caught) && caught.code === 'INVALID_CURSOR', bad).toBe(true);
    }
    expect(parseHistoryCursor('0123abcd.0')).toEqual({ run: '0123abcd', seq: 0 });
  });
});
