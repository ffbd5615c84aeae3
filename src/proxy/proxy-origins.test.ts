/**
 * The proxy's two forms with sandbox origins on (a loopback hub, so `*.localhost`): the sign-in
 * callback, the sandbox host serving only its own sandbox, the path form sending browsers away,
 * and the Origin checks. A plain HTTP server stands in for the sandbox.
 */
import { randomBytes } from 'node:crypto';
import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { readCookie } from '../auth/authenticator.js';
import { SANDBOX_COOKIE, SandboxSignIn } from '../auth/sandbox-sign-in.js';
import { sandboxDoorDeps } from '../../test/support/proxy-deps.js';
import { countsAsActivity } from '../sandboxes/culling/traffic-rules.js';
import { createProxy } from './proxy.js';
import { RouteTable } from './route-table.js';
import type { Proxy, ProxyIdentity } from './types.js';

const HUB = 'http://127.0.0.1:8000';
const ALICE_HOST = 'main--alice.localhost:8000';
const BOB_HOST = 'main--bob.localhost:8000';
const session = (userId: number, username: string, admin = false): ProxyIdentity => ({ userId, username, admin, via: 'session', credentialId: `session-${username}` });
const sessions: Record<string, ProxyIdentity> = { 'session-alice': session(1, 'alice'), 'session-bob': session(2, 'bob'), 'session-root': session(3, 'root', true) };
const tokens: Record<string, ProxyIdentity> = { 'alice-token': { userId: 1, username: 'alice', admin: false, via: 'token', credentialId: 't1', scopes: null } };

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

