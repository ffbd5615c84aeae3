/**
 * Stopping the hub with SIGTERM while a browser follows a launch's events, another connection
 * sits idle and the launch waits for a server that never answers: the hub closes the stream,
 * aborts the launch, records it as cut short, and exits 0 at once. The next start removes the
 * container the launch left and shows the launch's recorded reason. The time SIGTERM took is
 * printed, not asserted.
 */
import { rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeDocker, TINY_IMAGE } from './support/docker.js';
import { freePort } from './support/hub.js';
import { callApi, createAdminToken } from './support/hub-api.js';
import { writeHubFiles } from './support/hub-files.js';
import { kill, spawnHub, waitForHealth, type HubProcess } from './support/process.js';
import { containersOf } from './support/sandbox-containers.js';

interface Sandbox {
  id: string;
  state: string;
  reason: string | null;
}

const ADMIN = 'shutdown-admin-password';

describeDocker('stopping the hub with SIGTERM', [TINY_IMAGE], () => {
  let dataDir: string;
  let env: Record<string, string>;
  let port: number;
  let url: string;
  let hub: HubProcess | undefined;
  let token: string;

  const api = <T>(method: string, p: string, body?: unknown) => callApi<T>(url, token, method, p, body);
  const start = async () => {
    hub = spawnHub(env, ['--log-level', 'info']);
    await waitForHealth(hub, url);
  };

  beforeAll(async () => {
    const files = await writeHubFiles('shiva-shutdown-', [
      'images:',
      '  default: tiny',
      '  catalogue:',
      `    - {name: tiny, image: "${TINY_IMAGE}"}`,
      // Nothing listens on this port inside the container: the launch waits for as long as it is allowed.
      `    - {name: silent, image: "${TINY_IMAGE}", port: 9999}`,
      'sandboxes: {defaults: {cpus: 0.5, memoryGiB: 0.5}, stopTimeoutSeconds: 1, readinessTimeoutSeconds: 600}',
      // Below what the tests read: --log-level (over SHIVA_LOG_LEVEL, over this) must raise it.
      'log: {level: warn}',
    ]);
    ({ dataDir, port, url } = files);
    env = { SHIVA_CONFIG: files.config, SHIVA_DATA_DIR: dataDir, SHIVA_ADMIN_PASSWORD: ADMIN, SHIVA_LOG_LEVEL: 'error' };
    await start();
    token = await createAdminToken(url, ADMIN, 'shutdown test');
  });

  afterAll(async () => {
    if (hub) await kill(hub, 'SIGTERM');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('closes the stream, records the cut launch and exits 0 at once; the next start removes its container', async () => {
    const launched = await api<Sandbox>('POST', '/api/sandboxes', { name: 'cut', image: 'silent' });
    expect(launched.status).toBe(202);
    const id = launched.body.id;

    const events = await fetch(`${url}/api/sandboxes/${id}/events`, { headers: { authorization: `Bearer ${token}` } });
    expect(events.status).toBe(200);
    const reader = events.body!.getReader();
    const decoder = new TextDecoder();
    let seen = '';
    while (!seen.includes('event: waiting')) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`the stream ended before the launch waited:\n${seen}`);
      seen += decoder.decode(value, { stream: true });
    }
    expect(containersOf(id)).not.toBe('');

    // A kept-alive connection that sits idle, as a dashboard tab leaves one between polls.
    const agent = new http.Agent({ keepAlive: true });
    const idle = await new Promise<http.IncomingMessage>((resolve, reject) =>
      http.get(`${url}/api/health`, { agent }, resolve).on('error', reject),
    );
    idle.resume();
    await new Promise((r) => idle.on('end', r));
    const idleClosed = new Promise<void>((resolve) => {
      const sockets = Object.values(agent.freeSockets).flat();
      expect(sockets.length).toBe(1);
      sockets[0]!.on('close', () => resolve());
    });

    const rest = (async () => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        seen += decoder.decode(value, { stream: true });
      }
    })();

    const sent = performance.now();
    hub!.child.kill('SIGTERM');
    const code = await hub!.exited;
    const tookMs = performance.now() - sent;
    console.log(`SIGTERM to exit with a launch in flight, an events stream and an idle connection open: ${tookMs.toFixed(0)} ms`);
    expect(code, hub!.output()).toBe(0);
    // The hub's own figure, from SIGTERM's handler to the database closed.
    const stopped = hub!.output().split('\n').find((l) => l.includes('"hub stopped"'));
    expect(stopped, hub!.output()).toBeDefined();
    console.log(`the hub's own measure of its shutdown: ${stopped!}`);

    await rest;
    await idleClosed;
    agent.destroy();
    expect(seen).toContain('event: failed');
    expect(seen).toContain('hub stopped during the launch');
    await expect(fetch(`${url}/api/health`)).rejects.toThrow();
    // Its container is left for the next start, as a hub killed outright leaves it.
    expect(containersOf(id)).not.toBe('');

    await start();
    const after = await api<Sandbox>('GET', `/api/sandboxes/${id}`);
    expect(after.body.state).toBe('failed');
    expect(after.body.reason).toContain('hub stopped during the launch');
    // The reconciler at start removed it: no live sandbox owns it.
    expect(containersOf(id)).toBe('');
    expect(hub!.output()).toContain('reconcile: removed a container no sandbox owns');
    // The record is not rewritten as a launch a dead hub left halfway.
    expect(after.body.reason).not.toContain('restarted');
  });

  it('refuses a log level it does not know, naming where it came from', async () => {
    const bad = spawnHub(env, ['--port', String(await freePort()), '--log-level', 'loud']);
    expect(await bad.exited).toBe(2);
    expect(bad.output()).toContain('--log-level "loud" is not a log level');
    const badEnv = spawnHub({ ...env, SHIVA_LOG_LEVEL: 'chatty' }, ['--port', String(await freePort())]);
    expect(await badEnv.exited).toBe(2);
    expect(badEnv.output()).toContain('SHIVA_LOG_LEVEL "chatty" is not a log level');
  });

  it('ends the stream and an upload in flight into a running sandbox, exits 0, and leaves the sandbox running for the next start to adopt', async () => {
    const launched = await api<Sandbox>('POST', '/api/sandboxes', { name: 'quick' });
    for (let i = 0; i < 300; i++) {
      if ((await api<Sandbox>('GET', `/api/sandboxes/${launched.body.id}`)).body.state === 'running') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const events = await fetch(`${url}/api/sandboxes/${launched.body.id}/events`, { headers: { authorization: `Bearer ${token}` } });
    const ended = events.text();
    // An upload into the sandbox still in flight: a proxied request the hub must cut, not wait for.
    const upload = net.connect(port, '127.0.0.1');
    await new Promise((r) => upload.once('connect', r));
    upload.on('error', () => undefined);
    let answered = '';
    upload.on('data', (d: Buffer) => (answered += d.toString()));
    const uploadClosed = new Promise<void>((resolve) => upload.once('close', () => resolve()));
    upload.write(
      `PUT /user/admin/quick/files/big.bin HTTP/1.1\r\nhost: 127.0.0.1:${port}\r\nauthorization: Bearer ${token}\r\n` +
        'content-type: application/octet-stream\r\ncontent-length: 1000000\r\n\r\n' + 'x'.repeat(1000),
    );
    await new Promise((r) => setTimeout(r, 200));
    // Still waiting for its body: nothing answered it yet.
    expect(answered).toBe('');
    const sent = performance.now();
    hub!.child.kill('SIGTERM');
    expect(await hub!.exited).toBe(0);
    console.log(`SIGTERM to exit with a running sandbox, its events stream and an upload into it open: ${(performance.now() - sent).toFixed(0)} ms`);
    expect(await ended).toContain('event: running');
    await uploadClosed;
    // A running sandbox outlives its hub and is adopted by the next start.
    expect(containersOf(launched.body.id)).not.toBe('');
    await start();
    expect((await api<Sandbox>('GET', `/api/sandboxes/${launched.body.id}`)).body.state).toBe('running');
    expect((await api<Sandbox>('DELETE', `/api/sandboxes/${launched.body.id}`)).body.state).toBe('stopped');
  });

  it('cuts an API request whose body is still arriving once the grace is over, and exits 0', async () => {
    const slow = net.connect(port, '127.0.0.1');
    await new Promise((r) => slow.once('connect', r));
    slow.on('error', () => undefined);
    let answered = '';
    slow.on('data', (d: Buffer) => (answered += d.toString()));
    const closed = new Promise<void>((resolve) => slow.once('close', () => resolve()));
    slow.write(
      `POST /api/tokens HTTP/1.1\r\nhost: 127.0.0.1:${port}\r\nauthorization: Bearer ${token}\r\n` +
        'content-type: application/json\r\ncontent-length: 1000\r\n\r\n{"name":"',
    );
    await new Promise((r) => setTimeout(r, 200));
    expect(answered).toBe('');
    const sent = performance.now();
    hub!.child.kill('SIGTERM');
    expect(await hub!.exited, hub!.output()).toBe(0);
    console.log(`SIGTERM to exit with an API request still receiving its body: ${(performance.now() - sent).toFixed(0)} ms`);
    await closed;
    await expect(fetch(`${url}/api/health`)).rejects.toThrow();
    hub = undefined;
  });
});
