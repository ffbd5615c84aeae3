import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { watchRequestBody } from '../http/request-body-idle.js';
import { createProxy } from './proxy.js';
import { RouteTable } from './route-table.js';
import type { Proxy, ProxyIdentity } from './types.js';
import { bearerProxyDeps } from '../../test/support/proxy-deps.js';

// Exact framing between a hostile sandbox and the hub's clients: answers that could be read two
// ways are refused, bytes after a bodiless answer reach nobody, requests that may have been acted
// on are not sent twice, and the client's kept-alive connection to the hub stays in step, so its
// next request gets the hub's own answer.

const alice: ProxyIdentity = { userId: 1, username: 'alice', admin: false, via: 'token', credentialId: 'tok-alice' };
const auth = { authorization: 'Bearer t' };
const HUB_ANSWER = '{"hub":"own answer"}';
const FORGED = 'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nCache-Control: max-age=31536000\r\nContent-Length: 17\r\n\r\n{"user":"forged"}';

async function listen(server: net.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** Whether the request went out on a connection that had carried one before. */
  reused: boolean;
}

/** One request through `agent` (keep-alive, one socket: every request shares the connection). */
function request(port: number, agent: http.Agent, path: string, options: { method?: string; headers?: Record<string, string> } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method: options.method ?? 'GET', headers: { ...auth, ...options.headers }, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('latin1'), reused: req.reusedSocket }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** What a raw sandbox stand-in saw: request heads in order, and its connections. */
interface RawSandbox {
  heads: string[];
  connections: () => number;
  closed: () => number;
}

/** Answers the `n`-th request head on a connection (from 0) by writing raw bytes to the socket. */
type RawHandler = (socket: net.Socket, head: string, n: number) => void;

