import { createHash, randomBytes } from 'node:crypto';
import http, { type IncomingHttpHeaders } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProxy } from './proxy.js';
import { RouteTable } from './route-table.js';
import type { Proxy, ProxyIdentity } from './types.js';
import { bearerProxyDeps } from '../../test/support/proxy-deps.js';

// How the proxy copes with what sandboxes really send: every framing, informational answers,
// keep-alive connections closed under it, malformed answers, and answers cut short.

const alice: ProxyIdentity = { userId: 1, username: 'alice', admin: false, via: 'token', credentialId: 'tok-alice' };
const auth = { authorization: 'Bearer t' };

async function listen(server: net.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

function request(port: number, path: string, options: { method?: string; headers?: Record<string, string>; body?: Buffer | string[] } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, path, method: options.method ?? 'GET', headers: { ...auth, ...options.headers }, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    const body = options.body;
    if (Array.isArray(body)) {
      // Written in pieces without a length: node sends them chunked.
      for (const piece of body) req.write(piece);
      req.end();
    } else {
      req.end(body);
    }
  });
}

describe('proxy (upstream behaviour)', () => {
  let proxy: Proxy;
  let front: http.Server;
  let port = 0;
  const routes = new RouteTable();
  const warnings: Array<Record<string, unknown>> = [];
  const servers: net.Server[] = [];

  /** A sandbox stand-in on node's http server; counts its connections. */
  async function sandbox(name: string, handler: http.RequestListener): Promise<{ connections: () => number; requests: IncomingHttpHeaders[] }> {
    let connections = 0;
    const requests: IncomingHttpHeaders[] = [];
    const server = http.createServer((req, res) => {
      requests.push(req.headers);
      handler(req, res);
    });
    server.on('connection', () => connections++);
    servers.push(server);
    routes.set({ sandboxId: `s-${name}`, user: 'alice', name, target: { host: '127.0.0.1', port: await listen(server) }, token: 'tok' });
    return { connections: () => connections, requests };
  }

  /** A sandbox stand-in that answers each request head with `answer` as raw bytes. */
  async function rawSandbox(name: string, answer: string, endAfter: boolean): Promise<{ connections: () => number }> {
    let connections = 0;
    const server = net.createServer((socket) => {
      connections++;
      let seen = '';
      socket.on('data', (chunk: Buffer) => {
        seen += chunk.toString('latin1');
        while (seen.includes('\r\n\r\n')) {
          seen = seen.slice(seen.indexOf('\r\n\r\n') + 4);
          if (endAfter) socket.end(answer);
          else socket.write(answer);
        }
      });
      socket.on('error', () => {});
    });
    servers.push(server);
    routes.set({ sandboxId: `s-${name}`, user: 'alice', name, target: { host: '127.0.0.1', port: await listen(server) }, token: 'tok' });
    return { connections: () => connections };
  }

  beforeAll(async () => {
    proxy = createProxy(bearerProxyDeps(routes, auth.authorization, alice, warnings));
    front = http.createServer((req, res) => proxy.handleRequest(req, res));
    port = await listen(front);
  });

  afterAll(async () => {
    await proxy.close();
    front.closeAllConnections();
    for (const server of [front, ...servers]) {
      if (server instanceof http.Server) server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('passes a chunked answer on and keeps the connection', async () => {
    const up = await sandbox('chunked', (_req, res) => {
      res.write('one,');
      res.write('two,');
      res.end('three');
    });
    for (let i = 0; i < 3; i++) {
      const res = await request(port, '/user/alice/chunked/');
      expect(res.body.toString()).toBe('one,two,three');
    }
    expect(up.connections()).toBe(1);
  });

  it('passes an answer framed by the end of the connection, on a connection used once', async () => {
    const up = await rawSandbox('until-close', 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nall of it', true);
    expect((await request(port, '/user/alice/until-close/')).body.toString()).toBe('all of it');
    expect((await request(port, '/user/alice/until-close/')).body.toString()).toBe('all of it');
    expect(up.connections()).toBe(2);
  });

  it('answers HEAD without a body and keeps the connection', async () => {
    const up = await sandbox('head', (_req, res) => {
      res.setHeader('content-length', '11');
      res.end(_req.method === 'HEAD' ? undefined : 'hello world');
    });
    const head = await request(port, '/user/alice/head/', { method: 'HEAD' });
    expect(head.headers['content-length']).toBe('11');
    expect(head.body.length).toBe(0);
    expect((await request(port, '/user/alice/head/')).body.toString()).toBe('hello world');
    expect(up.connections()).toBe(1);
  });

  it('passes 204 and 304 answers without bodies', async () => {
    await sandbox('empty', (req, res) => {
      res.statusCode = req.url?.endsWith('/304') ? 304 : 204;
      res.end();
    });
    expect((await request(port, '/user/alice/empty/204')).status).toBe(204);
    expect((await request(port, '/user/alice/empty/304')).status).toBe(304);
  });

  it('skips informational answers and passes the final one', async () => {
    await sandbox('hints', (_req, res) => {
      res.writeEarlyHints({ link: '</style.css>; rel=preload' });
      res.end('final');
    });
    const res = await request(port, '/user/alice/hints/');
    expect(res.status).toBe(200);
    expect(res.body.toString()).toBe('final');
  });

  it('retries a request without a body once when the sandbox closed the kept-alive connection', async () => {
    let served = 0;
    const up = await sandbox('stale', (req, res) => {
      // The second request on a connection finds it closed, as after the sandbox's idle timeout.
      const socket = req.socket as net.Socket & { served?: number };
      socket.served = (socket.served ?? 0) + 1;
      if (socket.served > 1) {
        socket.destroy();
        return;
      }
      served++;
      res.end('fresh');
    });
    expect((await request(port, '/user/alice/stale/')).body.toString()).toBe('fresh');
    expect((await request(port, '/user/alice/stale/')).body.toString()).toBe('fresh');
    expect(served).toBe(2);
    expect(up.connections()).toBe(2);
    // A request with a body is not sent twice: the client learns it failed.
    warnings.length = 0;
    const post = await request(port, '/user/alice/stale/', { method: 'POST', body: Buffer.from('data') });
    expect(post.status).toBe(503);
    expect(JSON.parse(post.body.toString()).error.code).toBe('SANDBOX_UNREACHABLE');
    expect(warnings[0]).toMatchObject({ code: 'ECONNRESET', route: 'alice/stale' });
  });

  it('refuses a malformed answer with 502 and logs why', async () => {
    await rawSandbox('folded', 'HTTP/1.1 200 OK\r\nX-A: 1\r\n continued\r\nContent-Length: 0\r\n\r\n', false);
    await rawSandbox('badchar', 'HTTP/1.1 200 OK\r\nX-A: a\x01b\r\nContent-Length: 0\r\n\r\n', false);
    warnings.length = 0;
    for (const name of ['folded', 'badchar']) {
      const res = await request(port, `/user/alice/${name}/`);
      expect(res.status, name).toBe(502);
      expect(JSON.parse(res.body.toString()).error.code).toBe('SANDBOX_BAD_RESPONSE');
      expect(res.body.toString()).not.toContain('\n    at ');
    }
    expect(warnings.map((w) => w.code)).toEqual(['OBS_FOLD', 'INVALID_HEADER']);
  });

  it('cuts the client answer short when the sandbox stops mid-body', async () => {
    await sandbox('cut', (_req, res) => {
      res.writeHead(200, { 'content-length': '100' });
      res.write('only ten..');
      setTimeout(() => res.socket?.destroy(), 20);
    });
    await expect(request(port, '/user/alice/cut/')).rejects.toThrow(/aborted|socket hang up|ECONNRESET/);
  });

  it('keeps the connection when a short answer comes after its client left', async () => {
    let arrived = 0;
    const up = await sandbox('left', (_req, res) => {
      arrived++;
      setTimeout(() => res.end('late but short'), 100);
    });
    await new Promise<void>((resolve) => {
      const req = http.get({ host: '127.0.0.1', port, path: '/user/alice/left/', headers: auth, agent: false });
      req.on('error', () => {});
      const poll = setInterval(() => {
        if (arrived === 0) return;
        clearInterval(poll);
        req.destroy();
        resolve();
      }, 5);
    });
    await new Promise((r) => setTimeout(r, 300));
    expect((await request(port, '/user/alice/left/')).body.toString()).toBe('late but short');
    expect(up.connections()).toBe(1);
  });

  it('sends a chunked upload on chunked and a large download intact', async () => {
    const download = randomBytes(8 * 1024 * 1024);
    const up = await sandbox('files', (req, res) => {
      if (req.method === 'GET') {
        res.end(download);
        return;
      }
      const hash = createHash('sha256');
      req.on('data', (c: Buffer) => hash.update(c));
      req.on('end', () => res.end(hash.digest('hex')));
    });
    const pieces = ['first piece,', 'second piece,', 'x'.repeat(100_000)];
    const res = await request(port, '/user/alice/files/', { method: 'PUT', body: pieces });
    expect(res.body.toString()).toBe(createHash('sha256').update(pieces.join('')).digest('hex'));
    expect(up.requests[0]?.['transfer-encoding']).toBe('chunked');
    const got = await request(port, '/user/alice/files/');
    expect(createHash('sha256').update(got.body).digest('hex')).toBe(createHash('sha256').update(download).digest('hex'));
  });

  it('passes an early answer while the upload is still coming, without reusing that connection', async () => {
    const up = await sandbox('early', (req, res) => {
      if (req.method === 'POST') {
        res.writeHead(413, { connection: 'close' });
        res.end('too large');
        return;
      }
      res.end('ok');
    });
    const res = await request(port, '/user/alice/early/', { method: 'POST', body: randomBytes(4 * 1024 * 1024) }).catch(
      (err: Error) => err,
    );
    // Depending on whether the sandbox's close overtakes its answer, the client reads the 413,
    // a 502, or sees its upload cut off; in no case does anything hang.
    if (!(res instanceof Error)) expect([413, 503]).toContain(res.status);
    expect((await request(port, '/user/alice/early/')).body.toString()).toBe('ok');
    expect(up.connections()).toBe(2);
  });
});
