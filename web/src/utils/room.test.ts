import { describe, expect, it } from 'vitest';
import { MockMachine, MockMachineAllocationOnly, MockMachineDown } from '../testing/mocks';
import { freeRoom, mostFreeGpus, whyNoRoom } from './room';

describe('room on a machine', () => {
  it("is the hub's figure of what a launch could still get there", () => {
    expect(freeRoom(MockMachine)).toEqual({ cpus: 24, memoryGiB: 224, gpus: 1 });
  });

  it('says why a launch does not fit', () => {
    expect(whyNoRoom(MockMachineDown, { cpus: 1, memoryGiB: 1, gpus: 0 })).toEqual({ kind: 'down' });
    expect(whyNoRoom(MockMachineAllocationOnly, { cpus: 4, memoryGiB: 1, gpus: 0 })).toEqual({ kind: 'cpus', free: 2 });
    expect(whyNoRoom(MockMachineAllocationOnly, { cpus: 1, memoryGiB: 32, gpus: 0 })).toEqual({ kind: 'memory', free: 24 });
    expect(whyNoRoom(MockMachine, { cpus: 1, memoryGiB: 1, gpus: 2 })).toEqual({ kind: 'gpus', free: 1 });
    expect(whyNoRoom(MockMachine, { cpus: 24, memoryGiB: 224, gpus: 1 })).toBeNull();
  });

  it('counts free GPUs only on machines that answer', () => {
    expect(mostFreeGpus([MockMachine, { ...MockMachineDown, free: { cpus: 30, memoryBytes: 0, gpus: 4 } }])).toBe(1);
  });
});
