/**
 * An in-memory runtime for unit tests of the domain core. Each "running" container is a tiny
 * HTTP server on loopback, so readiness and routing are exercised for real. It answers as a
 * Docker Engine running the tiny test image does (images/tiny), and the Runtime conformance
 * suite (../conformance.ts) holds it to that: containers found by id or by name, a server that
 * logs each request and ends with 143 on a stop (SIGTERM through tini), a container asked to
 * fail at start that runs for a moment and then exits with 3 and says why in its log.
 */
import { existsSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  IMAGE_LABELS,
  missingMountMessage,
  RuntimeError,
  type ContainerEvent,
  type ContainerEventAction,
  type ContainerInfo,
  type ContainerSpec,
  type ContainerStats,
  type EngineInfo,
  type EventQuery,
  type ExecProcess,
  type ExecSpec,
  type CommitOptions,
  type ImageConfig,
  type ImageInfo,
  type Job,
  type JobResult,
  type LocalImage,
  type PullProgress,
  type Runtime,
} from '../types.js';
import { execLocally } from './local-exec.js';
import { runJobLocally } from './local-jobs.js';

interface FakeContainer {
  info: ContainerInfo;
  spec: ContainerSpec;
  server: http.Server | null;
  /** What the container wrote to stdout and stderr, a line each. */
  logs: string[];
  /** What stats() reports while it runs; tests set it with setUsage(). */
  usage: { cpuSeconds: number; memoryUsedBytes: number };
  /** The coming exit of a container asked to fail at start. */
  exit: NodeJS.Timeout | null;
  /** Being removed: an inspect says `removing`, as Docker's does while `rm -f` kills it. */
  removing?: boolean;
}

export interface FakeRuntimeOptions {
  images?: Record<string, Record<string, string>>;
  /** Images a pull can fetch (they become present after the pull). */
  pullable?: string[];
}

/** The exit status of a process ended by SIGTERM (128 + 15) as tini reports it: what `docker stop` leaves. */
const STOPPED_EXIT_CODE = 143;
/** The tiny image's status when TINY_FAIL_AT_START is set. */
const FAIL_AT_START_EXIT_CODE = 3;
/** How long a container asked to fail at start runs: an interpreter's start-up, roughly. */
const FAIL_AT_START_AFTER_MS = 20;
/** Env var that makes the tiny image's server listen only that many milliseconds after it starts. */
const LISTEN_AFTER_ENV = 'TINY_LISTEN_AFTER_MS';
/** The port the tiny image's server listens on when the image does not say (images/tiny). */
const DEFAULT_SERVER_PORT = 8888;
/** How many past events the fake keeps for `since`, as Docker keeps its last 256 in memory. */
const KEPT_EVENTS = 256;
/** The size every image of the fake has (and a pull downloads), and when each was built. */
export const FAKE_IMAGE_BYTES = 48 * 1024 * 1024;
export const FAKE_BUILT_AT = '2026-01-05T10:00:00.000Z';

export class FakeRuntime implements Runtime {
  readonly containers = new Map<string, FakeContainer>();
  readonly images: Map<string, Record<string, string>>;
  readonly pullable: Set<string>;
  /** The configuration and depth of images made by commit. */
  private readonly made = new Map<string, { config: ImageConfig; layers: number }>();
  /** Set to make the engine look down. */
  down = false;
  /** Every reference a pull was asked for, in order. */
  readonly pulls: string[] = [];
  /** Awaited halfway through each pull, when set: tests hold pulls in flight with it. */
  pullGate: ((ref: string) => Promise<void>) | null = null;
  /** Env var that, when present in a spec, makes the container exit at start (like the tiny image). */
  failEnv = 'TINY_FAIL_AT_START';
  private seq = 0;
  /** The recent events, oldest first, and the streams following new ones. */
  private readonly past: ContainerEvent[] = [];
  private readonly followers = new Set<() => void>();
  /** Bumped by endEventStreams: a stream of an older epoch ends, as at an engine restart. */
  private epoch = 0;
  private lastCursor = 0n;

  constructor(options: FakeRuntimeOptions = {}) {
    this.images = new Map(Object.entries(options.images ?? { 'shiva/tiny:latest': {} }));
    this.pullable = new Set(options.pullable ?? []);
  }

  async info(): Promise<EngineInfo> {
    this.check();
    return { name: 'fake', version: '0', cpus: 8, memoryBytes: 16 * 1024 ** 3, operatingSystem: 'fake', runtimes: ['runc'] };
  }

