/** Sessions end when they should: sign-out here or everywhere, an admin's order, idleness. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeRuntime } from '../src/runtime/fake/fake-runtime.js';
import { startTestHub, type TestHub } from './support/hub.js';

describe('sessions', () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await startTestHub({ makeRuntime: () => new FakeRuntime(), config: { auth: { tokenCacheSeconds: 60 } } });
    await t.user('max');
  });
  afterAll(async () => t.close());

  const signIn = async () => {
    const res = await fetch(`${t.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'max', password: 'max-password-123' }),
    });
    // Both cookies, as a browser would send them: the session and its CSRF token.
    return res.headers
      .getSetCookie()
      .map((c) => c.split(';')[0]!)
      .join('; ');
  };
  const me = (cookie: string) => fetch(`${t.url}/api/me`, { headers: { cookie } }).then((r) => r.status);
  const proxied = (cookie: string) => fetch(`${t.url}/user/max/none/`, { headers: { cookie } }).then((r) => r.status);

  it('ends every session of yours with everywhere=true, on the API and the proxy at once', async () => {
    const a = await signIn();
    const b = await signIn();
    expect([await me(a), await me(b), await proxied(b)]).toEqual([200, 200, 503]);
    const csrf = /shiva_csrf=([^;]+)/.exec(a)![1]!;
    await fetch(`${t.url}/api/auth/logout?everywhere=true`, { method: 'POST', headers: { cookie: a, 'x-csrf-token': csrf } });
    expect([await me(a), await me(b), await proxied(b)]).toEqual([401, 401, 401]);
  });

  it("lets an admin end a user's sessions", async () => {
    const a = await signIn();
    const users = await t.api<{ items: Array<{ id: number; username: string }> }>(t.adminToken, 'GET', '/api/users');
    const id = users.body.items.find((u) => u.username === 'max')!.id;
    expect((await t.api(t.adminToken, 'DELETE', `/api/users/${id}/sessions`)).status).toBe(204);
    expect(await me(a)).toBe(401);
  });

  it('ends a session unused for the idle lifetime', async () => {
    const a = await signIn();
    expect(await me(a)).toBe(200);
    await t.hub.flush();
    // As if the last use were two days ago.
    await t.hub.db.updateTable('sessions').set({ last_seen_at: new Date(Date.now() - 48 * 3600_000).toISOString() }).execute();
    t.hub.auth.forget();
    t.hub.auth.drainSessionUse();
    expect(await me(a)).toBe(401);
  });
});
