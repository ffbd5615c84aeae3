import { describe, expect, it } from 'vitest';
import type { EventDetail } from '../contract/event-codes.js';
import { readEventDetail } from '../contract/event-codes.js';
import type { SandboxRow } from '../store/sandboxes.js';
import type { LiveSandboxStatsReading } from './live-stats.js';
import { MemoryCrossings, MemoryWarnings } from './memory-warnings.js';

const GiB = 1024 ** 3;
const LIMIT = 4 * GiB;

describe('the once-per-crossing rule of the memory warning', () => {
  it('warns at the first reading at or over 90% of the limit, with the figures the event says', () => {
    const c = new MemoryCrossings();
    expect(c.observe('s1', 3.5 * GiB, LIMIT)).toBeNull();
    expect(c.observe('s1', 3.6 * GiB, LIMIT)).toEqual({ usedGiB: 3.6, limitGiB: 4, percent: 90 });
  });

  it('does not warn again while the use stays high, nor when it wobbles between 80% and 90%', () => {
    const c = new MemoryCrossings();
    expect(c.observe('s1', 3.7 * GiB, LIMIT)).not.toBeNull();
    for (const used of [3.9, 4, 3.3, 3.7, 3.25, 3.95]) expect(c.observe('s1', used * GiB, LIMIT)).toBeNull();
  });

  it('warns again after the use fell under 80% and crossed 90% once more', () => {
    const c = new MemoryCrossings();
    expect(c.observe('s1', 3.8 * GiB, LIMIT)).not.toBeNull();
    expect(c.observe('s1', 3.1 * GiB, LIMIT)).toBeNull();
    expect(c.observe('s1', 3.85 * GiB, LIMIT)).toEqual({ usedGiB: 3.85, limitGiB: 4, percent: 96 });
  });

  it('keeps each sandbox apart, and forgets ended ones so a relaunch under the same id would warn', () => {
    const c = new MemoryCrossings();
    expect(c.observe('s1', 3.8 * GiB, LIMIT)).not.toBeNull();
    expect(c.observe('s2', 3.8 * GiB, LIMIT)).not.toBeNull();
    c.keepOnly(new Set(['s2']));
    expect(c.observe('s1', 3.8 * GiB, LIMIT)).not.toBeNull();
    expect(c.observe('s2', 3.8 * GiB, LIMIT)).toBeNull();
  });

  it('says nothing of a sandbox without a limit or with a nonsense reading', () => {
    const c = new MemoryCrossings();
    expect(c.observe('s1', GiB, 0)).toBeNull();
    expect(c.observe('s1', Number.NaN, LIMIT)).toBeNull();
  });
});

describe('the memory warning on the events of running sandboxes', () => {
  const row = (id: string, state: SandboxRow['state'], memoryBytes = LIMIT) => ({ id, state, memory_bytes: memoryBytes, username: 'alice' }) as SandboxRow;

  function world(rows: SandboxRow[]) {
    const readings = new Map<string, number | null>();
    const recorded: Array<{ id: string; state: string; message: string; detail: EventDetail | undefined }> = [];
    const warnings = new MemoryWarnings({
      repo: { live: async () => rows },
      events: {
        record: async (id, state, message, _percent, detail) => {
          recorded.push({ id, state, message, detail });
          return { id: recorded.length, sandboxId: id, at: '', state, message, percent: null, code: null, params: null };
        },
      },
      stats: { get: (id): LiveSandboxStatsReading | undefined => (readings.has(id) ? { cpuPercent: null, memoryUsedBytes: readings.get(id)!, at: '' } : undefined) },
      log: { info: () => undefined },
    });
    return { readings, recorded, warnings };
  }

  it('records one memory_warning with its code on a sandbox that crossed 90%, and none at the next readings', async () => {
    const w = world([row('s1', 'running'), row('s2', 'running')]);
    w.readings.set('s1', 3.7 * GiB);
    w.readings.set('s2', 1 * GiB);
    expect(await w.warnings.check()).toBe(1);
    expect(await w.warnings.check()).toBe(0);
    expect(w.recorded).toHaveLength(1);
    const [event] = w.recorded;
    expect(event!.id).toBe('s1');
    expect(event!.state).toBe('running');
    expect(event!.message).toContain('uses 3.7 GiB of memory, 92% of its 4 GiB limit');
    // The dashboard reads the code only where its values are all there with the right kinds.
    expect(readEventDetail(event!.detail!.code, event!.detail!.params)).toEqual({ code: 'memory_warning', params: { usedGiB: 3.7, limitGiB: 4, percent: 92 } });
  });

  it('passes over sandboxes that are not running or have no reading yet', async () => {
    const w = world([row('s1', 'starting'), row('s2', 'running'), row('s3', 'unknown')]);
    w.readings.set('s1', 3.9 * GiB);
    w.readings.set('s2', null);
    w.readings.set('s3', 3.9 * GiB);
    expect(await w.warnings.check()).toBe(0);
    expect(w.recorded).toEqual([]);
  });
});