  async inspectImage(ref: string): Promise<ImageInfo | null> {
    this.check();
    const labels = this.images.get(ref);
    if (!labels) return null;
    const made = this.made.get(ref);
    const config: ImageConfig = made?.config ?? { env: [], cmd: null, entrypoint: null, workingDir: '', user: '', exposedPorts: [], labels: {} };
    return { id: `sha256:${ref}`, labels, config: { ...config, labels: { ...labels } }, layers: made?.layers ?? 1 };
  }

  /** A commit as Docker's with a clean config: one layer more than the container's image, or one when flattened. */
  async commit(id: string, options: CommitOptions): Promise<ImageInfo> {
    this.check();
    const c = this.find(id);
    if (!c) throw new RuntimeError('not_found', `no such container: ${id}`);
    const base = this.made.get(c[1].spec.image)?.layers ?? 1;
    this.images.set(options.ref, { ...options.config.labels });
    this.made.set(options.ref, { config: options.config, layers: options.flatten ? 1 : base + 1 });
    return (await this.inspectImage(options.ref))!;
  }

  /** A push makes the image pullable (the fake's registry). */
  async pushImage(ref: string, onProgress: (p: PullProgress) => void): Promise<void> {
    this.check();
    if (!this.images.has(ref)) throw new RuntimeError('image_not_found', `no such image: ${ref}`);
    for (const percent of [0, 50, 100]) onProgress({ percent, status: 'pushing' });
    this.pullable.add(ref);
  }

  async removeImage(ref: string): Promise<void> {
    this.check();
    this.images.delete(ref);
    this.made.delete(ref);
  }

  async pullImage(ref: string, onProgress: (p: PullProgress) => void, signal?: AbortSignal): Promise<void> {
    this.check();
    signal?.throwIfAborted();
    this.pulls.push(ref);
    if (!this.pullable.has(ref)) throw new RuntimeError('image_not_found', `the image ${ref} is not in any registry`);
    const total = FAKE_IMAGE_BYTES;
    onProgress({ percent: 0, status: 'Downloading', bytes: { done: 0, total } });
    onProgress({ percent: 50, status: 'Downloading', bytes: { done: total / 2, total } });
    if (this.pullGate) await orAbort(this.pullGate(ref), signal);
    signal?.throwIfAborted();
    onProgress({ percent: 100, status: 'Downloading', bytes: { done: total, total } });
    this.images.set(ref, {});
  }

  /** The engine's image list: each present reference as an image of its own, built at FAKE_BUILT_AT. */
  async listImages(): Promise<LocalImage[]> {
    this.check();
    return [...this.images.keys()].map((ref) => ({
      id: `sha256:${ref}`,
      tags: ref.includes('@') ? [] : [ref],
      digests: ref.includes('@') ? [ref] : [],
      createdAt: FAKE_BUILT_AT,
      sizeBytes: FAKE_IMAGE_BYTES,
    }));
  }

  async create(spec: ContainerSpec): Promise<string> {
    this.check();
    if (!this.images.has(spec.image)) throw new RuntimeError('image_not_found', `no such image: ${spec.image}`);
    if ([...this.containers.values()].some((c) => c.info.name === spec.name)) {
      throw new RuntimeError('conflict', `the name ${spec.name} is taken`);
    }
    // This host is the fake's machine: a folder missing here fails the create, as Docker's Mounts do.
    const absent = spec.mounts?.find((m) => !existsSync(m.hostPath));
    if (absent) throw new RuntimeError('failed', missingMountMessage(absent), { plain: true });
    const id = `fake${++this.seq}`;
    this.containers.set(id, {
      spec,
      server: null,
      logs: [],
      // A server that runs has used some CPU time and holds some memory, as an engine reports.
      usage: { cpuSeconds: 0.05, memoryUsedBytes: 8 * 1024 ** 2 },
      exit: null,
      info: { id, name: spec.name, image: spec.image, labels: { ...spec.labels }, state: 'created', endpoint: null, startedAt: null, exitCode: null, oomKilled: false },
    });
    return id;
  }