describe('proxy with sandbox origins', () => {
  let upstream: http.Server;
  let wss: WebSocketServer;
  let front: http.Server;
  let port = 0;
  let proxy: Proxy;
  const seen: IncomingHttpHeaders[] = [];
  /** Sandboxes whose activity the proxy recorded, in order. */
  const touched: string[] = [];
  const signIn = new SandboxSignIn(randomBytes(32));
  let adminAccess = false;

  /** The hub's resolution of a sandbox host's credentials, as hub.ts does it. */
  function authenticateSandbox(req: IncomingMessage, label: string): ProxyIdentity | null {
    const bearer = req.headers.authorization;
    if (bearer?.startsWith('Bearer ')) return tokens[bearer.slice(7)] ?? null;
    const value = readCookie(req.headers.cookie, SANDBOX_COOKIE);
    const sessionId = value === null ? null : signIn.sessionOf(label, value);
    return sessionId === null ? null : (sessions[sessionId] ?? null);
  }

  beforeAll(async () => {
    upstream = http.createServer((req, res) => {
      seen.push(req.headers);
      res.setHeader('content-type', 'application/json');
      res.setHeader('set-cookie', [`${SANDBOX_COOKIE}=planted; Path=/`, '_xsrf=x; Path=/']);
      res.end(JSON.stringify({ url: req.url, method: req.method }));
    });
    wss = new WebSocketServer({ server: upstream });
    wss.on('connection', (ws) => ws.send('hello'));
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const upPort = (upstream.address() as AddressInfo).port;
    const routes = new RouteTable();
    routes.set({ sandboxId: 's-alice', user: 'alice', name: 'main', target: { host: '127.0.0.1', port: upPort }, token: 'secret-alice' });
    routes.set({ sandboxId: 's-bob', user: 'bob', name: 'main', target: { host: '127.0.0.1', port: upPort }, token: 'secret-bob' });
    const door = sandboxDoorDeps(HUB, { authenticateSandbox, signIn });
    proxy = createProxy({
      routes,
      authenticate: (req) => {
        const bearer = req.headers.authorization;
        if (bearer?.startsWith('Bearer ')) return tokens[bearer.slice(7)] ?? null;
        return sessions[readCookie(req.headers.cookie, 'shiva_session') ?? ''] ?? null;
      },
      activity: { touch: (id) => touched.push(id), counts: countsAsActivity },
      describe: () => undefined,
      loginPath: '/login',
      log: { info: () => {}, warn: () => {}, error: () => {} },
      ...door,
      get adminAccess() {
        return adminAccess;
      },
    });
    front = http.createServer((req, res) => proxy.handleRequest(req, res));
    front.on('upgrade', (req, socket, head) => proxy.handleUpgrade(req, socket, head));
    await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
    port = (front.address() as AddressInfo).port;
  });

  afterAll(async () => {
    await proxy.close();
    wss.close();
    front.closeAllConnections();
    upstream.closeAllConnections();
    await Promise.all([front, upstream].map((s) => new Promise((r) => s.close(r))));
  });

  function send(host: string, path: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, path, method: options.method ?? 'GET', headers: { host, ...options.headers }, agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
      });
      req.on('error', reject);
      req.end(options.body);
    });
  }

  const html = { accept: 'text/html' };
  const code = (reply: Reply) => (JSON.parse(reply.body) as { error: { code: string } }).error.code;

  /** The cookie the callback sets for `sessionId` on the sandbox at `host`. */
  async function signedIn(host: string, label: string, sessionId: string): Promise<string> {
    const issued = signIn.issue({ label, userId: 0, sessionId, next: `/user/${label.split('--')[1]}/main/tree?x=1` });
    const res = await send(host, `/_shiva/callback?code=${issued}`, { headers: html });
    expect(res.status).toBe(302);
    const set = String(res.headers['set-cookie']);
    expect(set).toMatch(/^shiva_sandbox=[^;]+; Path=\/; HttpOnly; SameSite=Lax$/);
    return set.split(';')[0]!;
  }

  it('sends a browser without the sandbox cookie to the hub to sign in, and answers 401 JSON to scripts', async () => {
    const page = await send(ALICE_HOST, '/user/alice/main/tree?a=1', { headers: html });
    expect(page.status).toBe(302);
    expect(page.headers.location).toBe(`${HUB}/api/sandboxes/authorize?host=main--alice&next=${encodeURIComponent('/user/alice/main/tree?a=1')}`);
    const api = await send(ALICE_HOST, '/user/alice/main/api/contents');
    expect(api.status).toBe(401);
    expect(code(api)).toBe('UNAUTHENTICATED');
  });

  it('redeems a code once, sets a host-only HttpOnly cookie and goes on to the next path', async () => {
    const issued = signIn.issue({ label: 'main--alice', userId: 1, sessionId: 'session-alice', next: '/user/alice/main/tree?x=1' });
    const first = await send(ALICE_HOST, `/_shiva/callback?code=${issued}`, { headers: html });
    expect(first.status).toBe(302);
    expect(first.headers.location).toBe('/user/alice/main/tree?x=1');
    expect(String(first.headers['set-cookie'])).not.toMatch(/domain=/i);
    const again = await send(ALICE_HOST, `/_shiva/callback?code=${issued}`);
    expect(again.status).toBe(400);
    expect(code(again)).toBe('SIGN_IN_CODE_INVALID');
    expect(again.headers['set-cookie']).toBeUndefined();
  });

  it("refuses alice's code on bob's host", async () => {
    const issued = signIn.issue({ label: 'main--alice', userId: 1, sessionId: 'session-alice', next: '/user/alice/main/' });
    const res = await send(BOB_HOST, `/_shiva/callback?code=${issued}`);
    expect(res.status).toBe(400);
    expect(res.headers['set-cookie']).toBeUndefined();
  });

  it('sends the callback only to paths under the sandbox prefix', async () => {
    for (const next of ['/user/bob/main/', 'https://evil.test/', '//evil.test/', '/user/alice/main/../../bob/main/', '/user/alice/mainx/']) {
      const issued = signIn.issue({ label: 'main--alice', userId: 1, sessionId: 'session-alice', next });
      const res = await send(ALICE_HOST, `/_shiva/callback?code=${issued}`);
      expect(res.headers.location).toBe('/user/alice/main/');
    }
  });

  it("opens a sandbox with its own cookie but not another sandbox's", async () => {
    const cookie = await signedIn(ALICE_HOST, 'main--alice', 'session-alice');
    const own = await send(ALICE_HOST, '/user/alice/main/api/contents', { headers: { cookie } });
    expect(own.status).toBe(200);
    const elsewhere = await send(BOB_HOST, '/user/bob/main/api/contents', { headers: { cookie } });
    expect(elsewhere.status).toBe(401);
  });

  it("counts a cookie page load from the sandbox's own pages or typed in as activity, and not one another site sent the browser to", async () => {
    const cookie = await signedIn(ALICE_HOST, 'main--alice', 'session-alice');
    touched.length = 0;
    for (const site of ['cross-site', 'same-site']) {
      // A link, a form or an image elsewhere (bob's sandbox is same-site): answered, not counted.
      const sent = await send(ALICE_HOST, '/user/alice/main/tree', { headers: { cookie, 'sec-fetch-site': site, 'sec-fetch-mode': 'navigate' } });
      expect(sent.status).toBe(200);
    }
    expect(touched).toEqual([]);
    for (const site of ['same-origin', 'none']) await send(ALICE_HOST, '/user/alice/main/tree', { headers: { cookie, 'sec-fetch-site': site } });
    // A client that sends no Fetch Metadata (a script) counts as before.
    await send(ALICE_HOST, '/user/alice/main/tree', { headers: { cookie } });
    expect(touched).toEqual(['s-alice', 's-alice', 's-alice']);
    // A token is no browser's ambient credential: its requests count whatever they say.
    await send(ALICE_HOST, '/user/alice/main/tree', { headers: { authorization: 'Bearer alice-token', 'sec-fetch-site': 'cross-site' } });
    expect(touched).toHaveLength(4);
  });

  it('forwards a cookie request with the secret in X-Shiva-Sandbox-Secret, without any shiva cookie, and drops a planted one', async () => {
    const cookie = await signedIn(ALICE_HOST, 'main--alice', 'session-alice');
    seen.length = 0;
    const res = await send(ALICE_HOST, '/user/alice/main/api/contents', { headers: { cookie: `_xsrf=x; ${cookie}` } });
    expect(res.status).toBe(200);
    expect(seen[0]?.['x-shiva-sandbox-secret']).toBe('secret-alice');
    expect(seen[0]?.authorization).toBeUndefined();
    expect(seen[0]?.cookie).toBe('_xsrf=x');
    expect(res.headers['set-cookie']).toEqual(['_xsrf=x; Path=/']);
  });

  it('serves only its own sandbox on a sandbox host, and sends / to its prefix', async () => {
    const cookie = await signedIn(ALICE_HOST, 'main--alice', 'session-alice');
    expect((await send(ALICE_HOST, '/user/bob/main/api/contents', { headers: { cookie } })).status).toBe(404);
    expect((await send(ALICE_HOST, '/api/me', { headers: { cookie } })).status).toBe(404);
    const root = await send(ALICE_HOST, '/');
    expect(root.status).toBe(302);
    expect(root.headers.location).toBe('/user/alice/main/');
  });

  it("links the hub's dashboard, not the sandbox's own root, from pages served on a sandbox host", async () => {
    const page = await send(ALICE_HOST, '/api/me', { headers: html });
    expect(page.status).toBe(404);
    expect(page.body).toContain(`<a href="${HUB}/">Back to the dashboard</a>`);
    expect(page.body).not.toContain('<a href="/">');
  });

  it("refuses a cookie POST whose Origin is absent, null, the hub's or another port's", async () => {
    const cookie = await signedIn(ALICE_HOST, 'main--alice', 'session-alice');
    for (const origin of [undefined, 'null', HUB, 'http://main--alice.localhost:9000', 'http://main--bob.localhost:8000']) {
      const res = await send(ALICE_HOST, '/user/alice/main/api/kernels', { method: 'POST', headers: { cookie, 'content-type': 'text/plain', ...(origin ? { origin } : {}) }, body: '{}' });
      expect(res.status).toBe(403);
      expect(code(res)).toBe('ORIGIN_MISMATCH');
    }
    const ok = await send(ALICE_HOST, '/user/alice/main/api/kernels', { method: 'POST', headers: { cookie, origin: 'http://main--alice.localhost:8000' }, body: '{}' });
    expect(ok.status).toBe(200);
  });

  it('opens a cookie WebSocket only from the sandbox origin, and a token one from anywhere', async () => {
    const cookie = await signedIn(ALICE_HOST, 'main--alice', 'session-alice');
    const url = `ws://127.0.0.1:${port}/user/alice/main/api/kernels/k/channels`;
    const open = (headers: Record<string, string>, origin?: string) =>
      new Promise<string>((resolve) => {
        const ws = new WebSocket(url, { headers: { host: ALICE_HOST, ...headers }, ...(origin ? { origin } : {}) });
        ws.on('message', (data) => {
          ws.close();
          resolve(`open: ${String(data)}`);
        });
        ws.on('unexpected-response', (_req, res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve(`${res.statusCode} ${Buffer.concat(chunks).toString()}`));
        });
        ws.on('error', () => resolve('error'));
      });
    expect(await open({ cookie }, 'http://main--alice.localhost:8000')).toBe('open: hello');
    expect(await open({ cookie }, 'http://main--alice.localhost:9000')).toMatch(/^403 .*ORIGIN_MISMATCH/);
    expect(await open({ cookie })).toMatch(/^403 .*ORIGIN_MISMATCH/);
    expect(await open({ authorization: 'Bearer alice-token' }, 'http://elsewhere.test')).toBe('open: hello');
  });

  it('sends a browser with only its hub session on the path form to the sandbox origin, and refuses its other requests', async () => {
    const hubCookie = { cookie: 'shiva_session=session-alice', host: '127.0.0.1:8000' };
    const page = await send('127.0.0.1:8000', '/user/alice/main/tree?a=1', { headers: { ...hubCookie, ...html } });
    expect(page.status).toBe(302);
    expect(page.headers.location).toBe('http://main--alice.localhost:8000/user/alice/main/tree?a=1');
    const api = await send('127.0.0.1:8000', '/user/alice/main/api/kernels', { method: 'POST', headers: { ...hubCookie, origin: HUB }, body: '{}' });
    expect(api.status).toBe(403);
    expect(code(api)).toBe('SANDBOX_ORIGIN_REQUIRED');
    const token = await send('127.0.0.1:8000', '/user/alice/main/api/contents', { headers: { authorization: 'Bearer alice-token' } });
    expect(token.status).toBe(200);
    expect(token.headers['content-security-policy']).toBe('sandbox');
  });

  it("lets an admin into another user's sandbox only with adminAccess on", async () => {
    const cookie = await signedIn(BOB_HOST, 'main--bob', 'session-root');
    adminAccess = false;
    const refused = await send(BOB_HOST, '/user/bob/main/api/contents', { headers: { cookie } });
    expect(refused.status).toBe(403);
    expect(code(refused)).toBe('FORBIDDEN');
    adminAccess = true;
    expect((await send(BOB_HOST, '/user/bob/main/api/contents', { headers: { cookie } })).status).toBe(200);
    adminAccess = false;
  });
});
