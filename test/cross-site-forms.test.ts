/**
 * A page of another site can submit a form to the hub in the top window: a navigation, which
 * the browser sends without the SameSite=Lax cookies when it is a POST from another site, and
 * whose answer's Set-Cookie the browser keeps (the new document is the hub's). Such a form must
 * neither clear the signed-in browser's cookies (signing it out) nor sign it in as someone else.
 */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeRuntime } from '../src/runtime/fake/fake-runtime.js';
import { ADMIN_PASSWORD, startTestHub, type TestHub } from './support/hub.js';

describe("another site's forms", () => {
  let t: TestHub;
  const runtime = new FakeRuntime();

  beforeAll(async () => {
    t = await startTestHub({ makeRuntime: () => runtime });
  });
  afterAll(async () => {
    await t.close();
    await runtime.closeAll();
  });

  /** A POST with exactly these headers and body, as a browser submits a form. */
  const post = (path: string, headers: Record<string, string>, body = '') =>
    new Promise<{ status: number; setCookie: string[] }>((resolve, reject) => {
      http
        .request(`${t.url}${path}`, { method: 'POST', headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) } }, (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode!, setCookie: res.headers['set-cookie'] ?? [] }));
        })
        .on('error', reject)
        .end(body);
    });
  const navigation = (site: string) => ({ 'sec-fetch-site': site, 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document', origin: 'http://evil.example' });

  it('does not sign the browser out from a form another site submits (sent without the Lax cookie)', async () => {
    // A form with no fields sends an empty body of its enctype; Fastify parses text/plain itself.
    for (const site of ['cross-site', 'same-site']) {
      for (const type of ['application/x-www-form-urlencoded', 'text/plain', 'multipart/form-data; boundary=x']) {
        const out = await post('/api/auth/logout', { ...navigation(site), 'content-type': type });
        expect(out.setCookie, `${site} ${type}`).toEqual([]);
        expect(out.status, `${site} ${type}`).toBeGreaterThanOrEqual(400);
      }
    }
  });

  it("still clears a stale session's cookies for the hub's own page and for clients without Fetch Metadata", async () => {
    const own = await post('/api/auth/logout', { cookie: 'shiva_session=stale; shiva_csrf=x', 'x-csrf-token': 'x', 'sec-fetch-site': 'same-origin', 'sec-fetch-mode': 'cors' });
    expect(own.status).toBe(204);
    expect(own.setCookie.join('\n')).toMatch(/shiva_session=;/);
    expect((await post('/api/auth/logout', {})).status).toBe(204);
  });

  it('does not sign the browser in from a text/plain form another site submits (login CSRF)', async () => {
    // enctype=text/plain with the name {"username":"admin","password":"…","x":" and the value "} .
    const body = `{"username":"admin","password":"${ADMIN_PASSWORD}","x":"="}`;
    const login = await post('/api/auth/login', { ...navigation('cross-site'), 'content-type': 'text/plain' }, body);
    expect(login.setCookie).toEqual([]);
    expect(login.status).not.toBe(200);
  });
});
