/**
 * A page of another site cannot use a signed-in browser's cookie on the API, not even to time an
 * answer it cannot read: a sandbox under the same registrable domain as the hub gets the
 * SameSite=Lax cookie sent along, so the hub reads the browser's Fetch Metadata instead.
 */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeRuntime } from '../src/runtime/fake/fake-runtime.js';
import { ADMIN_PASSWORD, startTestHub, type TestHub } from './support/hub.js';

describe('requests another site made a browser send', () => {
  let t: TestHub;
  const runtime = new FakeRuntime();
  let cookie: string;
  let csrf: string;

  beforeAll(async () => {
    t = await startTestHub({ makeRuntime: () => runtime });
    const login = await fetch(`${t.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'sec-fetch-site': 'same-origin', 'sec-fetch-mode': 'cors' },
      body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
    });
    const cookies = login.headers.getSetCookie();
    cookie = cookies.map((c) => c.split(';')[0]).join('; ');
    csrf = /shiva_csrf=([^;]+)/.exec(cookies.join('\n'))![1]!;
  });
  afterAll(async () => {
    await t.close();
    await runtime.closeAll();
  });

  /** A request with exactly these Fetch Metadata headers (Node's fetch would set its own Sec-Fetch-Mode). */
  const send = (method: string, path: string, site: string | null, mode = 'cors', dest?: string) =>
    new Promise<{ status: number; setCookie: string[]; json(): Promise<unknown> }>((resolve, reject) => {
      const headers = { cookie, ...(site ? { 'sec-fetch-site': site, 'sec-fetch-mode': mode } : {}), ...(dest ? { 'sec-fetch-dest': dest } : {}) };
      http
        .request(`${t.url}${path}`, { method, headers }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({ status: res.statusCode!, setCookie: res.headers['set-cookie'] ?? [], json: async () => JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown }),
          );
        })
        .on('error', reject)
        .end();
    });
  const get = (path: string, site: string | null, mode = 'cors', dest?: string) => send('GET', path, site, mode, dest);

  it("answers the hub's own pages, and clients that are not browsers, as the signed-in admin", async () => {
    expect((await get('/api/users?q=admin', 'same-origin')).status).toBe(200);
    expect((await get('/api/users?q=admin', 'none')).status).toBe(200);
    expect((await get('/api/users?q=admin', null)).status).toBe(200);
  });

  it("answers a sandbox's page or another site's as if no one were signed in, whatever it asks", async () => {
    for (const site of ['same-site', 'cross-site']) {
      for (const mode of ['cors', 'no-cors']) {
        const users = await get('/api/users?q=admin&limit=500', site, mode);
        expect(users.status, `${site} ${mode}`).toBe(401);
        expect(((await users.json()) as { error: { code: string } }).error.code).toBe('UNAUTHENTICATED');
        expect((await get('/api/audit?action=user.update', site, mode)).status).toBe(401);
      }
      // Not even with the CSRF token a page could have learnt: the cookie does not count.
      const launch = await fetch(`${t.url}/api/sandboxes`, {
        method: 'POST',
        headers: { cookie, 'x-csrf-token': csrf, 'content-type': 'application/json', 'sec-fetch-site': site, 'sec-fetch-mode': 'cors' },
        body: '{"name":"forged"}',
      });
      expect(launch.status, site).toBe(403);
      expect(((await launch.json()) as { error: { code: string } }).error.code).toBe('CSRF_FAILED');
    }
    expect((await get('/api/sandboxes?all=true', 'same-origin')).status).toBe(200);
    expect(((await (await get('/api/sandboxes?all=true', 'same-origin')).json()) as { total: number }).total).toBe(0);
  });

  it('lets a link from another site reach the hub signed in (a sandbox sends its browser to sign in there)', async () => {
    expect((await get('/api/me', 'same-site', 'navigate')).status).toBe(200);
    expect((await get('/api/me', 'cross-site', 'navigate')).status).toBe(200);
    expect((await get('/api/me', 'same-site', 'navigate', 'document')).status).toBe(200);
    expect((await get('/api/me', 'cross-site', 'navigate', 'document')).status).toBe(200);
  });

  it("does not answer a frame or an embedded object that another site's page loads as the signed-in admin", async () => {
    // An <iframe> or <object> is a navigation too, and a sandbox under the hub's domain gets the
    // SameSite=Lax cookie sent with it; frame-ancestors only hides the answer, its load event
    // still times it.
    for (const site of ['same-site', 'cross-site']) {
      for (const dest of ['iframe', 'frame', 'object', 'embed']) {
        expect((await get('/api/users?q=admin&limit=500', site, 'navigate', dest)).status, `${site} ${dest}`).toBe(401);
      }
    }
    expect((await get('/api/users?q=admin', 'same-origin', 'cors', 'empty')).status).toBe(200);
  });

  it("does not let another site's page sign the browser out: its request is refused, not run as anonymous", async () => {
    // A sandbox's page can send a body-less POST (fetch, mode no-cors) with the cookie; anonymous,
    // sign-out would answer with the cookies cleared.
    for (const site of ['same-site', 'cross-site']) {
      for (const mode of ['no-cors', 'cors']) {
        const out = await send('POST', '/api/auth/logout', site, mode);
        expect(out.status, `${site} ${mode}`).toBe(403);
        expect(out.setCookie, `${site} ${mode}`).toEqual([]);
      }
    }
    expect((await get('/api/me', 'same-origin')).status).toBe(200);
  });
});
