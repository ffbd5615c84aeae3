import { describe, expect, it } from 'vitest';
import { sizePresets } from './presets';

const defaults = { cpus: 2, cpuRequestFraction: 0.25, memoryGiB: 4 };

describe('sizePresets', () => {
  it('offers half the default, the default, its doublings up to the limits, then the largest allowed, each with its CPU request', () => {
    expect(sizePresets({ defaults, max: { cpus: 8, memoryGiB: 32, gpus: 0, sandboxes: 3 } })).toEqual([
      { id: 'small', cpus: 1, cpuRequest: 0.25, memoryGiB: 2 },
      { id: 'standard', cpus: 2, cpuRequest: 0.5, memoryGiB: 4 },
      { id: 'large', cpus: 4, cpuRequest: 1, memoryGiB: 8 },
      { id: 'xlarge', cpus: 8, cpuRequest: 2, memoryGiB: 16 },
      { id: 'max', cpus: 8, cpuRequest: 2, memoryGiB: 32 },
    ]);
  });

  it('never offers a size beyond the limits, below what the hub takes, nor the same size twice', () => {
    expect(sizePresets({ defaults, max: { cpus: 2, memoryGiB: 4, gpus: 0, sandboxes: 1 } })).toEqual([
      { id: 'small', cpus: 1, cpuRequest: 0.25, memoryGiB: 2 },
      { id: 'standard', cpus: 2, cpuRequest: 0.5, memoryGiB: 4 },
    ]);
    expect(sizePresets({ defaults: { cpus: 4, cpuRequestFraction: 1, memoryGiB: 8 }, max: { cpus: 6, memoryGiB: 8, gpus: 0, sandboxes: 1 } })).toEqual([
      { id: 'small', cpus: 2, cpuRequest: 2, memoryGiB: 4 },
      { id: 'standard', cpus: 4, cpuRequest: 4, memoryGiB: 8 },
      { id: 'large', cpus: 6, cpuRequest: 6, memoryGiB: 8 },
    ]);
    expect(sizePresets({ defaults: { cpus: 0.01, cpuRequestFraction: 0.25, memoryGiB: 0.125 }, max: { cpus: 0.01, memoryGiB: 0.125, gpus: 0, sandboxes: 1 } })).toEqual([
      { id: 'standard', cpus: 0.01, cpuRequest: 0.01, memoryGiB: 0.125 },
    ]);
  });
});
