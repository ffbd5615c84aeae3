import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerClientError } from './client-error.js';

describe('answerClientError', () => {
  let server: http.Server;
  let port = 0;
  let handled = 0;

  beforeAll(async () => {
    server = http.createServer({ connectionsCheckingInterval: 100 }, (_req, res) => {
      handled++;
      res.end('handled');
    });
    server.headersTimeout = 500;
    server.on('clientError', answerClientError);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  /** Sends `parts` (`gapMs` apart) on a raw connection and reads until the server closes it. */
  function send(parts: string[], gapMs = 0): Promise<string> {
    return new Promise((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      let got = '';
      socket.on('data', (c: Buffer) => (got += c.toString('latin1')));
      socket.on('error', () => {});
      socket.on('close', () => resolve(got));
      const next = (i: number): void => {
        if (i < parts.length && !socket.destroyed) {
          socket.write(parts[i] as string, 'latin1');
          setTimeout(() => next(i + 1), gapMs);
        }
      };
      socket.once('connect', () => next(0));
    });
  }

  function errorOf(answer: string): { status: number; code: string } {
    const status = Number(answer.slice(9, 12));
    const body = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as { error: { code: string } };
    return { status, code: body.error.code };
  }

  it('answers a header with a control character or an invalid name with 400 INVALID_HEADER and closes the connection', async () => {
    for (const header of ['X-A: a\x01b', 'X-A: a\x00b', 'Bad Name: v', 'X\x7fA: v']) {
      const answer = await send([`GET / HTTP/1.1\r\nHost: h\r\n${header}\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n`]);
      expect(errorOf(answer), JSON.stringify(header)).toEqual({ status: 400, code: 'INVALID_HEADER' });
      expect(answer.toLowerCase()).toContain('connection: close');
    }
    expect(handled).toBe(0);
  });

  it('answers ambiguous framing with 400 INVALID_HEADER and never reads what follows as a request', async () => {
    const smuggled = 'GET /smuggled HTTP/1.1\r\nHost: h\r\n\r\n';
    for (const framing of ['Content-Length: 3\r\nTransfer-Encoding: chunked', 'Content-Length: 3\r\nContent-Length: 4', 'Content-Length: 1x']) {
      const answer = await send([`POST / HTTP/1.1\r\nHost: h\r\n${framing}\r\n\r\n0\r\n\r\n${smuggled}`]);
      expect(errorOf(answer), framing).toEqual({ status: 400, code: 'INVALID_HEADER' });
      expect(answer.match(/HTTP\/1\.1 /g)).toHaveLength(1);
    }
    expect(handled).toBe(0);
  });

  it('answers a head too large with 431 HEADERS_TOO_LARGE and anything else unreadable with 400 BAD_REQUEST', async () => {
    expect(errorOf(await send([`GET / HTTP/1.1\r\nHost: h\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`]))).toEqual({ status: 431, code: 'HEADERS_TOO_LARGE' });
    expect(errorOf(await send(['NOT HTTP AT ALL\r\n\r\n']))).toEqual({ status: 400, code: 'BAD_REQUEST' });
    expect(handled).toBe(0);
  });

  it('answers a head that arrives too slowly with 408 REQUEST_TIMEOUT', async () => {
    const started = Date.now();
    const answer = await send(['GET / HTTP/1.1\r\n', 'Host: h\r\n', 'X-A: 1\r\n', 'X-B: 2\r\n', 'X-C: 3\r\n', '\r\n'], 300);
    expect(errorOf(answer)).toEqual({ status: 408, code: 'REQUEST_TIMEOUT' });
    expect(Date.now() - started).toBeLessThan(1500);
    expect(handled).toBe(0);
  });
});
