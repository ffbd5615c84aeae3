/** Tokens and passwords are managed only with a session or a token given that scope; password guesses are limited. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyPassword } from '../src/auth/passwords.js';
import { FakeRuntime } from '../src/runtime/fake/fake-runtime.js';
import { startTestHub, type TestHub } from './support/hub.js';

type ErrorBody = { error: { code: string; message: string } };
type CreatedToken = { id: string; token: string; scopes: string[] };

describe('managing credentials', () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await startTestHub({ makeRuntime: () => new FakeRuntime(), config: { auth: { signInAttempts: { perAccount: 3, perAddress: 100, windowMinutes: 5 } } } });
  });
  afterAll(async () => t.close());

  const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  const tokenWith = async (owner: string, scopes: string[]) => {
    const res = await t.api<CreatedToken>(owner, 'POST', '/api/tokens', { name: 'scoped', scopes });
    expect(res.status).toBe(201);
    return res.body;
  };
  const canSignIn = async (user: string, password: string) => (await t.api(basic(user, password), 'POST', '/api/tokens', { name: 'probe' })).status === 201;

  it('refuses a sandboxes:read token to change the password or to list, create or revoke tokens, and changes nothing', async () => {
    const owner = await t.user('rin');
    const other = await tokenWith(owner, ['sandboxes:read', 'machines:read']);
    const reader = await tokenWith(owner, ['sandboxes:read']);

    const change = await t.api<ErrorBody>(reader.token, 'PUT', '/api/me/password', { currentPassword: 'rin-password-123', newPassword: 'taken-over-456' });
    expect(change.status).toBe(403);
    expect(change.body.error).toMatchObject({ code: 'FORBIDDEN', message: 'This token lacks the scope account:write.' });
    const revoke = await t.api<ErrorBody>(reader.token, 'DELETE', `/api/tokens/${other.id}`);
    expect(revoke.status).toBe(403);
    expect(revoke.body.error.message).toContain('tokens:write');
    expect((await t.api(reader.token, 'GET', '/api/tokens')).status).toBe(403);
    expect((await t.api(reader.token, 'POST', '/api/tokens', { name: 'more', scopes: ['sandboxes:read'] })).status).toBe(403);

    expect(await canSignIn('rin', 'rin-password-123')).toBe(true);
    expect((await t.api(other.token, 'GET', '/api/sandboxes')).status).toBe(200);
  });

  it('lets tokens with tokens:write and account:write do what they name', async () => {
    const owner = await t.user('sol');
    const victim = await tokenWith(owner, ['sandboxes:read']);
    const manager = await tokenWith(owner, ['tokens:write']);
    expect((await t.api(manager.token, 'DELETE', `/api/tokens/${victim.id}`)).status).toBe(204);
    expect((await t.api(victim.token, 'GET', '/api/sandboxes')).status).toBe(401);
    const account = await tokenWith(owner, ['account:write']);
    expect((await t.api(account.token, 'PUT', '/api/me/password', { currentPassword: 'sol-password-123', newPassword: 'sol-password-456' })).status).toBe(204);
    expect(await canSignIn('sol', 'sol-password-456')).toBe(true);
  });

  it('lets a session change the password and manage tokens without any scope', async () => {
    await t.user('uma');
    const login = await fetch(`${t.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'uma', password: 'uma-password-123' }),
    });
    const cookies = login.headers.getSetCookie().map((c) => c.split(';')[0]!);
    const csrf = cookies.find((c) => c.startsWith('shiva_csrf='))!.slice('shiva_csrf='.length);
    const headers = { cookie: cookies.join('; '), 'x-csrf-token': csrf, 'content-type': 'application/json' };
    const listed = await fetch(`${t.url}/api/tokens`, { headers });
    expect(listed.status).toBe(200);
    const change = await fetch(`${t.url}/api/me/password`, { method: 'PUT', headers, body: JSON.stringify({ currentPassword: 'uma-password-123', newPassword: 'uma-password-456' }) });
    expect(change.status).toBe(204);
  });

  it('counts wrong current passwords against the sign-in limit, and then refuses even the right one', async () => {
    const owner = await t.user('vic');
    const change = (currentPassword: string) => t.api<ErrorBody>(owner, 'PUT', '/api/me/password', { currentPassword, newPassword: 'vic-password-456' });
    for (let i = 0; i < 3; i++) {
      const wrong = await change(`guess-${i}`);
      expect(wrong.status).toBe(401);
      expect(wrong.body.error.code).toBe('INVALID_CREDENTIALS');
    }
    const limited = await fetch(`${t.url}/api/me/password`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${owner}`, 'content-type': 'application/json' },
      body: JSON.stringify({ currentPassword: 'vic-password-123', newPassword: 'vic-password-456' }),
    });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(200);
    expect(((await limited.json()) as ErrorBody).error.code).toBe('RATE_LIMITED');
    // Nothing changed: the stored password is still the old one.
    const row = await t.hub.users.byName('vic');
    expect(await verifyPassword('vic-password-123', row!.password_hash)).toBe(true);
  });
});
