/**
 * An in-memory runtime for unit tests of the domain core. Each "running" container is a tiny
 * HTTP server on loopback, so readiness and routing are exercised for real.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  RuntimeError,
  type ContainerInfo,
  type ContainerSpec,
  type ContainerStats,
  type EngineInfo,
  type ImageInfo,
  type Job,
  type JobResult,
  type PullProgress,
  type Runtime,
} from '../types.js';

interface FakeContainer {
  info: ContainerInfo;
  spec: ContainerSpec;
  server: http.Server | null;
  logs: string;
  /** What stats() reports while it runs; tests set it with setUsage(). */
  usage: { cpuSeconds: number; memoryUsedBytes: number };
}

export interface FakeRuntimeOptions {
  images?: Record<string, Record<string, string>>;
  /** Images a pull can fetch (they become present after the pull). */
  pullable?: string[];
}

export class FakeRuntime implements Runtime {
  readonly containers = new Map<string, FakeContainer>();
  readonly images: Map<string, Record<string, string>>;
  readonly pullable: Set<string>;
  /** Set to make the engine look down. */
  down = false;
  /** Env var that, when present in a spec, makes the container exit at start (like the tiny image). */
  failEnv = 'TINY_FAIL_AT_START';
  /** Milliseconds a started server waits before it answers 200. */
  readyAfterMs = 0;
  private seq = 0;

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
    return labels ? { id: `sha256:${ref}`, labels } : null;
  }

  async pullImage(ref: string, onProgress: (p: PullProgress) => void): Promise<void> {
    this.check();
    if (!this.pullable.has(ref)) throw new RuntimeError('image_not_found', `the image ${ref} is not in any registry`);
    for (const percent of [0, 50, 100]) onProgress({ percent, status: 'Downloading' });
    this.images.set(ref, {});
  }

  async create(spec: ContainerSpec): Promise<string> {
    this.check();
    if (!this.images.has(spec.image)) throw new RuntimeError('image_not_found', `no such image: ${spec.image}`);
    if ([...this.containers.values()].some((c) => c.info.name === spec.name)) {
      throw new RuntimeError('conflict', `the name ${spec.name} is taken`);
    }
    const id = `fake${++this.seq}`;
    this.containers.set(id, {
      spec,
      server: null,
      logs: '',
      usage: { cpuSeconds: 0, memoryUsedBytes: 0 },
      info: { id, name: spec.name, image: spec.image, labels: { ...spec.labels }, state: 'created', endpoint: null, startedAt: null, exitCode: null },
    });
    return id;
  }

  async start(id: string): Promise<ContainerInfo> {
    this.check();
    const c = this.mustGet(id);
    if (c.spec.env[this.failEnv]) {
      c.info.state = 'exited';
      c.info.exitCode = 3;
      c.logs = `tiny: failing at start as asked: ${c.spec.env[this.failEnv]}\n`;
      c.info.endpoint = { host: '127.0.0.1', port: 9 };
      return { ...c.info };
    }
    const readyAt = Date.now() + this.readyAfterMs;
    c.server = http.createServer((_req, res) => {
      res.writeHead(Date.now() >= readyAt ? 200 : 503).end('{}');
    });
    await new Promise<void>((resolve) => c.server!.listen(0, '127.0.0.1', resolve));
    c.info.state = 'running';
    c.info.startedAt = new Date().toISOString();
    c.info.endpoint = { host: '127.0.0.1', port: (c.server.address() as AddressInfo).port };
    return { ...c.info };
  }

  async inspect(id: string): Promise<ContainerInfo | null> {
    this.check();
    const c = this.containers.get(id) ?? [...this.containers.values()].find((x) => x.info.name === id);
    return c ? { ...c.info } : null;
  }

  async stop(id: string): Promise<void> {
    this.check();
    const c = this.containers.get(id);
    if (!c) return;
    await this.halt(c, 0);
  }

  async remove(id: string): Promise<void> {
    this.check();
    const entry = [...this.containers.entries()].find(([key, c]) => key === id || c.info.name === id);
    if (!entry) return;
    await this.halt(entry[1], 137);
    this.containers.delete(entry[0]);
  }

  async list(labels: Record<string, string>): Promise<ContainerInfo[]> {
    this.check();
    return [...this.containers.values()]
      .filter((c) => Object.entries(labels).every(([k, v]) => c.info.labels[k] === v))
      .map((c) => ({ ...c.info }));
  }

  async logs(id: string): Promise<string> {
    this.check();
    return this.containers.get(id)?.logs ?? '';
  }

  async stats(id: string): Promise<ContainerStats | null> {
    this.check();
    const c = this.containers.get(id);
    if (!c || c.info.state !== 'running') return null;
    return { ...c.usage, at: new Date().toISOString() };
  }

  /** Sets what a container uses from now on (CPU time is cumulative, as an engine reports it). */
  setUsage(id: string, usage: { cpuSeconds: number; memoryUsedBytes: number }): void {
    this.mustGet(id).usage = { ...usage };
  }

  /** What runJob answers; by default a job fails as it would on an engine without the image. */
  jobResult: (job: Job) => JobResult = (job) => {
    throw new RuntimeError('image_not_found', `the image ${job.image} is not on this machine`);
  };

  async runJob(job: Job): Promise<JobResult> {
    this.check();
    return this.jobResult(job);
  }

  /** Simulates a container dying on its own (OOM, crash). */
  async crash(id: string, exitCode = 137): Promise<void> {
    await this.halt(this.mustGet(id), exitCode);
  }

  async closeAll(): Promise<void> {
    for (const c of this.containers.values()) await this.halt(c, 0);
  }

  private async halt(c: FakeContainer, exitCode: number): Promise<void> {
    if (c.server) {
      c.server.closeAllConnections();
      await new Promise((resolve) => c.server!.close(resolve));
      c.server = null;
    }
    if (c.info.state === 'running') {
      c.info.state = 'exited';
      c.info.exitCode = exitCode;
      c.info.endpoint = null;
    }
  }

  private mustGet(id: string): FakeContainer {
    const c = this.containers.get(id);
    if (!c) throw new RuntimeError('not_found', `no such container: ${id}`);
    return c;
  }

  private check(): void {
    if (this.down) throw new RuntimeError('unavailable', 'the fake engine is down');
  }
}
