import { describe, expect, it } from 'vitest';
import { GiB } from '../contract/resources.js';
import { sharedMemoryBytes } from './shared-memory.js';

describe('the shared memory of a sandbox', () => {
  it('is a quarter of its memory, at least 1 GiB, never more than the memory', () => {
    expect(sharedMemoryBytes(16 * GiB)).toBe(4 * GiB);
    expect(sharedMemoryBytes(4 * GiB)).toBe(1 * GiB);
    expect(sharedMemoryBytes(2 * GiB)).toBe(1 * GiB);
    expect(sharedMemoryBytes(0.5 * GiB)).toBe(0.5 * GiB);
  });

  it('takes the configured size, capped at the memory', () => {
    expect(sharedMemoryBytes(16 * GiB, 2)).toBe(2 * GiB);
    expect(sharedMemoryBytes(1 * GiB, 8)).toBe(1 * GiB);
    expect(sharedMemoryBytes(4 * GiB, 0.1)).toBe(Math.floor(0.1 * GiB));
  });
});
