import { createHash, randomBytes } from 'node:crypto';
import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createProxy } from './proxy.js';
import { RouteTable } from './route-table.js';
import type { Proxy, ProxyDeps, ProxyIdentity } from './types.js';
import { sandboxDoorDeps } from '../../test/support/proxy-deps.js';
import { countsAsActivity } from '../sandboxes/culling/traffic-rules.js';

const COOKIE = 'shiva_session';

const identities: Record<string, ProxyIdentity> = {
  'alice-token': { userId: 1, username: 'alice', admin: false, via: 'token', credentialId: 'tok-alice' },
  'bob-token': { userId: 2, username: 'bob', admin: false, via: 'token', credentialId: 'tok-bob' },
  'admin-token': { userId: 3, username: 'root', admin: true, via: 'token', credentialId: 'tok-root' },
};
const sessions: Record<string, ProxyIdentity> = { 'alice-session': { userId: 1, username: 'alice', admin: false, via: 'session', credentialId: 'ses-alice' } };

function authenticate(req: IncomingMessage): ProxyIdentity | null | Promise<ProxyIdentity | null> {
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) {
    const token = auth.slice(7);
    if (token === 'alice-async') return new Promise((resolve) => setTimeout(() => resolve(identities['alice-token'] ?? null), 5));
    return identities[token] ?? null;
  }
  const match = /(?:^|;\s*)shiva_session=([^;]*)/.exec(req.headers.cookie ?? '');
  return (match && sessions[match[1] ?? '']) || null;
}

interface Upstream {
  server: http.Server;
  port: number;
  connections: number;
  requests: Array<{ url: string; headers: IncomingHttpHeaders }>;
  aborted: number;
  releaseLast?: () => void;
}

async function listen(server: http.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

async function startUpstream(): Promise<Upstream> {
  const up: Upstream = { server: http.createServer(), port: 0, connections: 0, requests: [], aborted: 0 };
  up.server.on('connection', () => up.connections++);
  up.server.on('request', (req, res) => {
    up.requests.push({ url: req.url ?? '', headers: req.headers });
    const path = (req.url ?? '').replace(/^\/user\/[^/]+\/[^/]+/, '');
    if (path === '/hash') {
      const hash = createHash('sha256');
      let bytes = 0;
      req.on('data', (chunk: Buffer) => {
        hash.update(chunk);
        bytes += chunk.length;
      });
      req.on('end', () => res.end(JSON.stringify({ sha256: hash.digest('hex'), bytes })));
    } else if (path === '/headers') {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(req.headers));
    } else if (path === '/cookies') {
      res.setHeader('set-cookie', [`${COOKIE}=evil; Path=/`, '_xsrf=fresh; Path=/user/alice/main/']);
      res.end('cookies');
    } else if (path === '/stream') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('first;');
      up.releaseLast = () => res.end('last');
    } else if (path === '/hang') {
      req.on('close', () => {
        if (!res.writableEnded) up.aborted++;
      });
    } else {
      res.end(`hello from ${req.url}`);
    }
  });
  up.port = await listen(up.server);
  return up;
}

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

let proxyPort = 0;

function request(
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: Buffer | string } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port: proxyPort, path, method: options.method ?? 'GET', headers: options.headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