  async start(id: string): Promise<ContainerInfo> {
    this.check();
    const c = this.mustGet(id);
    // The engine answers "started already" (304), and the container keeps its port.
    if (c.info.state === 'running') return copy(c.info);
    const failing = this.failEnv in c.spec.env;
    // The server listens on its image's port: a spec that publishes another publishes nothing
    // that answers, and the engine's port forwarder drops every connection to it.
    const answers = !failing && c.spec.port === this.serverPort(c.spec.image);
    const api = `${c.spec.env.SHIVA_BASE_URL ?? '/'}api`;
    const server = http.createServer((req, res) => {
      // The tiny server's version answer where readiness asks; any other path answers too.
      const body = (req.url ?? '').split('?')[0] === api ? '{"version": "tiny"}\n' : '{}';
      res.writeHead(200, { 'content-type': 'application/json' }).end(body);
      c.logs.push(`tiny: ${req.socket.remoteAddress ?? '-'} "${req.method} ${req.url}" 200 ${body.length}`);
    });
    // Until the server listens (TINY_LISTEN_AFTER_MS), the forwarder drops connections just the same.
    const listensAt = Date.now() + Number(c.spec.env[LISTEN_AFTER_ENV] ?? 0);
    server.on('connection', (socket) => {
      if (!answers || Date.now() < listensAt) socket.destroy();
    });
    const host = loopback(c.spec.publishAddress);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, host, resolve);
    });
    c.server = server;
    c.info.state = 'running';
    c.info.startedAt = new Date().toISOString();
    c.info.exitCode = null;
    c.info.oomKilled = false;
    c.info.endpoint = { host, port: (server.address() as AddressInfo).port };
    if (failing) {
      c.exit = setTimeout(() => {
        c.logs.push(`tiny: failing at start as asked: ${c.spec.env[this.failEnv]}`);
        void this.halt(c, FAIL_AT_START_EXIT_CODE);
      }, FAIL_AT_START_AFTER_MS);
    }
    return copy(c.info);
  }

  async inspect(id: string): Promise<ContainerInfo | null> {
    this.check();
    const c = this.find(id);
    if (c?.[1].removing) return { ...copy(c[1].info), state: 'removing', exitCode: null, endpoint: null };
    return c ? copy(c[1].info) : null;
  }

  async stop(id: string): Promise<void> {
    this.check();
    const c = this.find(id);
    if (!c) return;
    const wasRunning = c[1].info.state === 'running';
    if (wasRunning) this.emit(c[1], 'kill', { signal: '15' });
    await this.halt(c[1], STOPPED_EXIT_CODE);
    if (wasRunning) this.emit(c[1], 'stop');
  }

  async remove(id: string): Promise<void> {
    this.check();
    const c = this.find(id);
    if (!c) return;
    c[1].removing = true;
    if (c[1].info.state === 'running') this.emit(c[1], 'kill', { signal: '9' });
    await this.halt(c[1], 137);
    this.containers.delete(c[0]);
    this.emit(c[1], 'destroy');
  }

  /** Each terminal size an exec was given, in order (tests read it). */
  readonly terminalSizes: Array<{ cols: number; rows: number }> = [];

  /** Runs the command on this host (local-exec.ts) when the container runs. */
  async exec(id: string, spec: ExecSpec): Promise<ExecProcess> {
    this.check();
    const c = this.mustGet(id);
    if (c.info.state !== 'running') throw new RuntimeError('conflict', `the container ${id} is not running`);
    return execLocally(spec, this.terminalSizes);
  }

  async list(labels: Record<string, string>): Promise<ContainerInfo[]> {
    this.check();
    return [...this.containers.values()]
      .filter((c) => Object.entries(labels).every(([k, v]) => c.info.labels[k] === v))
      // An engine's list carries no start time (DockerRuntime reads it only on an inspect).
      .map((c) => {
        const { oomKilled: _inspectOnly, ...listed } = copy(c.info);
        return { ...listed, startedAt: null };
      });
  }

  async logs(id: string, lines: number): Promise<string> {
    this.check();
    const tail = Math.max(0, Math.floor(lines));
    const kept = tail === 0 ? [] : this.mustGet(id).logs.slice(-tail);
    return kept.map((line) => `${line}\n`).join('');
  }

  async stats(id: string): Promise<ContainerStats | null> {
    this.check();
    const c = this.find(id)?.[1];
    if (!c || c.info.state !== 'running') return null;
    return { ...c.usage, at: new Date().toISOString() };
  }

  /** Sets what a container uses from now on (CPU time is cumulative, as an engine reports it). */
  setUsage(id: string, usage: { cpuSeconds: number; memoryUsedBytes: number }): void {
    this.mustGet(id).usage = { ...usage };
  }

  /**
   * What runJob answers. By default a job that mounts host folders runs here (local-jobs.ts), as
   * on an engine on this host, when its image is present; any other job fails as it would on an
   * engine without the image.
   */
  jobResult: (job: Job) => JobResult | Promise<JobResult> = (job) => {
    if (job.mounts?.length && this.images.has(job.image)) return runJobLocally(job);
    throw new RuntimeError('image_not_found', `the image ${job.image} is not on this machine`);
  };

  async runJob(job: Job): Promise<JobResult> {
    this.check();
    return this.jobResult(job);
  }

  /** Simulates a container dying on its own (a crash): its process ends with `exitCode`. */
  async crash(id: string, exitCode = 137): Promise<void> {
    await this.halt(this.mustGet(id), exitCode);
  }

  /** Simulates `docker kill` from outside: a SIGKILL, then the container dies with 137. */
  async killFromOutside(id: string): Promise<void> {
    const c = this.mustGet(id);
    if (c.info.state === 'running') this.emit(c, 'kill', { signal: '9' });
    await this.halt(c, 137);
  }

  /**
   * Simulates the kernel killing a process of the container for memory: the `oom` event, and
   * with `dies` its main process too (exit 137, OOMKilled as an inspect reads it).
   */
  async oom(id: string, options: { dies: boolean }): Promise<void> {
    const c = this.mustGet(id);
    this.emit(c, 'oom');
    if (!options.dies) return;
    c.info.oomKilled = true;
    await this.halt(c, 137);
  }

  /** Ends every open event stream, as an engine restart does; later streams work again. */
  endEventStreams(): void {
    this.epoch++;
    for (const wake of [...this.followers]) wake();
  }

  async *events(query: EventQuery): AsyncGenerator<ContainerEvent> {
    this.check();
    const epoch = this.epoch;
    const until = query.until === 'now' ? this.lastCursor : query.until === undefined ? null : BigInt(query.until);
    let after = query.since === null ? this.lastCursor : BigInt(query.since);
    const matches = (e: ContainerEvent) => Object.entries(query.labels).every(([k, v]) => e.labels[k] === v);
    for (;;) {
      for (const event of this.past) {
        const at = BigInt(event.cursor);
        if (at <= after) continue;
        if (until !== null && at > until) return;
        after = at;
        if (matches(event)) yield { ...event, labels: { ...event.labels } };
      }
      if (until !== null || query.signal.aborted || epoch !== this.epoch) return;
      // Wait for the next event, the end of the streams or the caller's abort.
      await new Promise<void>((resolve) => {
        const wake = (): void => {
          this.followers.delete(wake);
          query.signal.removeEventListener('abort', wake);
          resolve();
        };
        this.followers.add(wake);
        query.signal.addEventListener('abort', wake, { once: true });
      });
      if (query.signal.aborted || epoch !== this.epoch) return;
    }
  }

  async closeAll(): Promise<void> {
    for (const c of this.containers.values()) await this.halt(c, STOPPED_EXIT_CODE);
  }

  private serverPort(image: string): number {
    const label = Number(this.images.get(image)?.[IMAGE_LABELS.port]);
    return Number.isInteger(label) && label > 0 ? label : DEFAULT_SERVER_PORT;
  }

  /** Records an event of the container and wakes the streams that follow. */
  private emit(c: FakeContainer, action: ContainerEventAction, extra: { exitCode?: number; signal?: string } = {}): void {
    // Strictly increasing, as nanosecond times of one engine are in practice.
    const nowNs = BigInt(Date.now()) * 1_000_000n;
    this.lastCursor = nowNs > this.lastCursor ? nowNs : this.lastCursor + 1n;
    this.past.push({
      action,
      containerId: c.info.id,
      labels: { ...c.info.labels },
      exitCode: extra.exitCode ?? null,
      signal: extra.signal ?? null,
      cursor: this.lastCursor.toString(),
    });
    if (this.past.length > KEPT_EVENTS) this.past.shift();
    for (const wake of [...this.followers]) wake();
  }

  private async halt(c: FakeContainer, exitCode: number): Promise<void> {
    if (c.exit) clearTimeout(c.exit);
    c.exit = null;
    if (c.info.state === 'running') {
      c.info.state = 'exited';
      c.info.exitCode = exitCode;
      c.info.endpoint = null;
      this.emit(c, 'die', { exitCode });
    }
    const server = c.server;
    c.server = null;
    if (server) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  }

  /** The container by id or by name, as the engine takes either. */
  private find(idOrName: string): [string, FakeContainer] | undefined {
    const byId = this.containers.get(idOrName);
    if (byId) return [idOrName, byId];
    return [...this.containers.entries()].find(([, c]) => c.info.name === idOrName);
  }

  private mustGet(id: string): FakeContainer {
    const c = this.find(id);
    if (!c) throw new RuntimeError('not_found', `no such container: ${id}`);
    return c[1];
  }

  private check(): void {
    if (this.down) throw new RuntimeError('unavailable', 'the fake engine is down');
  }
}

/** `promise`, or the signal's reason as soon as it aborts, as an engine gives up a pull. */
function orAbort<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      reject,
    );
  });
}

function copy(info: ContainerInfo): ContainerInfo {
  return { ...info, labels: { ...info.labels }, endpoint: info.endpoint && { ...info.endpoint } };
}

/**
 * Where the fake publishes: the spec's address when it is a loopback one (the hub's own machine
 * publishes on 127.0.0.2), else 127.0.0.1, the one address the fake can always listen on.
 */
function loopback(address: string): string {
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(address) ? address : '127.0.0.1';
}
