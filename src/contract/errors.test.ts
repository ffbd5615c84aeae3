import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { errorCodes, ShivaError } from './errors.js';

describe('the error registry', () => {
  const doc = readFileSync(path.resolve(import.meta.dirname, '../../docs/errors.md'), 'utf8');
  const documented = new Map(
    [...doc.matchAll(/^\| `([A-Z_]+)` \| (\d{3}) \|/gm)].map((m) => [m[1]!, Number(m[2])] as const),
  );

  it('documents every code with its status in docs/errors.md, and nothing else', () => {
    const registry = new Map(Object.entries(errorCodes).map(([code, { status }]) => [code, status] as const));
    expect(documented).toEqual(registry);
  });

  it('gives each code a 4xx or 5xx status and a message', () => {
    for (const [code, { status, message }] of Object.entries(errorCodes)) {
      expect(status, code).toBeGreaterThanOrEqual(400);
      expect(status, code).toBeLessThan(600);
      expect(message.length, code).toBeGreaterThan(10);
    }
  });

  it('builds the error body from the code, with the default or a specific message', () => {
    expect(new ShivaError('SANDBOX_NOT_FOUND').toBody()).toEqual({ error: { code: 'SANDBOX_NOT_FOUND', message: 'No such sandbox.' } });
    const e = new ShivaError('INVALID_NAME', 'name: bad', { field: 'name' });
    expect(e.status).toBe(400);
    expect(e.toBody()).toEqual({ error: { code: 'INVALID_NAME', message: 'name: bad', details: { field: 'name' } } });
  });
});
