import { describe, expect, it } from 'vitest';
import { largestFit } from './largest.js';
import { Ledger } from './ledger.js';
import type { MachineCapacity } from './place.js';

const GiB = 1024 ** 3;
const query = { gpus: 0, cpuRequestFraction: 0.25, maxCpus: 8, maxMemoryGiB: 32 };

describe('the largest launch that fits now', () => {
  const machines: MachineCapacity[] = [
    { name: 'laptop', up: true, cpus: 2, memoryBytes: 8 * GiB, gpus: [], cpusPerSandbox: 2 },
    { name: 'gpu', up: true, cpus: 16, memoryBytes: 64 * GiB, gpus: ['g0', 'g1'], cpusPerSandbox: 16 },
  ];

  it('offers the machine with the most memory, its CPU limit within the engine, the limits and the free requests', () => {
    const ledger = new Ledger(() => machines, 'pack');
    ledger.hold('a', { machine: 'gpu', cpus: 15.5, memoryBytes: 61 * GiB, gpus: ['g0'] });
    // gpu: 3 GiB and 0.5 CPU of request free, so a limit of 2; laptop: 8 GiB, a limit of 2 (its CPU count).
    expect(largestFit(ledger.room(), machines, query)).toEqual({ machine: 'laptop', cpus: 2, cpuRequest: 0.5, memoryGiB: 8 });
    expect(largestFit(ledger.room(), machines, { ...query, gpus: 1 })).toEqual({ machine: 'gpu', cpus: 2, cpuRequest: 0.5, memoryGiB: 3 });
    expect(largestFit(ledger.room(), machines, { ...query, machine: 'gpu', maxMemoryGiB: 2 })).toEqual({ machine: 'gpu', cpus: 2, cpuRequest: 0.5, memoryGiB: 2 });
  });

  it('is placed when asked for, to the last millicore and byte', () => {
    const odd: MachineCapacity[] = [{ name: 'm', up: true, cpus: 3, memoryBytes: 5 * GiB, gpus: [], cpusPerSandbox: 3 }];
    const ledger = new Ledger(() => odd, 'pack');
    ledger.hold('a', { machine: 'm', cpus: 2.667, memoryBytes: Math.round(2.3333 * GiB), gpus: [] });
    const fit = largestFit(ledger.room(), odd, { ...query, cpuRequestFraction: 0.3 })!;
    expect(fit).toEqual({ machine: 'm', cpus: 1.11, cpuRequest: 0.333, memoryGiB: 2.66 });
    expect(ledger.reserve('b', { cpus: fit.cpuRequest, cpuLimit: fit.cpus, memoryBytes: Math.round(fit.memoryGiB * GiB), gpus: 0 }).ok).toBe(true);
  });

  it('is null when not even the smallest sandbox fits, or the machine is at its most sandboxes', () => {
    const full: MachineCapacity[] = [{ name: 'm', up: true, cpus: 2, memoryBytes: 8 * GiB, gpus: [], sandboxes: 1 }];
    const ledger = new Ledger(() => full, 'pack');
    expect(largestFit(ledger.room(), full, query)).toMatchObject({ machine: 'm', cpus: 8, memoryGiB: 8 });
    ledger.hold('a', { machine: 'm', cpus: 0.1, memoryBytes: GiB, gpus: [] });
    expect(largestFit(ledger.room(), full, query)).toBeNull();
    const tight: MachineCapacity[] = [{ name: 't', up: true, cpus: 1, memoryBytes: 0.1 * GiB, gpus: [] }];
    expect(largestFit(new Ledger(() => tight, 'pack').room(), tight, query)).toBeNull();
  });
});
