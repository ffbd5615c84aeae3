import { describe, expect, it } from 'vitest';
import { plainText } from './plain-text.js';

describe('descriptions', () => {
  it('are one line of plain text: line breaks, terminal escapes and direction overrides become spaces', () => {
    expect(plainText('PyTorch\r\nand \u001b[31mfriends\u202e  ')).toBe('PyTorch and [31mfriends');
    expect(plainText('x'.repeat(600))).toHaveLength(500);
  });
});
