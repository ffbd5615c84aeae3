import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { Socket, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { createProxy } from './proxy.js';
import { RouteTable } from './route-table.js';
import type { Proxy, ProxyIdentity } from './types.js';
import { sandboxDoorDeps } from '../../test/support/proxy-deps.js';

const COOKIE = 'shiva_session';
const identities: Record<string, ProxyIdentity> = {
  'alice-token': { userId: 1, username: 'alice', admin: false, via: 'token', credentialId: 'tok-alice' },
  'bob-token': { userId: 2, username: 'bob', admin: false, via: 'token', credentialId: 'tok-bob' },
};

function authenticate(req: IncomingMessage): ProxyIdentity | null {
  const auth = req.headers.authorization;
  return auth?.startsWith('Bearer ') ? (identities[auth.slice(7)] ?? null) : null;
}

async function listen(server: http.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

function connections(server: http.Server): Promise<number> {
  return new Promise((resolve, reject) => server.getConnections((err, n) => (err ? reject(err) : resolve(n))));
}

async function waitFor(predicate: () => boolean | Promise<boolean>, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

function nextMessage(ws: WebSocket): Promise<string> {
  return new Promise((resolve) => ws.once('message', (data: Buffer) => resolve(data.toString())));
}

function closed(ws: WebSocket): Promise<number> {
  return new Promise((resolve) => ws.once('close', (code: number) => resolve(code)));
}

/** The status of a refused upgrade. */
function refusal(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
      ws.terminate();
    });
    ws.on('open', () => reject(new Error('upgrade was not refused')));
    ws.on('error', () => {});
  });
}

