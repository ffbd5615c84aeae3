import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseNvidiaSmi, type GpuReading } from '../../machines/gpu/nvidia-smi.js';
import { GpuActivity } from './gpu-activity.js';

const fixture = (name: string) => readFileSync(new URL(`../../../test/fixtures/nvidia-smi/${name}`, import.meta.url), 'utf8');
/** The recorded H200 reading (0 % busy), and the same GPU at another utilisation. */
const h200 = parseNvidiaSmi(fixture('h200-query-gpu.csv'));
const uuid = h200[0]!.uuid;
const at = (percent: number | null): GpuReading[] => h200.map((g) => ({ ...g, utilizationPercent: percent }));
const MINUTE = 60_000;

describe('GPU utilisation as activity', () => {
  it('answers the latest reading at or above any threshold asked later', () => {
    const gpus = new GpuActivity();
    gpus.record('gpu-1', 1 * MINUTE, at(95));
    gpus.record('gpu-1', 2 * MINUTE, at(40));
    gpus.record('gpu-1', 3 * MINUTE, at(3));
    gpus.record('gpu-1', 4 * MINUTE, at(0));
    expect(gpus.lastBusy('gpu-1', [uuid], 5, 0)).toBe(2 * MINUTE);
    expect(gpus.lastBusy('gpu-1', [uuid], 50, 0)).toBe(1 * MINUTE);
    expect(gpus.lastBusy('gpu-1', [uuid], 1, 0)).toBe(3 * MINUTE);
    expect(gpus.lastBusy('gpu-1', [uuid], 0, 0)).toBe(4 * MINUTE);
    expect(gpus.lastBusy('gpu-1', [uuid], 96, 0)).toBeNull();
  });

  it('leaves out readings from before the sandbox started, other machines and other GPUs', () => {
    const gpus = new GpuActivity();
    gpus.record('gpu-1', 1 * MINUTE, at(100));
    gpus.record('gpu-1', 2 * MINUTE, at(0));
    expect(gpus.lastBusy('gpu-1', [uuid], 10, 90_000)).toBeNull();
    expect(gpus.lastBusy('gpu-2', [uuid], 10, 0)).toBeNull();
    expect(gpus.lastBusy('gpu-1', ['GPU-someone-else'], 10, 0)).toBeNull();
  });

  it('takes the busiest of a sandbox\'s GPUs, ignores a list without figures, and a reading seen twice', () => {
    const eight = parseNvidiaSmi(fixture('constructed-eight-gpus-odd-fields.csv'));
    const gpus = new GpuActivity();
    gpus.record('dgx', 1 * MINUTE, eight);
    // GPU 0 reads 37 %, GPU 1 has no figure ([N/A]).
    expect(gpus.lastBusy('dgx', [eight[0]!.uuid, eight[1]!.uuid], 30, 0)).toBe(1 * MINUTE);
    expect(gpus.lastBusy('dgx', [eight[1]!.uuid], 0, 0)).toBeNull();
    gpus.record('dgx', 2 * MINUTE, at(null));
    gpus.record('dgx', 1 * MINUTE, eight.map((g) => ({ ...g, utilizationPercent: 99 })));
    expect(gpus.lastBusy('dgx', [eight[0]!.uuid], 90, 0)).toBeNull();
  });

  it('keeps a bounded number of readings per GPU however long it runs', () => {
    const gpus = new GpuActivity();
    // A slowly falling utilisation is the worst case: each reading outdoes none before it.
    for (let i = 0; i < 10_000; i++) gpus.record('gpu-1', i * MINUTE, at(100 - i / 100));
    expect(gpus.lastBusy('gpu-1', [uuid], 0, 0)).toBe(9_999 * MINUTE);
    expect(gpus.lastBusy('gpu-1', [uuid], 99, 0)).toBeNull();
  });
});
