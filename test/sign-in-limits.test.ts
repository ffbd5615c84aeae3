/** Guessing passwords is slowed down per account and source, with a clear 429, and never locks the owner out. */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeRuntime } from '../src/runtime/fake/fake-runtime.js';
import { startTestHub, type TestHub } from './support/hub.js';

type ErrorBody = { error: { code: string; message: string } };

describe('sign-in attempts', () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await startTestHub({ makeRuntime: () => new FakeRuntime(), config: { auth: { signInAttempts: { perAccount: 3, perAddress: 100, windowMinutes: 5 } } } });
    await t.user('kim');
    await t.user('ola');
    await t.user('pat');
  });
  afterAll(async () => t.close());

  /** A JSON request to the hub from a source address of our choosing on loopback (127.0.0.0/8). */
  const from = (source: string, method: string, path: string, body: unknown, headers: Record<string, string> = {}) =>
    new Promise<{ status: number; retryAfter: string | undefined; body: ErrorBody | null }>((resolve, reject) => {
      const { port } = new URL(t.url);
      const req = http.request(
        { host: '127.0.0.1', port, method, path, localAddress: source, headers: { 'content-type': 'application/json', ...headers } },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'], body: text ? (JSON.parse(text) as ErrorBody) : null }));
        },
      );
      req.on('error', reject);
      req.end(JSON.stringify(body));
    });
  const login = (username: string, password: string, source = '127.0.0.1') => from(source, 'POST', '/api/auth/login', { username, password });

  it('answers 429 with Retry-After after too many failures, even to the right password, and for HTTP Basic too', async () => {
    for (let i = 0; i < 3; i++) expect((await login('kim', 'wrong')).status).toBe(401);
    const limited = await login('kim', 'kim-password-123');
    expect(limited.status).toBe(429);
    expect(Number(limited.retryAfter)).toBeGreaterThan(200);
    expect(limited.body?.error.code).toBe('RATE_LIMITED');
    const basic = await t.api<ErrorBody>(`Basic ${Buffer.from('kim:kim-password-123').toString('base64')}`, 'POST', '/api/tokens', { name: 'x' });
    expect(basic.status).toBe(429);
    // Other accounts are not affected.
    expect((await t.api(`Basic ${Buffer.from('admin:admin-password-for-tests').toString('base64')}`, 'POST', '/api/tokens', { name: 'x' })).status).toBe(201);
  });

  it('lets the right password in from a source that has not failed while another source is locked out', async () => {
    for (let i = 0; i < 3; i++) expect((await login('ola', 'wrong', '127.0.0.3')).status).toBe(401);
    expect((await login('ola', 'ola-password-123', '127.0.0.3')).status).toBe(429);
    expect((await login('ola', 'ola-password-123', '127.0.0.4')).status).toBe(200);
    // The owner's sign-in does not let the locked-out source guess again.
    expect((await login('ola', 'wrong', '127.0.0.3')).status).toBe(429);
  });

  it('lets at most the limit of concurrent wrong passwords reach the password check', async () => {
    const answers = await Promise.all(Array.from({ length: 20 }, () => login('pat', 'wrong', '127.0.0.5')));
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 401)).toHaveLength(3);
    expect(statuses.filter((s) => s === 429)).toHaveLength(17);
    expect(answers.filter((a) => a.status === 429).every((a) => a.body?.error.code === 'RATE_LIMITED' && Number(a.retryAfter) >= 1)).toBe(true);
  });
});
