import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { NvidiaSmiError, parseNvidiaSmi } from './nvidia-smi.js';

const fixture = (name: string) => readFileSync(path.resolve(import.meta.dirname, '../../../test/fixtures/nvidia-smi', name), 'utf8');
const MiB = 1024 * 1024;

describe('reading nvidia-smi', () => {
  it('reads the recorded H200', () => {
    expect(parseNvidiaSmi(fixture('h200-query-gpu.csv'))).toEqual([
      {
        index: 0,
        uuid: 'GPU-c26116c0-e81f-15c6-f909-9bea8c4a4dde',
        name: 'NVIDIA H200',
        memoryTotalBytes: 143771 * MiB,
        memoryUsedBytes: 0,
        utilizationPercent: 0,
        temperatureC: 36,
        powerDrawW: 124.34,
      },
    ]);
  });

  it('reads the same GPU from output with a header and units', () => {
    const [gpu] = parseNvidiaSmi(fixture('h200-query-gpu-with-header-units.csv'));
    expect(gpu).toMatchObject({ index: 0, memoryTotalBytes: 143771 * MiB, utilizationPercent: 0, powerDrawW: 124.36 });
  });

  it('reads eight GPUs in index order, turning [N/A], [Not Supported] and errors into null', () => {
    const gpus = parseNvidiaSmi(fixture('constructed-eight-gpus-odd-fields.csv'));
    expect(gpus.map((g) => g.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(gpus[1]).toMatchObject({ memoryUsedBytes: null, utilizationPercent: null, powerDrawW: null, temperatureC: 40 });
    expect(gpus[2]!.powerDrawW).toBeNull();
    expect(gpus[3]).toMatchObject({ memoryUsedBytes: 79000 * MiB, utilizationPercent: 100, powerDrawW: 399.5 });
    expect(gpus[4]!.name).toBe('NVIDIA GeForce RTX 4090');
    expect(gpus[5]!.temperatureC).toBeNull();
  });

  it('reports a driver failure as an error with its sentence', () => {
    expect(() => parseNvidiaSmi(fixture('constructed-driver-failure.txt'))).toThrow(NvidiaSmiError);
    expect(() => parseNvidiaSmi(fixture('constructed-driver-failure.txt'))).toThrow(/couldn't communicate with the NVIDIA driver/);
  });

  it('reads no GPUs from empty output', () => {
    expect(parseNvidiaSmi('\n')).toEqual([]);
  });
});
