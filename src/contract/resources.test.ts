import { describe, expect, it } from 'vitest';
import { resourceProblems } from './resources.js';

const limits = { cpus: 8, memoryGiB: 32, gpus: 2 };
const fine = { cpus: 1, memoryGiB: 1, gpus: 0 };

describe('what a sandbox may ask for', () => {
  it.each([0.01, 0.5, 8])('takes %d CPUs', (cpus) => {
    expect(resourceProblems({ ...fine, cpus }, limits)).toEqual([]);
  });

  it.each([0, -1, 0.004, 0.0099, 1e-10, 5e-324, 8.0001, Number.NaN, Number.POSITIVE_INFINITY])('refuses %d CPUs, naming the range', (cpus) => {
    expect(resourceProblems({ ...fine, cpus }, limits)).toEqual(['cpus must be from 0.01 to 8']);
  });

  it.each([0, 0.1, 1e-12, -4, 33])('refuses %d GiB of memory, naming the range', (memoryGiB) => {
    expect(resourceProblems({ ...fine, memoryGiB }, limits)).toEqual(['memoryGiB must be from 0.125 to 32']);
  });

  it('refuses GPUs beyond the limit, negative or fractional, and says when there are none', () => {
    expect(resourceProblems({ ...fine, gpus: 3 }, limits)).toEqual(['gpus must be a whole number from 0 to 2']);
    expect(resourceProblems({ ...fine, gpus: -1 }, limits)).toHaveLength(1);
    expect(resourceProblems({ ...fine, gpus: 0.5 }, limits)).toHaveLength(1);
    expect(resourceProblems({ ...fine, gpus: 1 }, { ...limits, gpus: 0 })).toEqual(['gpus must be 0: this hub gives no GPUs']);
  });

  it('lists every field that is wrong', () => {
    expect(resourceProblems({ cpus: 0.001, memoryGiB: 0, gpus: 9 }, limits)).toHaveLength(3);
  });
});
