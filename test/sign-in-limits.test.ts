/** Guessing passwords is slowed down: per account and per address, with a clear 429. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeRuntime } from '../src/runtime/fake/fake-runtime.js';
import { startTestHub, type TestHub } from './support/hub.js';

describe('sign-in attempts', () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await startTestHub({ makeRuntime: () => new FakeRuntime(), config: { auth: { signInAttempts: { perAccount: 3, perAddress: 100, windowMinutes: 5 } } } });
    await t.user('kim');
  });
  afterAll(async () => t.close());

  const login = (password: string) =>
    fetch(`${t.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'kim', password }) });

  it('answers 429 with Retry-After after too many failures, even to the right password, and for HTTP Basic too', async () => {
    for (let i = 0; i < 3; i++) expect((await login('wrong')).status).toBe(401);
    const limited = await login('kim-password-123');
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(200);
    expect(((await limited.json()) as { error: { code: string } }).error.code).toBe('RATE_LIMITED');
    const basic = await t.api<{ error: { code: string } }>(`Basic ${Buffer.from('kim:kim-password-123').toString('base64')}`, 'POST', '/api/tokens', { name: 'x' });
    expect(basic.status).toBe(429);
    // Other accounts are not affected.
    expect((await t.api(`Basic ${Buffer.from('admin:admin-password-for-tests').toString('base64')}`, 'POST', '/api/tokens', { name: 'x' })).status).toBe(201);
  });
});
