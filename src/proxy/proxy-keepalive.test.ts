import { createHash, randomBytes } from 'node:crypto';
import http, { type IncomingHttpHeaders } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProxy } from './proxy.js';
import { RouteTable } from './route-table.js';
import type { Proxy, ProxyIdentity } from './types.js';
import { bearerProxyDeps } from '../../test/support/proxy-deps.js';

// Sequences of answers on one kept-alive sandbox connection, as a Jupyter server (Tornado)
// sends them: pages larger than one socket read, written in several pieces, with the exact
// header set it uses. Every answer must arrive whole, and none may hang the next one.

const alice: ProxyIdentity = { userId: 1, username: 'alice', admin: false, via: 'token', credentialId: 'tok-alice' };
const auth = { authorization: 'Bearer t' };
/** A request that has not finished by then is taken as hung. */
const HANG_MS = 3_000;

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

function request(port: number, path: string, agent: http.Agent | false = false): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, headers: auth, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) });
      });
      res.on('error', reject);
    });
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error(`GET ${path} hung for ${HANG_MS} ms`));
    }, HANG_MS);
    req.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    req.end();
  });
}

/** The head a Jupyter Notebook 6.4 server (Tornado 6.2) sends for its tree page. */
function tornadoHead(length: number): string {
  return (
    'HTTP/1.1 200 OK\r\n' +
    'Server: TornadoServer/6.2\r\n' +
    'Content-Type: text/html; charset=UTF-8\r\n' +
    'Date: Mon, 06 May 2024 10:00:00 GMT\r\n' +
    'Access-Control-Allow-Origin: \r\n' +
    "Content-Security-Policy: frame-ancestors 'self'; report-uri /user/alice/nb/api/security/csp-report\r\n" +
    'X-Content-Type-Options: nosniff\r\n' +
    'Etag: "5c3f2d1e9b8a7f6e5d4c3b2a19081726354a6b7c"\r\n' +
    `Content-Length: ${length}\r\n` +
    'Set-Cookie: username-x="2|1:0|10:1715000000|10:username-x|44:ZDk0YzVlYjM0ZmJiNDU4ZWI2ZjA0ZjQ0OTE1ZjlmZmE=|6f0e1d2c3b4a59687766554433221100ffeeddccbbaa99887766554433221100"; ' +
    'expires=Wed, 05 Jun 2024 10:00:00 GMT; HttpOnly; Path=/user/alice/nb/\r\n' +
    '\r\n'
  );
}

const STATUS_JSON = Buffer.from(
  JSON.stringify({ connections: 0, kernels: 0, last_activity: '2024-05-06T10:00:00.000000Z', started: '2024-05-06T09:59:00.000000Z' }),
);

/** Pieces of `body` of the given sizes (the last takes the rest). */
function pieces(body: Buffer, sizes: number[]): Buffer[] {
  const out: Buffer[] = [];
  let at = 0;
  for (const size of sizes) {
    if (at >= body.length) break;
    out.push(body.subarray(at, at + size));
    at += size;
  }
  if (at < body.length) out.push(body.subarray(at));
  return out;
}

