import { describe, expect, it } from 'vitest';
import { formatBytes } from './bytes.js';

describe('formatBytes', () => {
  it('prints whole bytes under 1 KiB', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1023)).toBe('1023 B');
  });

  it('prints binary units with one decimal', () => {
    expect(formatBytes(1024)).toBe('1.0 KiB');
    expect(formatBytes(150_000_000)).toBe('143.1 MiB');
    expect(formatBytes(2.4 * 1024 ** 3)).toBe('2.4 GiB');
    expect(formatBytes(3 * 1024 ** 4)).toBe('3.0 TiB');
  });

  it('moves to the next unit where the figure would round to 1024', () => {
    expect(formatBytes(1024 ** 2 - 1)).toBe('1.0 MiB');
    expect(formatBytes(1024 ** 3 - 1024)).toBe('1.0 GiB');
  });

  it('keeps TiB past 1024 of them', () => {
    expect(formatBytes(2048 * 1024 ** 4)).toBe('2048.0 TiB');
  });
});
