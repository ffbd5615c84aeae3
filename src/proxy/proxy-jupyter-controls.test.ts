/**
 * Jupyter's Logout and Quit as the proxy answers them on a sandbox origin, with a plain HTTP
 * server standing in for the sandbox and recording stand-ins for the hub's controls: what is
 * answered here, what still goes on to Jupyter, and what is refused before the hub is asked.
 */
import { randomBytes } from 'node:crypto';
import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { readCookie } from '../auth/authenticator.js';
import { SANDBOX_COOKIE, SandboxSignIn } from '../auth/sandbox-sign-in.js';
import { ShivaError } from '../contract/errors.js';
import { sandboxDoorDeps } from '../../test/support/proxy-deps.js';
import { createProxy } from './proxy.js';
import { RouteTable } from './route-table.js';
import type { Proxy, ProxyIdentity } from './types.js';

const HUB = 'http://127.0.0.1:8000';
const HOST = 'main--alice.localhost:8000';
const ORIGIN = `http://${HOST}`;
const alice: ProxyIdentity = { userId: 1, username: 'alice', admin: false, via: 'session', credentialId: 'session-alice' };
const tokens: Record<string, ProxyIdentity> = {
  full: { userId: 1, username: 'alice', admin: false, via: 'token', credentialId: 't1', scopes: null },
  'access-only': { userId: 1, username: 'alice', admin: false, via: 'token', credentialId: 't2', scopes: new Set(['sandboxes:access']) },
  root: { userId: 2, username: 'root', admin: true, via: 'token', credentialId: 't3', scopes: null },
};

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