describe('proxy (kept-alive sandbox connections)', () => {
  let proxy: Proxy;
  let front: http.Server;
  let port = 0;
  const routes = new RouteTable();
  const servers: net.Server[] = [];
  const page = randomBytes(18447);
  const large = randomBytes(100 * 1024);

  /**
   * A sandbox stand-in on a raw socket that answers one request at a time: the head and body
   * for the path, in the given pieces with a short pause between them, and keeps the connection.
   */
  async function tornado(name: string): Promise<{ connections: () => number; requests: () => number }> {
    let connections = 0;
    let requests = 0;
    const answer = (path: string): Buffer[] => {
      if (path.endsWith('/api/status')) {
        const head = 'HTTP/1.1 200 OK\r\nServer: TornadoServer/6.2\r\nContent-Type: application/json\r\n' +
          `Access-Control-Allow-Origin: \r\nContent-Length: ${STATUS_JSON.length}\r\n\r\n`;
        return [Buffer.concat([Buffer.from(head, 'latin1'), STATUS_JSON])];
      }
      const body = path.includes('/large') ? large : page;
      const head = Buffer.from(tornadoHead(body.length), 'latin1');
      // Tornado sends a page it rendered whole in one write; `?pieces` splits it, as a
      // handler that flushes as it goes would.
      if (!path.endsWith('?pieces')) return [Buffer.concat([head, body])];
      const [first, ...rest] = pieces(body, [4096, 8192, 1500, 3000]);
      return [Buffer.concat([head, first as Buffer]), ...rest];
    };
    const server = net.createServer((socket) => {
      connections++;
      let seen = '';
      let busy = false;
      const serve = async (): Promise<void> => {
        busy = true;
        while (seen.includes('\r\n\r\n')) {
          const head = seen.slice(0, seen.indexOf('\r\n\r\n'));
          seen = seen.slice(seen.indexOf('\r\n\r\n') + 4);
          requests++;
          const path = head.split(' ')[1] ?? '/';
          for (const piece of answer(path)) {
            if (socket.destroyed) return;
            socket.write(piece);
            await sleep(2);
          }
        }
        busy = false;
      };
      socket.on('data', (chunk: Buffer) => {
        seen += chunk.toString('latin1');
        if (!busy) void serve();
      });
      socket.on('error', () => {});
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const target = { host: '127.0.0.1', port: (server.address() as AddressInfo).port };
    routes.set({ sandboxId: `s-${name}`, user: 'alice', name, target, token: 'tok' });
    return { connections: () => connections, requests: () => requests };
  }

  beforeAll(async () => {
    proxy = createProxy(bearerProxyDeps(routes, auth.authorization, alice));
    front = http.createServer((req, res) => proxy.handleRequest(req, res));
    await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
    port = (front.address() as AddressInfo).port;
  });

  afterAll(async () => {
    await proxy.close();
    front.closeAllConnections();
    // The pool's connections went with the proxy; the stand-ins close once they see that.
    for (const server of servers) server.close();
    await new Promise((resolve) => front.close(resolve));
  });

  it('serves the same large page again and again on one sandbox connection', async () => {
    const up = await tornado('nb');
    for (let i = 0; i < 6; i++) {
      const res = await request(port, i % 2 === 0 ? '/user/alice/nb/tree' : '/user/alice/nb/tree?pieces');
      expect(res.status, `request ${i}`).toBe(200);
      expect(res.body.length, `request ${i}`).toBe(page.length);
      expect(sha256(res.body), `request ${i}`).toBe(sha256(page));
    }
    expect(up.requests()).toBe(6);
    expect(up.connections()).toBe(1);
  });

  it('passes the exact header set of a Jupyter page on, empty values and quoted cookies included', async () => {
    await tornado('headers');
    for (let i = 0; i < 3; i++) {
      const res = await request(port, '/user/alice/headers/tree');
      expect(res.status).toBe(200);
      expect(res.headers['content-length']).toBe('18447');
      expect(res.headers['access-control-allow-origin']).toBe('');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['etag']).toBe('"5c3f2d1e9b8a7f6e5d4c3b2a19081726354a6b7c"');
      expect(res.headers['content-security-policy']).toContain("frame-ancestors 'self'");
      expect(res.headers['server']).toBe('TornadoServer/6.2');
      expect(res.headers['set-cookie']).toEqual([
        'username-x="2|1:0|10:1715000000|10:username-x|44:ZDk0YzVlYjM0ZmJiNDU4ZWI2ZjA0ZjQ0OTE1ZjlmZmE=|6f0e1d2c3b4a59687766554433221100ffeeddccbbaa99887766554433221100"; ' +
          'expires=Wed, 05 Jun 2024 10:00:00 GMT; HttpOnly; Path=/user/alice/nb/',
      ]);
      expect(sha256(res.body)).toBe(sha256(page));
      const status = await request(port, '/user/alice/headers/api/status');
      expect(status.status).toBe(200);
      expect(status.headers['access-control-allow-origin']).toBe('');
      expect(status.body.equals(STATUS_JSON)).toBe(true);
    }
  });

  it('completes 50 sequential large and small answers intact, on new and on kept-alive client connections', async () => {
    const up = await tornado('seq');
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      for (const client of [false, agent] as const) {
        for (let i = 0; i < 50; i++) {
          const path = ['/large', '/tree', '/api/status', '/large?pieces', '/tree?pieces', '/tree'][i % 6] as string;
          const want = path.startsWith('/large') ? large : path.startsWith('/tree') ? page : STATUS_JSON;
          const res = await request(port, `/user/alice/seq${path}`, client);
          expect(res.status, `${path} #${i}`).toBe(200);
          expect(sha256(res.body), `${path} #${i}`).toBe(sha256(want));
        }
      }
    } finally {
      agent.destroy();
    }
    expect(up.requests()).toBe(100);
    expect(up.connections()).toBe(1);
  });

  it('completes a large answer read by a slow client, and the next one on the same connection', async () => {
    const up = await tornado('slow');
    for (let i = 0; i < 3; i++) {
      const body = await new Promise<Buffer>((resolve, reject) => {
        const req = http.get({ host: '127.0.0.1', port, path: '/user/alice/slow/large', headers: auth, agent: false }, (res) => {
          const chunks: Buffer[] = [];
          // Reads in small sips, so that the proxy has to wait for its client more than once.
          res.pause();
          const sip = setInterval(() => {
            let chunk: Buffer | null;
            while ((chunk = res.read(4096) as Buffer | null) !== null) chunks.push(chunk);
          }, 5);
          res.on('end', () => {
            clearInterval(sip);
            resolve(Buffer.concat(chunks));
          });
          res.on('error', reject);
        });
        req.on('error', reject);
      });
      expect(sha256(body)).toBe(sha256(large));
      expect(sha256((await request(port, '/user/alice/slow/tree')).body)).toBe(sha256(page));
    }
    expect(up.connections()).toBe(1);
  });
});