describe('proxy (WebSocket)', () => {
  let upstream: http.Server;
  let wss: WebSocketServer;
  let front: http.Server;
  let proxy: Proxy;
  let base = '';
  const routes = new RouteTable();
  const touched: string[] = [];
  const kinds: string[] = [];
  const upgradeHeaders: IncomingHttpHeaders[] = [];
  const serverSockets: WebSocket[] = [];
  const rawSockets: Socket[] = [];

  beforeAll(async () => {
    upstream = http.createServer((_req, res) => res.end('plain'));
    wss = new WebSocketServer({ noServer: true });
    upstream.on('upgrade', (req, socket, head) => {
      upgradeHeaders.push(req.headers);
      if (socket instanceof Socket) rawSockets.push(socket);
      if (req.url?.endsWith('/smuggle')) {
        socket.end('HTTP/1.1 403 Forbidden\r\ncontent-length: 6\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\nHTTP/1.1 101 Switching Protocols\r\n\r\n');
        return;
      }
      if (req.url?.endsWith('/refuse')) {
        socket.end('HTTP/1.1 403 Forbidden\r\ncontent-type: text/plain\r\ncontent-length: 6\r\n\r\norigin');
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws) => {
        serverSockets.push(ws);
        ws.send('welcome');
        ws.on('message', (data: Buffer, isBinary: boolean) => ws.send(data, { binary: isBinary }));
      });
    });
    const upstreamPort = await listen(upstream);
    routes.set({ sandboxId: 's-lab', user: 'alice', name: 'lab', target: { host: '127.0.0.1', port: upstreamPort }, token: 'tok-lab' });
    proxy = createProxy({
      routes,
      authenticate,
      activity: {
        touch: (id, kind) => {
          touched.push(id);
          kinds.push(kind);
        },
      },
      describe: () => ({ state: 'stopped' }),
      ...sandboxDoorDeps(),
      loginPath: '/login',
      log: { info: () => {}, warn: () => {}, error: () => {} },
    });
    front = http.createServer((req, res) => proxy.handleRequest(req, res));
    front.on('upgrade', proxy.handleUpgrade);
    base = `ws://127.0.0.1:${await listen(front)}`;
  });

  afterAll(async () => {
    await proxy.close();
    wss.close();
    front.closeAllConnections();
    upstream.closeAllConnections();
    await Promise.all([front, upstream].map((s) => new Promise((r) => s.close(r))));
  });

  beforeEach(() => {
    touched.length = 0;
    kinds.length = 0;
    upgradeHeaders.length = 0;
    serverSockets.length = 0;
    rawSockets.length = 0;
  });

  async function open(): Promise<{ ws: WebSocket; welcome: string }> {
    const ws = new WebSocket(`${base}/user/alice/lab/api/kernels/k1/channels`, {
      headers: { authorization: 'Bearer alice-token', cookie: `${COOKIE}=s; _xsrf=x` },
      origin: 'http://hub.example.org',
    });
    const welcome = nextMessage(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    return { ws, welcome: await welcome };
  }

  it('echoes messages both ways, touches activity, and sends the sandbox token with the browser Origin', async () => {
    const { ws, welcome } = await open();
    expect(welcome).toBe('welcome');
    ws.send('ping');
    expect(await nextMessage(ws)).toBe('ping');
    const big = 'x'.repeat(256 * 1024);
    ws.send(big);
    expect(await nextMessage(ws)).toBe(big);
    // Recorded as WebSocket activity, at most once a second per tunnel however many frames pass.
    expect(touched).toEqual(['s-lab']);
    expect(kinds).toEqual(['websocket']);
    const seen = upgradeHeaders[0] ?? {};
    expect(seen.authorization).toBe('token tok-lab');
    expect(seen.origin).toBe('http://hub.example.org');
    expect(seen.host).toBe(base.slice('ws://'.length));
    expect(seen.cookie).toBe('_xsrf=x');
    ws.close();
    await closed(ws);
  });

  it('records no activity for pings and pongs either way, and does for the next data frame', async () => {
    const { ws } = await open();
    // The welcome message was a data frame; wait out the once-a-second limit of the tunnel.
    await new Promise((r) => setTimeout(r, 1_100));
    touched.length = 0;
    const server = serverSockets[0]!;
    for (let i = 0; i < 3; i++) {
      const pong = new Promise((resolve) => ws.once('pong', resolve));
      ws.ping('from the browser');
      await pong;
      const back = new Promise((resolve) => server.once('pong', resolve));
      server.ping();
      await back;
    }
    expect(touched).toEqual([]);
    ws.send('work');
    expect(await nextMessage(ws)).toBe('work');
    expect(touched).toEqual(['s-lab']);
    ws.close();
    await closed(ws);
  });

  it('closes the browser side when the sandbox closes, leaving no socket behind', async () => {
    const { ws } = await open();
    const done = closed(ws);
    serverSockets[0]?.close(1000, 'bye');
    expect(await done).toBe(1000);
    await waitFor(async () => (await connections(upstream)) === 0 && (await connections(front)) === 0);
  });

  it('closes the sandbox side when the browser closes, leaving no socket behind', async () => {
    const { ws } = await open();
    const serverClosed = new Promise((resolve) => serverSockets[0]?.once('close', resolve));
    ws.close();
    await serverClosed;
    await waitFor(async () => (await connections(upstream)) === 0 && (await connections(front)) === 0);
  });

  it('tears down both sides when the browser connection drops without a close handshake', async () => {
    const { ws } = await open();
    const serverClosed = new Promise((resolve) => serverSockets[0]?.once('close', resolve));
    ws.terminate();
    await serverClosed;
    await waitFor(async () => (await connections(upstream)) === 0 && (await connections(front)) === 0);
  });

  it('tears down both sides when the sandbox connection is reset', async () => {
    const { ws } = await open();
    const done = closed(ws);
    rawSockets[0]?.resetAndDestroy();
    expect(await done).toBe(1006);
    await waitFor(async () => (await connections(upstream)) === 0 && (await connections(front)) === 0);
  });

  it('refuses a stranger with 403, an anonymous client with 401, and a missing sandbox with 503', async () => {
    const url = `${base}/user/alice/lab/api/kernels/k1/channels`;
    expect(await refusal(url, { authorization: 'Bearer bob-token' })).toBe(403);
    expect(await refusal(url, {})).toBe(401);
    expect(await refusal(`${base}/user/alice/gone/x`, { authorization: 'Bearer alice-token' })).toBe(503);
    expect(await refusal(`${base}/user/alice/../bob/x`, { authorization: 'Bearer alice-token' })).toBe(404);
    expect(upgradeHeaders).toEqual([]);
    expect(touched).toEqual([]);
  });

  it('relays the sandbox answer when it declines to upgrade', async () => {
    expect(await refusal(`${base}/user/alice/lab/refuse`, { authorization: 'Bearer alice-token' })).toBe(403);
    await waitFor(async () => (await connections(upstream)) === 0 && (await connections(front)) === 0);
  });

  it('refuses with 502 a declining answer it cannot frame, and passes none of it on', async () => {
    expect(await refusal(`${base}/user/alice/lab/smuggle`, { authorization: 'Bearer alice-token' })).toBe(502);
    await waitFor(async () => (await connections(upstream)) === 0 && (await connections(front)) === 0);
  });

  it('closes open tunnels when the proxy closes', async () => {
    const own = createProxy({
      routes,
      authenticate,
      activity: { touch: () => {} },
      describe: () => undefined,
      ...sandboxDoorDeps(),
      loginPath: '/login',
      log: { info: () => {}, warn: () => {}, error: () => {} },
    });
    const server = http.createServer((req, res) => own.handleRequest(req, res));
    server.on('upgrade', own.handleUpgrade);
    const port = await listen(server);
    const ws = new WebSocket(`ws://127.0.0.1:${port}/user/alice/lab/x`, { headers: { authorization: 'Bearer alice-token' } });
    await new Promise((resolve) => ws.once('open', resolve));
    const done = closed(ws);
    await own.close();
    await done;
    await waitFor(async () => (await connections(upstream)) === 0 && (await connections(server)) === 0);
    await new Promise((r) => server.close(r));
  });
});
