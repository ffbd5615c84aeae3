/** The last log lines kept with an ended sandbox: bounded, and never a token. */
import { describe, expect, it } from 'vitest';
import { LOG_TAIL_BYTES, LOG_TAIL_LINES, logTail } from './log-tail.js';

describe('the log tail of an ended sandbox', () => {
  it("hides the sandbox's token and every token= value, as Jupyter prints them in its URLs", () => {
    const token = 'abcdef0123456789abcdef0123456789';
    const text = `[I NotebookApp] http://127.0.0.1:8888/user/a/b/?token=${token}\nAuthorization uses ${token} here\nlogin with token=other-secret&x=1\n`;
    const tail = logTail(text, [token])!;
    expect(tail).not.toContain(token);
    expect(tail).not.toContain('other-secret');
    expect(tail).toContain('?token=[hidden]');
    expect(tail.split('\n')).toHaveLength(3);
  });

  it(`keeps the last ${LOG_TAIL_LINES} lines and at most ${LOG_TAIL_BYTES} bytes`, () => {
    const lines = Array.from({ length: 50 }, (_, i) => `line ${i}`).join('\n');
    expect(logTail(lines, [])!.split('\n')).toEqual(Array.from({ length: 20 }, (_, i) => `line ${i + 30}`));
    const long = Array.from({ length: 10 }, (_, i) => `${i}${'x'.repeat(1000)}`).join('\n');
    const tail = logTail(long, [])!;
    expect(Buffer.byteLength(tail)).toBeLessThanOrEqual(LOG_TAIL_BYTES);
    expect(tail.startsWith('6')).toBe(true);
    expect(logTail('\n\n', [])).toBeNull();
  });
});
