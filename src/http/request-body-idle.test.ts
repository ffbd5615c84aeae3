import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { watchRequestBody } from './request-body-idle.js';

const IDLE_MS = 300;

describe('watchRequestBody', () => {
  let server: http.Server;
  let port = 0;
  const bodies: number[] = [];

  beforeAll(async () => {
    // Reads the whole body, then answers with its size, as a route or the proxy would.
    server = http.createServer((req, res) => {
      watchRequestBody(req, res, IDLE_MS, { info: () => {} });
      let size = 0;
      req.on('data', (c: Buffer) => (size += c.length));
      req.on('end', () => {
        bodies.push(size);
        res.end(String(size));
      });
    });
    server.keepAliveTimeout = 5_000;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  /** Writes `parts` `gapMs` apart and collects everything until the server closes or `waitMs` pass. */
  function send(parts: string[], gapMs: number, waitMs: number): Promise<{ text: string; closed: boolean }> {
    return new Promise((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      let text = '';
      let closed = false;
      const done = setTimeout(() => {
        socket.destroy();
        resolve({ text, closed });
      }, waitMs);
      socket.on('data', (c: Buffer) => (text += c.toString('latin1')));
      socket.on('error', () => {});
      socket.on('close', () => {
        closed = true;
        clearTimeout(done);
        resolve({ text, closed });
      });
      const next = (i: number): void => {
        if (i < parts.length && !socket.destroyed) {
          socket.write(parts[i] as string);
          setTimeout(() => next(i + 1), gapMs);
        }
      };
      socket.once('connect', () => next(0));
    });
  }

  it('answers 408 REQUEST_TIMEOUT and closes the connection when a body stalls', async () => {
    const out = await send(['POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\nabc'], 0, 3_000);
    expect(out.closed).toBe(true);
    expect(out.text.startsWith('HTTP/1.1 408 ')).toBe(true);
    expect(out.text.toLowerCase()).toContain('connection: close');
    expect(JSON.parse(out.text.slice(out.text.indexOf('\r\n\r\n') + 4))).toEqual({
      error: { code: 'REQUEST_TIMEOUT', message: expect.any(String) },
    });
  });

  it('lets a body that keeps coming, slower than the limit in all, finish, and keeps the connection afterwards', async () => {
    const pieces = Array.from({ length: 8 }, () => 'x');
    const head = 'POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n';
    const chunks = pieces.map((p) => `1\r\n${p}\r\n`);
    // 8 pieces 150 ms apart: 1.2 s in all, four times the idle limit, never idle for one.
    const out = await send([head, ...chunks, '0\r\n\r\n'], 150, 2_500);
    expect(out.text.startsWith('HTTP/1.1 200 ')).toBe(true);
    expect(out.text.endsWith('8')).toBe(true);
    // Not closed by the idle limit once the body is in: the connection outlives it.
    expect(out.closed).toBe(false);
  });

  it('sets no limit for requests without a body: their kept-alive connection outlives it', async () => {
    const out = await send(['GET / HTTP/1.1\r\nHost: h\r\n\r\n'], 0, IDLE_MS * 3);
    expect(out.text.startsWith('HTTP/1.1 200 ')).toBe(true);
    expect(out.closed).toBe(false);
  });
});
