import { describe, expect, it } from 'vitest';
import { sizePresets } from './presets';

describe('sizePresets', () => {
  it('doubles the default up to the limits, then offers the largest allowed', () => {
    expect(sizePresets({ defaults: { cpus: 2, memoryGiB: 4 }, max: { cpus: 8, memoryGiB: 32, gpus: 0, sandboxes: 3 } })).toEqual([
      { id: 'standard', cpus: 2, memoryGiB: 4 },
      { id: 'large', cpus: 4, memoryGiB: 8 },
      { id: 'xlarge', cpus: 8, memoryGiB: 16 },
      { id: 'max', cpus: 8, memoryGiB: 32 },
    ]);
  });

  it('never offers a size beyond the limits, nor the same size twice', () => {
    expect(sizePresets({ defaults: { cpus: 2, memoryGiB: 4 }, max: { cpus: 2, memoryGiB: 4, gpus: 0, sandboxes: 1 } })).toEqual([
      { id: 'standard', cpus: 2, memoryGiB: 4 },
    ]);
    expect(sizePresets({ defaults: { cpus: 4, memoryGiB: 8 }, max: { cpus: 6, memoryGiB: 8, gpus: 0, sandboxes: 1 } })).toEqual([
      { id: 'standard', cpus: 4, memoryGiB: 8 },
      { id: 'large', cpus: 6, memoryGiB: 8 },
    ]);
  });
});
