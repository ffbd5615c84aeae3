import { afterEach, describe, expect, it, vi } from 'vitest';
import { printTable } from './output.js';

describe('printTable', () => {
  afterEach(() => vi.restoreAllMocks());

  it('prints no control character of a cell to the terminal', () => {
    const written: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    printTable(['NAME', 'REASON'], [['main', 'stopped outside Shiva (\u001b[2Jkill\u0007)']]);
    expect(written.join('')).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f]/);
    expect(written.join('')).toContain('stopped outside Shiva (?[2Jkill?)');
  });
});