async function waitFor(predicate: () => boolean | Promise<boolean>, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

const alice = { authorization: 'Bearer alice-token' };
const bob = { authorization: 'Bearer bob-token' };
const html = { accept: 'text/html,application/xhtml+xml' };

describe('proxy (HTTP)', () => {
  let up: Upstream;
  let bobUp: Upstream;
  let front: http.Server;
  let proxy: Proxy;
  const routes = new RouteTable();
  const touched: string[] = [];
  const kinds: string[] = [];
  const asked: string[] = [];
  const warnings: object[] = [];
  let closedPort = 0;

  beforeAll(async () => {
    up = await startUpstream();
    bobUp = await startUpstream();
    const probe = http.createServer();
    closedPort = await listen(probe);
    await new Promise((r) => probe.close(r));
    routes.set({ sandboxId: 's-alice', user: 'alice', name: 'main', target: { host: '127.0.0.1', port: up.port }, token: 'tok-alice' });
    routes.set({ sandboxId: 's-bob', user: 'bob', name: 'main', target: { host: '127.0.0.1', port: bobUp.port }, token: 'tok-bob' });
    routes.set({ sandboxId: 's-down', user: 'alice', name: 'down', target: { host: '127.0.0.1', port: closedPort }, token: 't' });
    const deps: ProxyDeps = {
      routes,
      authenticate,
      activity: {
        touch: (id, kind) => {
          touched.push(id);
          kinds.push(kind);
        },
        counts: (method, path) => {
          asked.push(`${method} ${path}`);
          return countsAsActivity(method, path);
        },
      },
      describe: (user, name) =>
        name === 'broken' ? { state: 'failed', reason: 'image <b>x</b> not found' } : name === 'idle' ? { state: 'stopped' } : undefined,
      ...sandboxDoorDeps(),
      loginPath: '/login',
      log: { info: () => {}, warn: (obj) => warnings.push(obj), error: () => {} },
    };
    proxy = createProxy(deps);
    front = http.createServer((req, res) => proxy.handleRequest(req, res));
    front.on('upgrade', proxy.handleUpgrade);
    proxyPort = await listen(front);
  });

  afterAll(async () => {
    await proxy.close();
    front.closeAllConnections();
    up.server.closeAllConnections();
    bobUp.server.closeAllConnections();
    await Promise.all([front, up.server, bobUp.server].map((s) => new Promise((r) => s.close(r))));
  });

  beforeEach(() => {
    touched.length = 0;
    kinds.length = 0;
    asked.length = 0;
    warnings.length = 0;
  });

  it('lets the owner through to the sandbox and records activity', async () => {
    const res = await request('/user/alice/main/lab?x=1', { headers: alice });
    expect(res.status).toBe(200);
    expect(res.body).toBe('hello from /user/alice/main/lab?x=1');
    expect(touched).toEqual(['s-alice']);
  });

  it("records a page's own API reads as no activity, and a save as activity once answered", async () => {
    const poll = await request('/user/alice/main/api/sessions?_=1', { headers: alice });
    expect(poll.status).toBe(200);
    expect(touched).toEqual([]);
    const save = await request('/user/alice/main/api/contents/a.ipynb', { method: 'PUT', headers: { ...alice, 'content-type': 'application/json' }, body: '{}' });
    expect(save.status).toBe(200);
    expect(touched).toEqual(['s-alice']);
    expect(kinds).toEqual(['http']);
    // The rule is asked with the path after the sandbox's prefix.
    expect(asked).toEqual(['GET /api/sessions?_=1', 'PUT /api/contents/a.ipynb']);
  });

  it('lets an admin through to any sandbox', async () => {
    const res = await request('/user/alice/main/', { headers: { authorization: 'Bearer admin-token' } });
    expect(res.status).toBe(200);
    expect(res.body).toBe('hello from /user/alice/main/');
  });

  it('waits for an asynchronous authentication', async () => {
    const res = await request('/user/alice/main/', { headers: { authorization: 'Bearer alice-async' } });
    expect(res.status).toBe(200);
  });

  it('refuses another user with 403, as JSON or as a page for a browser', async () => {
    const api = await request('/user/alice/main/', { headers: bob });
    expect(api.status).toBe(403);
    expect(JSON.parse(api.body).error.code).toBe('FORBIDDEN');
    const page = await request('/user/alice/main/', { headers: { ...bob, ...html } });
    expect(page.status).toBe(403);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.body).toContain('signed in as bob');
    // The proxy's own pages run nothing and may be framed by no one.
    expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(page.headers['content-security-policy']).toContain("default-src 'none'");
    expect(touched).toEqual([]);
  });

  it('answers 401 JSON to an anonymous API client and redirects a browser to the login page', async () => {
    const api = await request('/user/alice/main/api/status');
    expect(api.status).toBe(401);
    expect(JSON.parse(api.body).error.code).toBe('UNAUTHENTICATED');
    const page = await request('/user/alice/main/tree?a=1&b=2', { headers: html });
    expect(page.status).toBe(302);
    expect(page.headers.location).toBe('/login?next=' + encodeURIComponent('/user/alice/main/tree?a=1&b=2'));
  });

  it('accepts the hub session cookie', async () => {
    const res = await request('/user/alice/main/', { headers: { cookie: `${COOKIE}=alice-session` } });
    expect(res.status).toBe(200);
  });

  it('checks identity before saying whether a sandbox exists', async () => {
    expect((await request('/user/alice/ghost/')).status).toBe(401);
    expect((await request('/user/alice/ghost/', { headers: bob })).status).toBe(403);
    expect((await request('/user/alice/ghost/', { headers: alice })).status).toBe(503);
  });

  it('sends the sandbox token, the browser Host and its own X-Forwarded-*, and none of the hub cookies or user credentials', async () => {
    const res = await request('/user/alice/main/headers', {
      headers: {
        ...alice,
        host: 'hub.example.org:8443',
        cookie: `_xsrf=abc; ${COOKIE}=alice-session; shiva_csrf=csrf-value; theme=dark`,
        'x-forwarded-for': '10.0.0.7',
        'x-shiva-sandbox-secret': 'forged',
        connection: 'keep-alive, x-hop',
        'x-hop': 'secret',
        'proxy-authorization': 'Basic eA==',
      },
    });
    expect(res.status).toBe(200);
    const seen = JSON.parse(res.body) as Record<string, string>;
    expect(seen.authorization).toBe('token tok-alice');
    expect(seen.host).toBe('hub.example.org:8443');
    expect(seen['x-forwarded-host']).toBe('hub.example.org:8443');
    expect(seen['x-forwarded-port']).toBe('8443');
    expect(seen['x-forwarded-proto']).toBe('http');
    expect(seen['x-forwarded-for']).toBe('127.0.0.1');
    expect(seen['x-shiva-sandbox-secret']).toBeUndefined();
    expect(seen.cookie).toBe('_xsrf=abc; theme=dark');
    expect(JSON.stringify(seen)).not.toContain('csrf-value');
    expect(seen['x-hop']).toBeUndefined();
    expect(seen['proxy-authorization']).toBeUndefined();
    expect(JSON.stringify(seen)).not.toContain('alice-token');
    expect(JSON.stringify(seen)).not.toContain('alice-session');
  });

  it('sends no Cookie header when the hub cookie was the only one', async () => {
    const res = await request('/user/alice/main/headers', { headers: { cookie: `${COOKIE}=alice-session` } });
    const seen = JSON.parse(res.body) as Record<string, string>;
    expect(seen.cookie).toBeUndefined();
    // A cookie request is not a token request inside the sandbox: its XSRF checks stay on.
    expect(seen.authorization).toBeUndefined();
    expect(seen['x-shiva-sandbox-secret']).toBe('tok-alice');
  });

  it('drops x-shiva-* headers a client sends, so only the proxy speaks for itself', async () => {
    const res = await request('/user/alice/main/headers', { headers: { ...alice, 'x-shiva-sandbox-secret': 'guess', 'X-Shiva-Other': '1' } });
    const seen = JSON.parse(res.body) as Record<string, string>;
    expect(seen.authorization).toBe('token tok-alice');
    expect(seen['x-shiva-sandbox-secret']).toBeUndefined();
    expect(seen['x-shiva-other']).toBeUndefined();
  });

  it('adds Content-Security-Policy: sandbox to what a token opens on the hub origin, not to session answers', async () => {
    expect((await request('/user/alice/main/', { headers: alice })).headers['content-security-policy']).toBe('sandbox');
    expect((await request('/user/alice/main/', { headers: { cookie: `${COOKIE}=alice-session` } })).headers['content-security-policy']).toBeUndefined();
  });

  it('refuses a session POST on the hub origin (path-only mode) whose Origin is absent, null or another site', async () => {
    const session = { cookie: `${COOKIE}=alice-session`, 'content-type': 'text/plain' };
    for (const origin of [undefined, 'null', 'http://evil.test', 'http://hub.test:8000']) {
      const res = await request('/user/alice/main/echo', { method: 'POST', headers: { ...session, ...(origin ? { origin } : {}) }, body: 'x' });
      expect(res.status).toBe(403);
      expect(JSON.parse(res.body)).toMatchObject({ error: { code: 'ORIGIN_MISMATCH' } });
    }
    const same = await request('/user/alice/main/echo', { method: 'POST', headers: { ...session, origin: 'http://hub.test' }, body: 'x' });
    expect(same.status).toBe(200);
  });

  it('drops a Set-Cookie from the sandbox that would overwrite the hub session', async () => {
    const res = await request('/user/alice/main/cookies', { headers: alice });
    expect(res.headers['set-cookie']).toEqual(['_xsrf=fresh; Path=/user/alice/main/']);
  });

  it('streams a 10 MB upload through intact', async () => {
    const body = randomBytes(10 * 1024 * 1024);
    const res = await request('/user/alice/main/hash', { method: 'POST', headers: alice, body });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ sha256: createHash('sha256').update(body).digest('hex'), bytes: body.length });
  });

  it('streams a response: the first chunk arrives before the sandbox writes the last', async () => {
    const text = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('first chunk was held back')), 5000);
      const req = http.get({ host: '127.0.0.1', port: proxyPort, path: '/user/alice/main/stream', headers: alice, agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
          if (body === 'first;') {
            clearTimeout(timer);
            up.releaseLast?.();
          }
        });
        res.on('end', () => resolve(body));
      });
      req.on('error', reject);
    });
    expect(text).toBe('first;last');
  });

  it('reuses one upstream connection for sequential requests', async () => {
    const fresh = await startUpstream();
    routes.set({ sandboxId: 's-reuse', user: 'alice', name: 'reuse', target: { host: '127.0.0.1', port: fresh.port }, token: 't' });
    try {
      for (let i = 0; i < 20; i++) {
        const res = await request(`/user/alice/reuse/${i}`, { headers: alice });
        expect(res.status).toBe(200);
      }
      expect(fresh.requests).toHaveLength(20);
      expect(fresh.connections).toBe(1);
    } finally {
      routes.delete('alice', 'reuse');
      fresh.server.closeAllConnections();
      await new Promise((r) => fresh.server.close(r));
    }
  });

  it('explains a missing route with what the hub knows, escaped in HTML', async () => {
    const failed = await request('/user/alice/broken/', { headers: alice });
    expect(failed.status).toBe(503);
    const body = JSON.parse(failed.body);
    expect(body.error.code).toBe('SANDBOX_NOT_RUNNING');
    expect(body.error.message).toBe('The sandbox alice/broken failed: image <b>x</b> not found');
    const page = await request('/user/alice/broken/', { headers: { ...alice, ...html } });
    expect(page.status).toBe(503);
    expect(page.body).toContain('failed: image &lt;b&gt;x&lt;/b&gt; not found');
    expect(JSON.parse((await request('/user/alice/idle/', { headers: alice })).body).error.message).toBe(
      'The sandbox alice/idle is stopped.',
    );
    expect(JSON.parse((await request('/user/alice/ghost/', { headers: alice })).body).error.message).toBe(
      'The sandbox alice/ghost does not exist.',
    );
  });

  it('answers a clear error, without a stack, when the sandbox does not accept connections', async () => {
    const res = await request('/user/alice/down/', { headers: alice });
    expect(res.status).toBe(503);
    const body = JSON.parse(res.body);
    expect(body.error.code).toBe('SANDBOX_UNREACHABLE');
    expect(body.error.message).toContain('alice/down is not accepting connections');
    expect(res.body).not.toMatch(/\bat .*\.[jt]s:\d+/);
    expect(warnings).toEqual([
      expect.objectContaining({ code: 'ECONNREFUSED', sandboxId: 's-down', route: 'alice/down', target: `127.0.0.1:${closedPort}` }),
    ]);
    // Nothing reached the sandbox: no one's work kept it alive.
    expect(touched).toEqual([]);
  });

  it('stops waiting for the sandbox shortly after the client goes away', async () => {
    await new Promise<void>((resolve) => {
      const req = http.get({ host: '127.0.0.1', port: proxyPort, path: '/user/alice/main/hang', headers: alice, agent: false });
      req.on('error', () => {});
      const before = up.requests.length;
      void waitFor(() => up.requests.length > before).then(() => {
        req.destroy();
        resolve();
      });
    });
    await waitFor(() => up.aborted === 1);
  });

  it('redirects a sandbox URL without its trailing slash', async () => {
    const res = await request('/user/alice/main', { headers: alice });
    expect(res.status).toBe(301);
    expect(res.headers.location).toBe('/user/alice/main/');
    expect((await request('/user/alice/main?token=1')).headers.location).toBe('/user/alice/main/?token=1');
  });

  it('does not route dot segments to another sandbox', async () => {
    const before = bobUp.requests.length;
    for (const path of [
      '/user/alice/../bob/main/x',
      '/user/alice/%2e%2e/bob/main/x',
      '/user/alice/main/../../bob/main/x',
      '/user/alice/main/%2E%2e/%2e%2e/bob/main/x',
    ]) {
      const res = await request(path, { headers: alice });
      expect(res.status, path).toBe(404);
    }
    expect(bobUp.requests.length).toBe(before);
  });

  it('answers 404 to names outside the name pattern', async () => {
    for (const path of ['/user/Alice/main/', '/user/alice/ma_in/', '/user/alice/', '/user/alice', '/user//main/']) {
      const res = await request(path, { headers: alice });
      expect(res.status, path).toBe(404);
      expect(JSON.parse(res.body).error.code).toBe('NOT_FOUND');
    }
  });
});
