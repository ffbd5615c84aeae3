import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { SandboxPool, type ConnectionUser, type UpstreamConnection } from './pool.js';
import type { ResponseHead } from './response-parser.js';

/** Sends one GET on `conn` and resolves with the answer when it is complete. */
function get(conn: UpstreamConnection, path = '/'): Promise<{ head: ResponseHead; body: string; reusable: boolean }> {
  return new Promise((resolve, reject) => {
    let head: ResponseHead | undefined;
    let body = '';
    const user: ConnectionUser = {
      onHead: (h) => (head = h),
      onBody: (chunk) => (body += chunk.toString()),
      onComplete: (reusable) => {
        conn.done(reusable);
        if (head) resolve({ head, body, reusable });
      },
      onUpstreamFailure: (err) => reject(err),
      onUpstreamDrain: () => {},
    };
    conn.attach(user, false);
    conn.socket.write(`GET ${path} HTTP/1.1\r\nhost: x\r\n\r\n`);
  });
}

const never = { onConnection: (): void => {} };

describe('SandboxPool', () => {
  const cleanup: Array<() => void> = [];
  afterEach(() => {
    for (const fn of cleanup.splice(0)) fn();
  });

  async function server(handler: http.RequestListener): Promise<{ port: number; connections: () => number }> {
    let connections = 0;
    const s = http.createServer(handler);
    s.on('connection', () => connections++);
    await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
    cleanup.push(() => {
      s.closeAllConnections();
      s.close();
    });
    return { port: (s.address() as AddressInfo).port, connections: () => connections };
  }

  it('gives up on a connection that does not open within the connect timeout', async () => {
    // A name lookup that never answers keeps the socket connecting forever.
    const pool = new SandboxPool({ connectTimeoutMs: 100, connect: (host, port) => net.connect({ host, port, lookup: () => {} }) });
    cleanup.push(() => pool.destroy());
    const socket = pool.openSocket('sandbox.invalid', 80);
    const started = Date.now();
    const err = await new Promise<NodeJS.ErrnoException>((resolve) => socket.on('error', resolve));
    expect(err.code).toBe('ETIMEDOUT');
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('does not time out an answer that takes longer than the connect timeout', async () => {
    const { port } = await server((_req, res) => setTimeout(() => res.end('late'), 300));
    const pool = new SandboxPool({ connectTimeoutMs: 100 });
    cleanup.push(() => pool.destroy());
    const conn = pool.acquire('127.0.0.1', port, never);
    expect(conn).not.toBeNull();
    expect((await get(conn as UpstreamConnection)).body).toBe('late');
  });

  it('hands the same connection back for the next request, last in first out', async () => {
    const up = await server((_req, res) => res.end('ok'));
    const pool = new SandboxPool({ connectTimeoutMs: 1000 });
    cleanup.push(() => pool.destroy());
    const a = pool.acquire('127.0.0.1', up.port, never) as UpstreamConnection;
    const b = pool.acquire('127.0.0.1', up.port, never) as UpstreamConnection;
    await Promise.all([get(a), get(b)]);
    expect(pool.stats()[`127.0.0.1:${up.port}`]).toEqual({ open: 2, idle: 2, waiting: 0 });
    const again = pool.acquire('127.0.0.1', up.port, never);
    expect(again).toBe(b);
    expect(again?.reused).toBe(true);
    await get(again as UpstreamConnection);
    expect(up.connections()).toBe(2);
  });

  it('queues requests beyond the connection limit and serves them as connections free up', async () => {
    const up = await server((_req, res) => res.end('ok'));
    const pool = new SandboxPool({ connectTimeoutMs: 1000, maxConnections: 1 });
    cleanup.push(() => pool.destroy());
    const first = pool.acquire('127.0.0.1', up.port, never) as UpstreamConnection;
    let handed: UpstreamConnection | undefined;
    expect(pool.acquire('127.0.0.1', up.port, { onConnection: (c) => (handed = c) })).toBeNull();
    expect(pool.stats()[`127.0.0.1:${up.port}`]?.waiting).toBe(1);
    await get(first);
    expect(handed).toBe(first);
    await get(handed as UpstreamConnection);
    expect(up.connections()).toBe(1);
  });

  it('does not keep a connection the sandbox says it will close within a second', async () => {
    const up = await server((_req, res) => {
      res.setHeader('keep-alive', 'timeout=1');
      res.end('ok');
    });
    const pool = new SandboxPool({ connectTimeoutMs: 1000 });
    cleanup.push(() => pool.destroy());
    const { reusable } = await get(pool.acquire('127.0.0.1', up.port, never) as UpstreamConnection);
    expect(reusable).toBe(true);
    expect(pool.stats()[`127.0.0.1:${up.port}`]?.idle).toBe(0);
  });

  it('reads again from a connection handed back while paused, so that its next answer arrives', async () => {
    const up = await server((_req, res) => res.end('x'.repeat(20_000)));
    const pool = new SandboxPool({ connectTimeoutMs: 1000 });
    cleanup.push(() => pool.destroy());
    const conn = pool.acquire('127.0.0.1', up.port, never) as UpstreamConnection;
    await new Promise<void>((resolve, reject) => {
      conn.attach(
        {
          onHead: () => {},
          onBody: () => {},
          onComplete: (reusable) => {
            // As a user whose client is slow does: its last chunk made it stop reading.
            conn.socket.pause();
            conn.done(reusable);
            resolve();
          },
          onUpstreamFailure: reject,
          onUpstreamDrain: () => {},
        },
        false,
      );
      conn.socket.write('GET / HTTP/1.1\r\nhost: x\r\n\r\n');
    });
    expect(conn.socket.isPaused()).toBe(false);
    const again = pool.acquire('127.0.0.1', up.port, never) as UpstreamConnection;
    expect(again).toBe(conn);
    expect((await get(again)).body.length).toBe(20_000);
  });

  it('forgets an idle connection the sandbox closes', async () => {
    const up = await server((_req, res) => res.end('ok'));
    const pool = new SandboxPool({ connectTimeoutMs: 1000 });
    cleanup.push(() => pool.destroy());
    const conn = pool.acquire('127.0.0.1', up.port, never) as UpstreamConnection;
    await get(conn);
    expect(pool.stats()[`127.0.0.1:${up.port}`]?.idle).toBe(1);
    const closed = new Promise((resolve) => conn.socket.once('close', resolve));
    cleanup.shift()?.(); // closes the server and its connections
    await closed;
    expect(pool.stats()[`127.0.0.1:${up.port}`]).toEqual({ open: 0, idle: 0, waiting: 0 });
  });
});