describe('proxy (exact framing)', () => {
  let proxy: Proxy;
  let front: http.Server;
  let port = 0;
  const routes = new RouteTable();
  const warnings: Array<Record<string, unknown>> = [];
  const servers: net.Server[] = [];

  async function rawSandbox(name: string, handler: RawHandler): Promise<RawSandbox> {
    const out: RawSandbox & { open: number; ended: number } = {
      heads: [],
      open: 0,
      ended: 0,
      connections: () => out.open,
      closed: () => out.ended,
    };
    const server = net.createServer((socket) => {
      out.open++;
      socket.on('close', () => out.ended++);
      socket.on('error', () => {});
      let seen = '';
      let n = 0;
      socket.on('data', (chunk: Buffer) => {
        seen += chunk.toString('latin1');
        let end = seen.indexOf('\r\n\r\n');
        while (end !== -1) {
          const head = seen.slice(0, end);
          seen = seen.slice(end + 4);
          out.heads.push(head);
          handler(socket, head, n++);
          end = seen.indexOf('\r\n\r\n');
        }
      });
    });
    servers.push(server);
    routes.set({ sandboxId: `s-${name}`, user: 'alice', name, target: { host: '127.0.0.1', port: await listen(server) }, token: 'tok' });
    return out;
  }

  beforeAll(async () => {
    proxy = createProxy(bearerProxyDeps(routes, auth.authorization, alice, warnings));
    // The hub's own routes stand in for /api/me: whatever reaches a client here came from the hub.
    front = http.createServer((req, res) => {
      watchRequestBody(req, res, 300, { info: () => {} });
      if (req.url?.startsWith('/user/')) proxy.handleRequest(req, res);
      else res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(HUB_ANSWER);
    });
    port = await listen(front);
  });

  afterAll(async () => {
    await proxy.close();
    front.closeAllConnections();
    for (const server of [front, ...servers]) await new Promise((resolve) => server.close(resolve));
  });

  async function waitFor(predicate: () => boolean): Promise<void> {
    const deadline = Date.now() + 3000;
    while (!predicate()) {
      if (Date.now() > deadline) throw new Error('condition not met in time');
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  it('refuses an answer with both Transfer-Encoding and Content-Length with 502, closes that connection, and the client next gets the hub\'s own answer', async () => {
    const up = await rawSandbox('tecl', (socket) => {
      socket.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n5\r\nhello\r\n0\r\n\r\n' + FORGED);
    });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    warnings.length = 0;
    const refused = await request(port, agent, '/user/alice/tecl/');
    expect(refused.status).toBe(502);
    expect(JSON.parse(refused.body).error.code).toBe('SANDBOX_BAD_RESPONSE');
    expect(warnings[0]).toMatchObject({ code: 'TRANSFER_ENCODING_AND_LENGTH', answer: 'SANDBOX_BAD_RESPONSE', route: 'alice/tecl' });
    const next = await request(port, agent, '/api/me');
    expect(next.reused).toBe(true);
    expect(next.body).toBe(HUB_ANSWER);
    await waitFor(() => up.closed() === 1);
    // A browser navigating gets a page, not JSON.
    const page = await request(port, agent, '/user/alice/tecl/', { headers: { accept: 'text/html' } });
    expect(page.status).toBe(502);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.body).not.toContain('forged');
    agent.destroy();
  });

  it('drops the connection of a bodiless answer followed by extra bytes, and the bytes reach nobody', async () => {
    const cases: Array<[string, string, string]> = [
      ['nocontent', 'POST', 'HTTP/1.1 204 No Content\r\n\r\n'],
      ['notmodified', 'GET', 'HTTP/1.1 304 Not Modified\r\nETag: "x"\r\n\r\n'],
      ['emptylength', 'GET', 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'],
      ['head', 'HEAD', 'HTTP/1.1 200 OK\r\nContent-Length: 17\r\n\r\n'],
    ];
    for (const [name, method, answer] of cases) {
      const up = await rawSandbox(name, (socket, head) => {
        if (head.includes('/second')) socket.write('HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nsecond');
        else socket.write(answer + FORGED);
      });
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      const first = await request(port, agent, `/user/alice/${name}/`, { method });
      expect(first.body, name).toBe('');
      expect([204, 304, 200], name).toContain(first.status);
      expect((await request(port, agent, '/api/me')).body, name).toBe(HUB_ANSWER);
      const second = await request(port, agent, `/user/alice/${name}/second`);
      expect(second.reused, name).toBe(true);
      expect(second.body, name).toBe('second');
      // The connection that carried the extra bytes was closed; the second request had a new one.
      expect(up.connections(), name).toBe(2);
      expect(up.closed(), name).toBe(1);
      agent.destroy();
    }
  });

  it('drops an idle connection on which the sandbox sends bytes late, after a bodiless answer', async () => {
    const up = await rawSandbox('late', (socket, head) => {
      if (head.includes('/second')) {
        socket.write('HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nsecond');
        return;
      }
      socket.write('HTTP/1.1 204 No Content\r\n\r\n');
      setTimeout(() => socket.write(FORGED), 30);
    });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    expect((await request(port, agent, '/user/alice/late/')).status).toBe(204);
    await waitFor(() => up.closed() === 1);
    expect((await request(port, agent, '/user/alice/late/second')).body).toBe('second');
    expect(up.connections()).toBe(2);
    agent.destroy();
  });

  it('sends a bodiless POST once when its kept-alive connection dies after the sandbox acted, and answers 502', async () => {
    let restarts = 0;
    let deletes = 0;
    const up = await rawSandbox('restart', (socket, head, n) => {
      if (n === 0) {
        socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
        return;
      }
      // The second request on a connection is acted on, then the connection dies unanswered.
      if (head.startsWith('POST')) restarts++;
      if (head.startsWith('DELETE')) deletes++;
      socket.destroy();
    });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    expect((await request(port, agent, '/user/alice/restart/api/kernels/k')).body).toBe('ok');
    warnings.length = 0;
    const res = await request(port, agent, '/user/alice/restart/api/kernels/k/restart', { method: 'POST' });
    expect(res.status).toBe(502);
    expect(JSON.parse(res.body).error.code).toBe('SANDBOX_CONNECTION_LOST');
    expect(restarts).toBe(1);
    expect(up.heads.filter((h) => h.startsWith('POST'))).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ answer: 'SANDBOX_CONNECTION_LOST', route: 'alice/restart', method: 'POST' });
    // An idempotent request is tried again on a new connection: there it is the first request.
    expect((await request(port, agent, '/user/alice/restart/api/kernels/k')).body).toBe('ok');
    const del = await request(port, agent, '/user/alice/restart/api/kernels/k', { method: 'DELETE' });
    expect(del.status).toBe(200);
    expect(deletes).toBe(1);
    expect(up.heads.filter((h) => h.startsWith('DELETE'))).toHaveLength(2);
    agent.destroy();
  });

  it('sends exactly one Content-Length for an empty POST that has one', async () => {
    const up = await rawSandbox('empty', (socket) => socket.write('HTTP/1.1 204 No Content\r\n\r\n'));
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const variants: Array<Record<string, string>> = [{ 'content-length': '0' }, {}];
    for (const headers of variants) {
      expect((await request(port, agent, '/user/alice/empty/', { method: 'POST', headers })).status).toBe(204);
    }
    for (const head of up.heads) expect(head.match(/^content-length: 0$/gim)).toEqual(['content-length: 0']);
    agent.destroy();
  });

  it('refuses a request whose Transfer-Encoding does not end in chunked with 400, closing the connection, and sends nothing up', async () => {
    const up = await rawSandbox('te', (socket) => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'));
    const answer = await new Promise<string>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () =>
        socket.write('POST /user/alice/te/ HTTP/1.1\r\nHost: h\r\nAuthorization: Bearer t\r\nTransfer-Encoding: gzip\r\n\r\nGET /user/alice/te/smuggled HTTP/1.1\r\nHost: h\r\n\r\n'),
      );
      let got = '';
      socket.on('data', (c: Buffer) => (got += c.toString('latin1')));
      socket.on('close', () => resolve(got));
    });
    expect(answer.startsWith('HTTP/1.1 400 ')).toBe(true);
    expect(answer).toContain('"INVALID_HEADER"');
    expect(answer.toLowerCase()).toContain('connection: close');
    expect(answer.match(/HTTP\/1\.1/g)).toHaveLength(1);
    expect(up.heads).toEqual([]);
  });

  it('refuses answers with invalid header names or values with 502', async () => {
    const bad = [
      'HTTP/1.1 200 OK\r\nBad Name: v\r\nContent-Length: 0\r\n\r\n',
      'HTTP/1.1 200 OK\r\nX-A: a\x00b\r\nContent-Length: 0\r\n\r\n',
      'HTTP/1.1 200 OK\r\nX-A: a\nInjected: 1\r\nContent-Length: 0\r\n\r\n',
      'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok',
    ];
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    for (const [i, answer] of bad.entries()) {
      await rawSandbox(`bad${i}`, (socket) => socket.write(answer));
      const res = await request(port, agent, `/user/alice/bad${i}/`);
      expect(res.status, answer).toBe(502);
      expect(res.headers.injected).toBeUndefined();
      expect((await request(port, agent, '/api/me')).body).toBe(HUB_ANSWER);
    }
    agent.destroy();
  });

  it('drops every Set-Cookie for a hub cookie from a sandbox and keeps its own', async () => {
    await rawSandbox('cookies', (socket) =>
      socket.write(
        'HTTP/1.1 200 OK\r\nSet-Cookie: shiva_session=x; Path=/\r\nSet-Cookie: shiva_csrf=x\r\nset-cookie: shiva_sandbox=x; Domain=localhost\r\n' +
          'Set-Cookie: _xsrf=mine; Path=/user/alice/cookies/\r\nContent-Length: 0\r\n\r\n',
      ),
    );
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    expect((await request(port, agent, '/user/alice/cookies/')).headers['set-cookie']).toEqual(['_xsrf=mine; Path=/user/alice/cookies/']);
    agent.destroy();
  });

  it('lets go of the sandbox connection when the client is answered 408 for a stalled body', async () => {
    const up = await rawSandbox('stalled', () => {});
    const answer = await new Promise<string>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () =>
        socket.write('PUT /user/alice/stalled/f HTTP/1.1\r\nHost: h\r\nAuthorization: Bearer t\r\nContent-Length: 100\r\n\r\nonly some'),
      );
      let got = '';
      socket.on('data', (c: Buffer) => (got += c.toString('latin1')));
      socket.on('close', () => resolve(got));
    });
    expect(answer.startsWith('HTTP/1.1 408 ')).toBe(true);
    expect(answer).toContain('"REQUEST_TIMEOUT"');
    await waitFor(() => up.closed() === 1);
    expect(up.heads).toHaveLength(1);
  });
});
