import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../config/load.js';
import { gpuSources, staticGpus } from './inventory.js';

const machine = (gpus: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) =>
  parseConfig({ machines: [{ name: 'gpu1', docker: 'tcp://gpu1:2376', gpus, ...extra }] }).machines[0]!;

describe('GPU inventory sources', () => {
  const none = { local: false, nvidiaRuntime: false, prometheus: false };

  it('prefers nvidia-smi on the hub machine, then in a container, then Prometheus, then the static list', () => {
    const listed = machine({ static: [{ index: 0, uuid: 'GPU-a' }] });
    expect(gpuSources(listed, { ...none, local: true, prometheus: true })).toEqual(['nvidia-smi', 'prometheus', 'static']);
    expect(gpuSources(listed, { ...none, nvidiaRuntime: true })).toEqual(['nvidia-smi-container', 'static']);
    expect(gpuSources(listed, { ...none, prometheus: true })).toEqual(['prometheus', 'static']);
    expect(gpuSources(machine(), none)).toEqual([]);
  });

  it('uses only the source an admin names', () => {
    expect(gpuSources(machine({ source: 'static', static: [{ index: 0, uuid: 'GPU-a' }] }), { ...none, local: true })).toEqual(['static']);
    expect(gpuSources(machine({ source: 'nvidia-smi' }), none)).toEqual(['nvidia-smi-container']);
    expect(gpuSources(machine({ source: 'none', static: [{ index: 0, uuid: 'GPU-a' }] }), { ...none, local: true })).toEqual([]);
  });

  it('turns the static list into readings in index order', () => {
    const entry = machine({ static: [{ index: 1, uuid: 'GPU-b', name: 'H200', memoryGiB: 141 }, { index: 0, uuid: 'GPU-a' }] });
    expect(staticGpus(entry)).toEqual([
      { index: 0, uuid: 'GPU-a', name: 'GPU', memoryTotalBytes: 0, memoryUsedBytes: null, utilizationPercent: null, temperatureC: null, powerDrawW: null },
      { index: 1, uuid: 'GPU-b', name: 'H200', memoryTotalBytes: 141 * 1024 ** 3, memoryUsedBytes: null, utilizationPercent: null, temperatureC: null, powerDrawW: null },
    ]);
  });
});
