/**
 * What the hub's log says, read from the lines a real hub writes (pino into a stream) while a
 * real launch, stop, dashboard poll, refused proxied request and aborted upload happen: one info
 * line per lifecycle event with who, which sandbox, which machine and how long; requests only at
 * debug; ISO-8601 times; a client that gives up is no error.
 */
import net from 'node:net';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createLogger } from '../src/log.js';
import { describeDocker, TINY_IMAGE } from './support/docker.js';
import { startTestHub, type TestHub } from './support/hub.js';

interface Line {
  level: number;
  time: string;
  msg: string;
  [field: string]: unknown;
}

const INFO = 30;
const DEBUG = 20;
const ERROR = 50;

interface Sandbox {
  id: string;
  state: string;
}

describeDocker('the log an operator reads', [TINY_IMAGE], () => {
  let t: TestHub;
  let token: string;
  const lines: Line[] = [];
  /** The lines written from now on, once `action` has settled. */
  const during = async (action: () => Promise<unknown>): Promise<Line[]> => {
    const from = lines.length;
    await action();
    // pino writes synchronously to the stream; a tick lets the last answer's hook run.
    await new Promise((r) => setTimeout(r, 50));
    return lines.slice(from);
  };

  beforeAll(async () => {
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const text of chunk.toString().split('\n')) if (text) lines.push(JSON.parse(text) as Line);
        done();
      },
    });
    t = await startTestHub({ log: createLogger('debug', sink) });
    token = await t.user('lena');
  });

  afterAll(async () => {
    await t?.close();
  });

  it('writes ISO-8601 times', () => {
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('logs a dashboard poll at debug only: method, route, status, user, time', async () => {
    const got = await during(() => t.api(token, 'GET', '/api/me'));
    expect(got.filter((l) => l.level >= INFO)).toEqual([]);
    const request = got.filter((l) => l.level === DEBUG && l.msg === 'request');
    expect(request).toHaveLength(1);
    expect(request[0]).toMatchObject({ method: 'GET', route: '/api/me', status: 200, user: 'lena' });
    expect(typeof request[0]!.ms).toBe('number');
  });

  it('logs a launch and a stop at info, each once, with user, sandbox, machine and duration', async () => {
    let id = '';
    const launch = await during(async () => {
      const launched = await t.api<Sandbox>(token, 'POST', '/api/sandboxes', { name: 'logged' });
      expect(launched.status).toBe(202);
      id = launched.body.id;
      await t.hub.sandboxes.settle();
    });
    expect((await t.api<Sandbox>(token, 'GET', `/api/sandboxes/${id}`)).body.state).toBe('running');
    const infoOf = (got: Line[]) => got.filter((l) => l.level === INFO && l.sandbox === id);
    const launchInfo = infoOf(launch);
    expect(launchInfo.map((l) => l.msg)).toEqual(['launch requested', 'sandbox running']);
    expect(launchInfo[0]).toMatchObject({ user: 'lena', name: 'logged', machine: 'local', image: TINY_IMAGE, by: 'lena' });
    expect(launchInfo[1]).toMatchObject({ user: 'lena', name: 'logged', machine: 'local' });
    expect(launchInfo[1]!.ms).toBeGreaterThan(0);

    const stop = await during(() => t.api(token, 'DELETE', `/api/sandboxes/${id}`));
    const stopInfo = infoOf(stop);
    expect(stopInfo.map((l) => l.msg)).toEqual(['stop asked', 'container removed', 'sandbox stopped']);
    expect(stopInfo[0]).toMatchObject({ by: 'lena', reason: 'stopped by its owner' });
    // The container is named by its id, so an operator can find it in the engine's own log.
    expect(stopInfo[1]).toMatchObject({ by: 'lena', reason: 'stopped by its owner', container: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(stopInfo[2]).toMatchObject({ msg: 'sandbox stopped', user: 'lena', name: 'logged', machine: 'local', reason: 'stopped by its owner', by: 'lena' });
    expect(typeof stopInfo[2]!.ms).toBe('number');
    expect(typeof stopInfo[2]!.ranSeconds).toBe('number');
    expect(stop.filter((l) => l.level >= ERROR)).toEqual([]);
  });

  it("logs a proxied request refused with 403 or 503 at info with its code, and not the credential", async () => {
    const other = await t.user('omar');
    const refused = await during(async () => {
      const forbidden = await fetch(`${t.url}/user/lena/logged/api`, { headers: { authorization: `Bearer ${other}` } });
      expect(forbidden.status).toBe(403);
      const notRunning = await fetch(`${t.url}/user/lena/logged/api`, { headers: { authorization: `Bearer ${token}` } });
      expect(notRunning.status).toBe(503);
    });
    const info = refused.filter((l) => l.level === INFO && l.msg === 'proxy: refused');
    expect(info).toHaveLength(2);
    expect(info[0]).toMatchObject({ user: 'omar', sandbox: 'lena/logged', code: 'FORBIDDEN', status: 403 });
    expect(info[1]).toMatchObject({ user: 'lena', sandbox: 'lena/logged', code: 'SANDBOX_NOT_RUNNING', status: 503 });
    const text = JSON.stringify(refused);
    expect(text).not.toContain(other);
    expect(text).not.toContain(token);
  });

  it('logs an upload the client aborted at debug, with no error line and no stack', async () => {
    const got = await during(async () => {
      const socket = net.connect(Number(new URL(t.url).port), '127.0.0.1');
      await new Promise((r) => socket.once('connect', r));
      socket.write(
        'POST /api/tokens HTTP/1.1\r\nhost: 127.0.0.1\r\n' +
          `authorization: Bearer ${token}\r\ncontent-type: application/json\r\ncontent-length: 5000\r\n\r\n{"name":"`,
      );
      await new Promise((r) => setTimeout(r, 200));
      socket.destroy();
      await new Promise((r) => setTimeout(r, 300));
    });
    expect(got.filter((l) => l.level === DEBUG && l.msg === 'client aborted the request')).toHaveLength(1);
    expect(got.filter((l) => l.level >= 40)).toEqual([]);
    expect(JSON.stringify(got)).not.toContain('    at ');
  });
});
