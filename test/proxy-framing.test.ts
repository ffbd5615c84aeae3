/**
 * The proxy in front of a real sandbox that misbehaves on purpose (the test image's
 * `misbehave/` answers), and the hub's limits on slow clients, over real sockets.
 */
import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeDocker, TINY_IMAGE } from './support/docker.js';
import { startTestHub, type TestHub } from './support/hub.js';
import { waitForState } from './support/wait.js';

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  reused: boolean;
}

/** What came back on a raw connection before it closed, and when it closed. */
interface RawOutcome {
  text: string;
  closedAfterMs: number;
}

describeDocker('proxy framing and slow clients, with a real sandbox', [TINY_IMAGE], () => {
  let t: TestHub;
  let alice: string;
  let port = 0;
  const base = '/user/alice/lab/';

  /** One request on `agent`: keep-alive with a single socket, so requests share one connection. */
  function request(agent: http.Agent, path: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const req = http.request(
        { host: '127.0.0.1', port, path, method: options.method ?? 'GET', headers: { authorization: `Bearer ${alice}`, ...options.headers }, agent },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString(), reused: req.reusedSocket }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(options.body);
    });
  }

  /** Writes `parts` on a raw connection, `gapMs` apart, and reads until the hub closes it. */
  function raw(parts: string[], gapMs = 0): Promise<RawOutcome> {
    return new Promise((resolve, reject) => {
      const started = Date.now();
      const socket = net.connect(port, '127.0.0.1');
      let text = '';
      let timer: NodeJS.Timeout | undefined;
      socket.on('data', (c: Buffer) => (text += c.toString('latin1')));
      socket.on('error', () => {});
      socket.on('close', () => {
        clearTimeout(timer);
        resolve({ text, closedAfterMs: Date.now() - started });
      });
      const send = (i: number): void => {
        if (i >= parts.length || socket.destroyed) return;
        socket.write(parts[i] as string);
        timer = setTimeout(() => send(i + 1), gapMs);
      };
      socket.once('connect', () => send(0));
      setTimeout(() => {
        socket.destroy();
        reject(new Error(`the hub kept the connection open; got ${JSON.stringify(text.slice(0, 200))}`));
      }, 15_000).unref();
    });
  }

  beforeAll(async () => {
    t = await startTestHub({ config: { hub: { requestBodyIdleSeconds: 1, requestHeadersTimeoutSeconds: 1 } } });
    port = Number(new URL(t.url).port);
    alice = await t.user('alice');
    const launched = await t.api<{ id: string }>(alice, 'POST', '/api/sandboxes', { name: 'lab', image: 'tiny' });
    expect(launched.status).toBe(202);
    await waitForState(t, alice, launched.body.id, 'running');
  }, 120_000);

  afterAll(async () => {
    await t?.close();
  });

  it('answers 502 to a sandbox answer with Transfer-Encoding and Content-Length, and the client\'s next request on that connection gets the hub\'s own answer', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const refused = await request(agent, `${base}misbehave/te-and-cl`);
    expect(refused.status).toBe(502);
    expect(JSON.parse(refused.body).error.code).toBe('SANDBOX_BAD_RESPONSE');
    expect(refused.body).not.toContain('forged');
    const me = await request(agent, '/api/me');
    expect(me.reused).toBe(true);
    expect(me.status).toBe(200);
    expect(JSON.parse(me.body)).toMatchObject({ user: { username: 'alice' } });
    expect(me.body).not.toContain('forged');
    expect(me.headers['cache-control'] ?? '').not.toContain('max-age=31536000');
    agent.destroy();
  });

  it('passes a 204 on but never the bytes a sandbox sends after it, to this client or the next request', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const first = await request(agent, `${base}misbehave/extra-after-204`, { method: 'POST' });
    expect(first.status).toBe(204);
    expect(first.body).toBe('');
    const me = await request(agent, '/api/me');
    expect(me.reused).toBe(true);
    expect(JSON.parse(me.body)).toMatchObject({ user: { username: 'alice' } });
    // The sandbox's next answer is its own, not the forged bytes left on the old connection.
    const status = await request(agent, `${base}api/status`);
    expect(status.reused).toBe(true);
    expect(JSON.parse(status.body)).toMatchObject({ base_url: base });
    agent.destroy();
  });

  it('keeps the hub\'s cookies, client X-Forwarded-* and X-Shiva-* headers from the sandbox', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const echo = await request(agent, `${base}echo`, {
      headers: {
        cookie: 'shiva_session=s; shiva_csrf=c; shiva_sandbox=x; _xsrf=mine',
        'x-forwarded-for': '6.6.6.6',
        'x-forwarded-host': 'evil.example',
        forwarded: 'for=6.6.6.6',
        'x-shiva-sandbox-secret': 'guess',
      },
    });
    const seen = (JSON.parse(echo.body) as { headers: Record<string, string> }).headers;
    expect(seen.cookie).toBe('_xsrf=mine');
    expect(seen['x-forwarded-for']).toBe('127.0.0.1');
    expect(seen['x-forwarded-host']).toBe(`127.0.0.1:${port}`);
    expect(seen.forwarded).toBeUndefined();
    expect(seen['x-shiva-sandbox-secret']).toBeUndefined();
    agent.destroy();
  });

  it('answers 408 and closes the connection when an upload to a sandbox stalls', async () => {
    const head = `PUT ${base}files/stalled.bin HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: Bearer ${alice}\r\nContent-Length: 1000\r\n\r\n`;
    const out = await raw([head + 'x'.repeat(100)]);
    expect(out.text.startsWith('HTTP/1.1 408 ')).toBe(true);
    expect(out.text).toContain('"REQUEST_TIMEOUT"');
    expect(out.closedAfterMs).toBeGreaterThanOrEqual(900);
    expect(out.closedAfterMs).toBeLessThan(5000);
    expect(out.text.match(/HTTP\/1\.1/g)).toHaveLength(1);
  });

  it('lets a slow upload that keeps sending finish, however long it takes in all', async () => {
    const pieces = Array.from({ length: 10 }, (_, i) => `piece-${i};`);
    const size = pieces.join('').length;
    const head = `PUT ${base}files/trickle.txt HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: Bearer ${alice}\r\nContent-Length: ${size}\r\nConnection: close\r\n\r\n`;
    // 10 pieces 400 ms apart: 4 s in all, four times the idle limit, never idle for one.
    const out = await raw([head, ...pieces], 400);
    expect(out.text.startsWith('HTTP/1.1 201 ')).toBe(true);
    expect(out.text).toContain(`"size": ${size}`);
  });

  it('answers 408 and closes the connection when a body to the API stalls, and launches nothing', async () => {
    const before = (await t.api<{ items: unknown[] }>(alice, 'GET', '/api/sandboxes')).body.items.length;
    const head = `POST /api/sandboxes HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: Bearer ${alice}\r\nContent-Type: application/json\r\nContent-Length: 40\r\n\r\n`;
    const out = await raw([head + '{"name":"stall']);
    expect(out.text.startsWith('HTTP/1.1 408 ')).toBe(true);
    expect(out.text).toContain('"REQUEST_TIMEOUT"');
    expect(out.closedAfterMs).toBeLessThan(5000);
    expect((await t.api<{ items: unknown[] }>(alice, 'GET', '/api/sandboxes')).body.items.length).toBe(before);
  });

  it('refuses a request header with a control character, to the API and to a sandbox, with 400 INVALID_HEADER', async () => {
    for (const path of ['/api/me', `${base}echo`]) {
      const out = await raw([`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${alice}\r\nX-A: a\x01b\r\n\r\n`]);
      expect(out.text.startsWith('HTTP/1.1 400 '), path).toBe(true);
      expect(out.text, path).toContain('"INVALID_HEADER"');
    }
  });

  it('closes the connection of a client that sends its request head too slowly', async () => {
    const out = await raw(['GET /api/health HTTP/1.1\r\n', 'Host: 127.0.0.1\r\n', 'X-Slow: 1\r\n', 'X-Slow: 2\r\n', 'X-Slow: 3\r\n', 'X-Slow: 4\r\n', '\r\n'], 600);
    expect(out.text.startsWith('HTTP/1.1 408 ')).toBe(true);
    expect(out.text).toContain('"REQUEST_TIMEOUT"');
    expect(out.closedAfterMs).toBeLessThan(3500);
  });
});
