import { describe, expect, it } from 'vitest';
import { MachineHistory, SampleSequence, sampleOf } from './history.js';

const at = (i: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, i * 15)).toISOString();

describe('machine history', () => {
  it('keeps the newest samples, oldest first, and never more than its capacity', () => {
    const history = new MachineHistory(240);
    for (let i = 0; i < 1000; i++) history.add(sampleOf(at(i), { cpuPercent: i % 100, memoryUsedBytes: i }, []));
    const list = history.list();
    expect(list).toHaveLength(240);
    expect(list[0]!.at).toBe(at(760));
    expect(list[239]!.at).toBe(at(999));
    expect(list.map((s) => s.memoryUsedBytes)).toEqual(Array.from({ length: 240 }, (_, i) => 760 + i));
  });

  it('lists a partly filled history as it came', () => {
    const history = new MachineHistory(4);
    history.add(sampleOf(at(0), null, []));
    history.add(sampleOf(at(1), null, []));
    expect(history.list().map((s) => s.at)).toEqual([at(0), at(1)]);
  });

  it('answers only the samples added after a number, also once the ring has wrapped', () => {
    const sequence = new SampleSequence();
    const history = new MachineHistory(4, sequence);
    for (let i = 0; i < 3; i++) history.add(sampleOf(at(i), null, []));
    const seen = sequence.current;
    expect(history.since(seen)).toEqual([]);
    for (let i = 3; i < 6; i++) history.add(sampleOf(at(i), null, []));
    expect(history.since(seen).map((s) => s.at)).toEqual([at(3), at(4), at(5)]);
    // Older than the ring holds: what it holds.
    expect(history.since(0).map((s) => s.at)).toEqual([at(2), at(3), at(4), at(5)]);
  });

  it('numbers the samples of machines that share a sequence in one order', () => {
    const sequence = new SampleSequence();
    const one = new MachineHistory(10, sequence);
    const two = new MachineHistory(10, sequence);
    one.add(sampleOf(at(0), null, []));
    const seen = sequence.current;
    two.add(sampleOf(at(0), null, []));
    one.add(sampleOf(at(1), null, []));
    expect(sequence.current).toBe(3);
    expect(one.since(seen).map((s) => s.at)).toEqual([at(1)]);
    expect(two.since(seen).map((s) => s.at)).toEqual([at(0)]);
  });

  it('averages GPU utilisation over the GPUs that report it and sums their memory', () => {
    const gpu = (utilizationPercent: number | null, memoryUsedBytes: number | null) => ({
      index: 0, uuid: 'GPU-x', name: 'H200', memoryTotalBytes: 1, memoryUsedBytes, utilizationPercent, temperatureC: null, powerDrawW: null,
    });
    const sample = sampleOf(at(0), null, [gpu(10, 100), gpu(null, null), gpu(41, 50)]);
    expect(sample).toMatchObject({ cpuPercent: null, memoryUsedBytes: null, gpuUtilizationPercent: 25.5, gpuMemoryUsedBytes: 150 });
    expect(sampleOf(at(0), null, [gpu(null, null)])).toMatchObject({ gpuUtilizationPercent: null, gpuMemoryUsedBytes: null });
  });
});