describe("the proxy answering Jupyter's Logout and Quit", () => {
  let upstream: http.Server;
  let front: http.Server;
  let port = 0;
  let proxy: Proxy;
  const forwarded: string[] = [];
  const calls: string[] = [];
  const touched: string[] = [];
  let idleStop: { at: string; reason: string } | null = null;
  let stopFails: Error | null = null;
  const signIn = new SandboxSignIn(randomBytes(32));
  let cookie = '';

  beforeAll(async () => {
    upstream = http.createServer((req, res) => {
      forwarded.push(`${req.method ?? ''} ${req.url ?? ''}`);
      res.end('from jupyter');
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const routes = new RouteTable();
    routes.set({ sandboxId: 's-alice', user: 'alice', name: 'main', target: { host: '127.0.0.1', port: (upstream.address() as AddressInfo).port }, token: 'secret' });
    const authenticateSandbox = (req: IncomingMessage, label: string): ProxyIdentity | null => {
      const bearer = req.headers.authorization;
      if (bearer?.startsWith('Bearer ')) return tokens[bearer.slice(7)] ?? null;
      const value = readCookie(req.headers.cookie, SANDBOX_COOKIE);
      return value !== null && signIn.sessionOf(label, value) === 'session-alice' ? alice : null;
    };
    proxy = createProxy({
      routes,
      authenticate: () => null,
      activity: { touch: (id: string) => void touched.push(id) },
      describe: () => undefined,
      loginPath: '/login',
      log: { info: () => {}, warn: () => {}, error: () => {} },
      ...sandboxDoorDeps(HUB, { authenticateSandbox, signIn }),
      controls: {
        signOut: (identity) => {
          calls.push(`signOut ${identity.credentialId ?? ''}`);
          return Promise.resolve();
        },
        stop: (identity, route) => {
          calls.push(`stop ${route.sandboxId} by ${identity.username}`);
          return stopFails ? Promise.reject(stopFails) : Promise.resolve();
        },
        idleStop: () => idleStop,
        keep: (identity, route) => {
          calls.push(`keep ${route.sandboxId} by ${identity.username}`);
          idleStop = null;
          return Promise.resolve();
        },
      },
    });
    front = http.createServer((req, res) => proxy.handleRequest(req, res));
    await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
    port = (front.address() as AddressInfo).port;
    cookie = `${SANDBOX_COOKIE}=${signIn.cookieValue('main--alice', 'session-alice')}`;
  });

  beforeEach(() => {
    forwarded.length = 0;
    calls.length = 0;
    touched.length = 0;
    idleStop = null;
    stopFails = null;
  });

  afterAll(async () => {
    await proxy.close();
    front.closeAllConnections();
    upstream.closeAllConnections();
    await Promise.all([front, upstream].map((s) => new Promise((r) => s.close(r))));
  });

  function send(path: string, options: { method?: string; headers?: Record<string, string> } = {}): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, path, method: options.method ?? 'GET', headers: { host: HOST, ...options.headers }, agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
      });
      req.on('error', reject);
      req.end();
    });
  }

  it("signs out at once from the sandbox's own page: the hub session ends, the cookie is cleared, the browser goes to the hub's sign-in", async () => {
    const res = await send('/user/alice/main/logout', { headers: { cookie, accept: 'text/html', 'sec-fetch-site': 'same-origin' } });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`${HUB}/login`);
    expect(String(res.headers['set-cookie'])).toMatch(/^shiva_sandbox=; Max-Age=0; Path=\/; HttpOnly; SameSite=Lax$/);
    expect(calls).toEqual(['signOut session-alice']);
    expect(forwarded).toEqual([]);
  });

  it('asks first when the link was on another page, and signs out on the same-origin POST of its button', async () => {
    for (const site of ['cross-site', 'same-site', undefined]) {
      const page = await send('/user/alice/main/logout', { headers: { cookie, accept: 'text/html', ...(site ? { 'sec-fetch-site': site } : {}) } });
      expect(page.status).toBe(200);
      expect(page.body).toContain('<form method="post" action="/user/alice/main/logout">');
      // No page may frame it: a same-site page (another port of this host) gets the cookie too.
      expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'");
      expect(page.headers['x-frame-options']).toBe('DENY');
    }
    expect(calls).toEqual([]);
    const refused = await send('/user/alice/main/logout', { method: 'POST', headers: { cookie, origin: 'http://main--alice.localhost:9000' } });
    expect(refused.status).toBe(403);
    expect(calls).toEqual([]);
    const posted = await send('/user/alice/main/logout', { method: 'POST', headers: { cookie, origin: ORIGIN } });
    expect(posted.status).toBe(303);
    expect(calls).toEqual(['signOut session-alice']);
  });

  it("leaves a bearer token's Logout to Jupyter, and stops the sandbox for its Quit only with sandboxes:launch", async () => {
    const logout = await send('/user/alice/main/logout', { headers: { authorization: 'Bearer full' } });
    expect(logout.body).toBe('from jupyter');
    const refused = await send('/user/alice/main/api/shutdown', { method: 'POST', headers: { authorization: 'Bearer access-only' } });
    expect(refused.status).toBe(403);
    expect(calls).toEqual([]);
    const quit = await send('/user/alice/main/api/shutdown', { method: 'POST', headers: { authorization: 'Bearer full' } });
    expect(quit.status).toBe(200);
    expect(JSON.parse(quit.body)).toEqual({ sandbox: 'alice/main', state: 'stopped' });
    expect(calls).toEqual(['stop s-alice by alice']);
    expect(forwarded).toEqual(['GET /user/alice/main/logout']);
  });

  it("stops for a cookie's Quit from the sandbox's origin only, and answers the hub's refusal with its code", async () => {
    const foreign = await send('/user/alice/main/api/shutdown', { method: 'POST', headers: { cookie, origin: HUB } });
    expect(foreign.status).toBe(403);
    expect(calls).toEqual([]);
    stopFails = new ShivaError('SANDBOX_NOT_FOUND');
    const gone = await send('/user/alice/main/api/shutdown', { method: 'POST', headers: { cookie, origin: ORIGIN } });
    expect(gone.status).toBe(404);
    expect((JSON.parse(gone.body) as { error: { code: string } }).error.code).toBe('SANDBOX_NOT_FOUND');
    expect(calls).toEqual(['stop s-alice by alice']);
    expect(forwarded).toEqual([]);
  });

  it("answers the notebook page's idle-stop notice itself, for the owner only, without forwarding it or counting it as activity", async () => {
    idleStop = { at: '2026-01-01T14:05:00.000Z', reason: 'idle' };
    const read = await send('/user/alice/main/shiva/idle-stop', { headers: { cookie } });
    expect([read.status, JSON.parse(read.body)]).toEqual([200, { idleStop }]);
    expect(read.headers['cache-control']).toBe('no-store');
    const kept = await send('/user/alice/main/shiva/keep', { method: 'POST', headers: { cookie, origin: ORIGIN } });
    expect([kept.status, JSON.parse(kept.body)]).toEqual([200, { idleStop: null }]);
    expect(calls).toEqual(['keep s-alice by alice']);
    expect(forwarded).toEqual([]);
    expect(touched).toEqual([]);
    // A keep from another origin, a token without sandboxes:launch, and anyone but the owner are refused.
    expect((await send('/user/alice/main/shiva/keep', { method: 'POST', headers: { cookie, origin: 'http://elsewhere.example' } })).status).toBe(403);
    expect((await send('/user/alice/main/shiva/keep', { method: 'POST', headers: { authorization: 'Bearer access-only' } })).status).toBe(403);
    expect((await send('/user/alice/main/shiva/idle-stop', { headers: { authorization: 'Bearer root' } })).status).toBe(403);
    expect(calls).toEqual(['keep s-alice by alice']);
    // Other paths under /shiva/ are Jupyter's.
    expect((await send('/user/alice/main/shiva/other', { headers: { cookie } })).body).toBe('from jupyter');
  });
});
