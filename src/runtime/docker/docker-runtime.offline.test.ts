/**
 * DockerRuntime against engines that misbehave on purpose: none at all, one that never answers,
 * and a scripted one on a unix socket that replays recorded answers (pull streams, races, GPU
 * refusals) that a healthy local engine cannot be made to produce on demand.
 */
import { mkdtempSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RuntimeError, type ContainerSpec, type PullProgress } from '../types.js';
import { rejection as rejectionWith } from '../../../test/support/rejection.js';
import { DockerRuntime } from './docker-runtime.js';
import type { PullEvent } from './pull-progress.js';

type Handler = (req: IncomingMessage, res: ServerResponse, url: URL) => void;

const servers: Server[] = [];
const silentSockets: Socket[] = [];
afterEach(async () => {
  for (const socket of silentSockets.splice(0)) socket.destroy();
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

function socketPath(): string {
  return join(mkdtempSync(join(tmpdir(), 'shiva-fake-engine-')), 'engine.sock');
}

/** A scripted engine: `routes` maps "METHOD /path" to a handler. */
async function fakeEngine(routes: Record<string, Handler>): Promise<{ url: string; seen: string[] }> {
  const path = socketPath();
  const seen: string[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://engine');
    const key = `${req.method} ${url.pathname}`;
    seen.push(`${key}${url.search}`);
    const handler = routes[key];
    if (handler) handler(req, res, url);
    else json(res, 404, { message: `page not found: ${key}` });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(path, resolve));
  return { url: `unix://${path}`, seen };
}

/** An engine that accepts connections and never says a word. */
async function silentEngine(): Promise<string> {
  const path = socketPath();
  const server = createNetServer((socket) => silentSockets.push(socket));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(path, resolve));
  return `unix://${path}`;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** Streams events as the engine does, one JSON object per line, `gapMs` apart. */
function stream(events: PullEvent[], gapMs: number, then: 'end' | 'hang' = 'end'): Handler {
  return (_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    let i = 0;
    const next = (): void => {
      if (res.destroyed) return;
      const event = events[i++];
      if (event) {
        res.write(`${JSON.stringify(event)}\r\n`);
        setTimeout(next, gapMs);
      } else if (then === 'end') {
        res.end();
      }
    };
    next();
  };
}

const spec: ContainerSpec = {
  name: 'offline-test',
  image: 'shiva/tiny:latest',
  env: {},
  labels: {},
  port: 8888,
  publishAddress: '127.0.0.1',
  cpus: 1,
  cpuRequest: 0.25,
  memoryBytes: 256 * 1024 * 1024,
  shmBytes: 64 * 1024 * 1024,
  pidsLimit: 128,
  home: { hostPath: '/tmp/offline-home', containerPath: '/home/shiva' },
  user: '1000:1000',
};

const rejection = (promise: Promise<unknown>) => rejectionWith(promise, RuntimeError);

const layerEvents = (n: number): PullEvent[] => [
  { status: 'Pulling from shiva/big', id: 'latest' },
  { status: 'Pulling fs layer', progressDetail: {}, id: 'l1' },
  ...Array.from({ length: n }, (_, i) => ({
    status: 'Downloading',
    progressDetail: { current: (i + 1) * 1000, total: n * 1000 },
    id: 'l1',
  })),
  { status: 'Download complete', progressDetail: {}, id: 'l1' },
  { status: 'Extracting', progressDetail: { current: n * 1000, total: n * 1000 }, id: 'l1' },
  { status: 'Pull complete', progressDetail: {}, id: 'l1' },
  { status: 'Status: Downloaded newer image for shiva/big:latest' },
];

describe('DockerRuntime without a working engine', () => {
  it('says the engine does not answer when its socket does not exist', async () => {
    const runtime = new DockerRuntime({ url: 'unix:///nonexistent/shiva/docker.sock' });
    const err = await rejection(runtime.info());
    expect(err.kind).toBe('unavailable');
    expect(err.message).toBe('the Docker Engine at unix:///nonexistent/shiva/docker.sock does not answer: no socket at that path');
  });

  it('gives up on a hung engine at the deadline instead of hanging the caller', async () => {
    const runtime = new DockerRuntime({ url: await silentEngine(), timeoutMs: 300 });
    const started = Date.now();
    const errors = await Promise.all([
      rejection(runtime.info()),
      rejection(runtime.list({ a: 'b' })),
      rejection(runtime.inspect('x')),
      rejection(runtime.inspectImage('shiva/tiny:latest')),
      rejection(runtime.create(spec)),
      rejection(runtime.start('x')),
      rejection(runtime.remove('x')),
      rejection(runtime.logs('x', 10)),
    ]);
    expect(Date.now() - started).toBeLessThan(3000);
    for (const err of errors) {
      expect(err.kind).toBe('unavailable');
      expect(err.message).toMatch(/does not answer: no answer within 0\.3 s/);
    }
  });

  it('gives a stop the grace period it asked for on top of the deadline', async () => {
    const runtime = new DockerRuntime({ url: await silentEngine(), timeoutMs: 200 });
    const started = Date.now();
    const err = await rejection(runtime.stop('x', 1));
    expect(err.message).toContain('no answer within 1.2 s');
    expect(Date.now() - started).toBeGreaterThanOrEqual(1100);
  });
});

describe('DockerRuntime.pullImage on a scripted engine', () => {
  it('reports a rising percent, throttled, and 100 at the end', async () => {
    const engine = await fakeEngine({ 'POST /images/create': stream(layerEvents(30), 25) });
    const reports: PullProgress[] = [];
    await new DockerRuntime({ url: engine.url }).pullImage('shiva/big:latest', (p) => reports.push(p));
    expect(engine.seen).toEqual(['POST /images/create?fromImage=shiva%2Fbig&tag=latest']);
    // ~36 events over ~0.9 s: about five reports, not one per event.
    expect(reports.length).toBeGreaterThanOrEqual(3);
    expect(reports.length).toBeLessThanOrEqual(10);
    const percents = reports.map((r) => r.percent ?? 0);
    expect([...percents].sort((a, b) => a - b)).toEqual(percents);
    expect(reports.at(-1)).toEqual({ percent: 100, status: 'Status: Downloaded newer image for shiva/big:latest', bytes: { done: 30_000, total: 30_000 } });
  });

  it('fails with image_not_found when the engine reports an error inside the stream', async () => {
    const engine = await fakeEngine({
      'POST /images/create': stream(
        [
          { status: 'Pulling from shiva/gone', id: 'v1' },
          { errorDetail: { message: 'manifest for shiva/gone:v1 not found: manifest unknown' }, error: 'manifest unknown' },
        ],
        5,
        'hang',
      ),
    });
    const err = await rejection(new DockerRuntime({ url: engine.url }).pullImage('shiva/gone:v1', () => {}));
    expect(err).toMatchObject({
      kind: 'image_not_found',
      message: 'the image shiva/gone:v1 is not in any registry this engine can reach: manifest for shiva/gone:v1 not found: manifest unknown',
    });
  });

  it('fails with image_not_found, and the reason, when the registry cannot be reached', async () => {
    const message = 'Get "https://registry.lan/v2/": dial tcp 10.9.9.9:443: connect: no route to host';
    const engine = await fakeEngine({ 'POST /images/create': (_req, res) => json(res, 500, { message }) });
    const err = await rejection(new DockerRuntime({ url: engine.url }).pullImage('registry.lan/x:1', () => {}));
    expect(err).toMatchObject({ kind: 'image_not_found', message: `the image registry.lan/x:1 could not be pulled: ${message}` });
  });

  it('stops at once when aborted, closing the stream to the engine', async () => {
    let closed = false;
    const engine = await fakeEngine({
      'POST /images/create': (req, res) => {
        req.socket.on('close', () => (closed = true));
        stream(layerEvents(5).slice(0, 3), 5, 'hang')(req, res, new URL('http://engine'));
      },
    });
    const controller = new AbortController();
    const pulling = new DockerRuntime({ url: engine.url }).pullImage(
      'shiva/big:latest',
      () => setTimeout(() => controller.abort(), 20),
      controller.signal,
    );
    await expect(pulling).rejects.toMatchObject({ name: 'AbortError' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(closed).toBe(true);
  });

  it('does not call the engine when the signal is already aborted', async () => {
    const engine = await fakeEngine({});
    const controller = new AbortController();
    controller.abort();
    await expect(
      new DockerRuntime({ url: engine.url }).pullImage('shiva/big:latest', () => {}, controller.signal),
    ).rejects.toMatchObject({ name: 'AbortError' });
    expect(engine.seen).toEqual([]);
  });
});

describe('DockerRuntime on a scripted engine', () => {
  it('treats a removal already in progress as done, and any other conflict as a conflict', async () => {
    const engine = await fakeEngine({
      'DELETE /containers/racing': (_req, res) =>
        json(res, 409, { message: 'removal of container racing is already in progress' }),
      'DELETE /containers/paused': (_req, res) =>
        json(res, 409, { message: 'You cannot remove a paused container. Unpause and then stop the container before attempting removal or force remove' }),
    });
    const runtime = new DockerRuntime({ url: engine.url });
    await expect(runtime.remove('racing')).resolves.toBeUndefined();
    expect((await rejection(runtime.remove('paused'))).kind).toBe('conflict');
    expect(engine.seen[0]).toBe('DELETE /containers/racing?force=true&v=false');
  });

  it("explains a GPU start on an engine without NVIDIA's runtime", async () => {
    const engine = await fakeEngine({
      'POST /containers/gpu/start': (_req, res) =>
        json(res, 500, { message: 'could not select device driver "nvidia" with capabilities: [[gpu]]' }),
    });
    const err = await rejection(new DockerRuntime({ url: engine.url }).start('gpu'));
    expect(err.kind).toBe('failed');
    expect(err.message).toMatch(/^this machine's Docker Engine has no NVIDIA runtime/);
  });

  it('lists images with their names, build time and size, leaving out the <none> names of untagged ones', async () => {
    const engine = await fakeEngine({
      'GET /images/json': (_req, res) =>
        json(res, 200, [
          { Id: 'sha256:a', RepoTags: ['shiva/tiny:latest'], RepoDigests: ['reg:5000/shiva/tiny@sha256:d'], Created: 1767607200, Size: 120_000_000 },
          { Id: 'sha256:b', RepoTags: ['<none>:<none>'], RepoDigests: ['<none>@<none>'], Created: 0, Size: 5 },
          { Id: 'sha256:c', RepoTags: null, Created: 1767607200, Size: 7 },
        ]),
    });
    expect(await new DockerRuntime({ url: engine.url }).listImages()).toEqual([
      { id: 'sha256:a', tags: ['shiva/tiny:latest'], digests: ['reg:5000/shiva/tiny@sha256:d'], createdAt: '2026-01-05T10:00:00.000Z', sizeBytes: 120_000_000 },
      { id: 'sha256:b', tags: [], digests: [], createdAt: null, sizeBytes: 5 },
      { id: 'sha256:c', tags: [], digests: [], createdAt: '2026-01-05T10:00:00.000Z', sizeBytes: 7 },
    ]);
    expect(engine.seen).toEqual(['GET /images/json']);
  });
});
