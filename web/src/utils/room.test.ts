import { describe, expect, it } from 'vitest';
import { MockMachine, MockMachineAllocationOnly, MockMachineDown } from '../testing/mocks';
import { freeRoom, largestFitting, mostFreeGpus, whyNoRoom } from './room';

describe('room on a machine', () => {
  it("is the hub's figure of what a launch could still get there", () => {
    expect(freeRoom(MockMachine)).toEqual({ cpus: 24, memoryGiB: 224, gpus: 1 });
  });

  it('says why a launch does not fit, fitting CPUs by request and the limit within the machine', () => {
    expect(whyNoRoom(MockMachineDown, { cpus: 1, cpuRequest: 1, memoryGiB: 1, gpus: 0 })).toEqual({ kind: 'down' });
    const withoutHomes = { ...MockMachine, homes: { ready: false, reason: 'no marker', checkedAt: '2026-11-30T09:00:00.000Z' } };
    expect(whyNoRoom(withoutHomes, { cpus: 1, cpuRequest: 1, memoryGiB: 1, gpus: 0 })).toEqual({ kind: 'notReady' });
    expect(whyNoRoom(MockMachineAllocationOnly, { cpus: 4, cpuRequest: 4, memoryGiB: 1, gpus: 0 })).toEqual({ kind: 'cpus', free: 2 });
    // The same limit with a request of 1: two CPUs free are enough.
    expect(whyNoRoom(MockMachineAllocationOnly, { cpus: 4, cpuRequest: 1, memoryGiB: 1, gpus: 0 })).toBeNull();
    expect(whyNoRoom(MockMachineAllocationOnly, { cpus: 32, cpuRequest: 1, memoryGiB: 1, gpus: 0 })).toEqual({ kind: 'cpusPerSandbox', most: 16 });
    expect(whyNoRoom(MockMachineAllocationOnly, { cpus: 1, cpuRequest: 1, memoryGiB: 32, gpus: 0 })).toEqual({ kind: 'memory', free: 24 });
    expect(whyNoRoom(MockMachine, { cpus: 1, cpuRequest: 1, memoryGiB: 1, gpus: 2 })).toEqual({ kind: 'gpus', free: 1 });
    expect(whyNoRoom(MockMachine, { cpus: 24, cpuRequest: 24, memoryGiB: 224, gpus: 1 })).toBeNull();
  });

  it('finds the largest size that fits, as the hub would offer it', () => {
    const limits = { defaults: { cpus: 2, cpuRequestFraction: 0.25, memoryGiB: 4 }, max: { cpus: 64, memoryGiB: 512, gpus: 2, sandboxes: 3 } };
    // cpu-1: 2 CPUs of request and 24 GiB free; its 16 CPUs cap the limit. gpu-1 has more memory.
    expect(largestFitting([MockMachineAllocationOnly], 0, limits)).toEqual({ machine: 'cpu-1', cpus: 8, cpuRequest: 2, memoryGiB: 24 });
    expect(largestFitting([MockMachineAllocationOnly, MockMachine, MockMachineDown], 1, limits)).toEqual({ machine: 'gpu-1', cpus: 32, cpuRequest: 8, memoryGiB: 224 });
    expect(largestFitting([MockMachineAllocationOnly], 1, limits)).toBeNull();
  });

  it('counts free GPUs only on machines that answer', () => {
    expect(mostFreeGpus([MockMachine, { ...MockMachineDown, free: { cpus: 30, memoryBytes: 0, gpus: 4 } }])).toBe(1);
  });
});
