/**
 * The Runtime contract on a Docker Engine, through dockerode. Every call but a pull has a
 * deadline, so a hung engine fails a launch with "does not answer" instead of hanging it, and
 * every error leaves as a classified RuntimeError (see errors.ts).
 */
import Docker from 'dockerode';
import type {
  ContainerEvent,
  ContainerInfo,
  ContainerSpec,
  EventQuery,
  ExecProcess,
  ExecSpec,
  ContainerStats,
  EngineInfo,
  CommitOptions,
  ImageInfo,
  Job,
  JobResult,
  LocalImage,
  PullProgress,
  RegistryCredentials,
  Runtime,
} from '../types.js';
import { LABELS, missingMountMessage, RuntimeError } from '../types.js';
import { assertNoEngineSocket, assertSafeMounts, bindMount, createOptions, demuxLogs, infoFromInspect, infoFromListEntry } from './containers.js';
import { parseEngineUrl, type EngineSsh, type EngineTls } from './engine-url.js';
import { DEFAULT_SANDBOX_NETWORK, networkCreateOptions, unsuitableBecause, type InspectedNetwork, type SandboxNetwork } from './sandbox-network.js';
import { statsFromEngine, type EngineStats } from './stats.js';
import {
  classifyEngineError,
  classifyPullError,
  classifyRegistryFailure,
  engineMessage,
  engineStatus,
  missingBindSource,
  unavailableError,
  type ErrorContext,
} from './errors.js';
import { eventsOptions, readEvents } from './events.js';
import { startExec } from './exec.js';
import { PullProgressTracker, throttledReporter, type PullEvent } from './pull-progress.js';
import { commitContainer, followToEnd, imageConfigOf, PushProgressTracker } from './image-making.js';

export const DEFAULT_ENGINE_TIMEOUT_MS = 30_000;
/** Extra time for a commit or a flatten, which read a whole filesystem (10 minutes: 15 GB at 25 MB/s). */
const FLATTEN_MS = 600_000;

export interface DockerRuntimeOptions {
  /** Engine address as DOCKER_HOST takes it; default DOCKER_HOST, then the local socket. */
  url?: string;
  /** PEM files for a `tcp://` engine behind TLS. */
  tls?: EngineTls;
  /** Key and pinned host key for an `ssh://` engine. */
  ssh?: EngineSsh;
  /** Deadline of each engine call except pulls (default 30 s). */
  timeoutMs?: number;
  /** A ready client instead of `url`/`tls` (tests, or a caller that builds its own). */
  docker?: Docker;
  /** How messages name the engine when `docker` is given. */
  address?: string;
  /** The network sandboxes run on (see sandbox-network.ts); default shiva-sandboxes on a bridge of that name. */
  sandboxNetwork?: SandboxNetwork;
}

type Call<T> = (signal: AbortSignal) => Promise<T>;

export class DockerRuntime implements Runtime {
  readonly address: string;
  /** Reached over plain TCP on another host (see EngineEndpoint). */
  readonly plainRemote: boolean;
  private readonly docker: Docker;
  private readonly timeoutMs: number;
  /** The engine's socket on this host, never to be mounted into a sandbox. */
  private readonly engineSockets: string[];
  readonly sandboxNetwork: SandboxNetwork;
  /** The network check under way, shared by concurrent launches so that only one creates it. */
  private networkReady: Promise<void> | null = null;

  constructor(options: DockerRuntimeOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_ENGINE_TIMEOUT_MS;
    this.sandboxNetwork = options.sandboxNetwork ?? DEFAULT_SANDBOX_NETWORK;
    if (options.docker) {
      this.docker = options.docker;
      this.address = options.address ?? 'the injected engine';
      this.plainRemote = false;
      this.engineSockets = [];
    } else {
      const endpoint = parseEngineUrl(options.url, options.tls, process.env, options.ssh);
      this.docker = new Docker(endpoint.options);
      this.address = endpoint.address;
      this.plainRemote = endpoint.plainRemote;
      this.engineSockets = endpoint.socketPath ? [endpoint.socketPath] : [];
    }
  }

  async info(): Promise<EngineInfo> {
    // dockerode's info() honours abortSignal; its type definitions do not declare the option.
    const info = this.docker.info.bind(this.docker) as (opts: { abortSignal: AbortSignal }) => Promise<unknown>;
    const data = (await this.call('read its facts', (abortSignal) => info({ abortSignal }), {})) as {
      Name?: string;
      ServerVersion?: string;
      NCPU?: number;
      MemTotal?: number;
      OperatingSystem?: string;
      Runtimes?: Record<string, unknown>;
    };
    return {
      name: data.Name ?? '',
      version: data.ServerVersion ?? '',
      cpus: data.NCPU ?? 0,
      memoryBytes: data.MemTotal ?? 0,
      operatingSystem: data.OperatingSystem ?? '',
      runtimes: Object.keys(data.Runtimes ?? {}),
    };
  }

  async inspectImage(ref: string): Promise<ImageInfo | null> {
    try {
      const data = await this.call(
        `inspect the image ${ref}`,
        // dockerode cannot abort an image inspect; the deadline's race still returns in time.
        () => this.docker.getImage(ref).inspect(),
        { notFound: 'image_not_found', subject: ref },
      );
      return { id: data.Id, labels: { ...(data.Config?.Labels ?? {}) }, config: imageConfigOf(data.Config), layers: data.RootFS?.Layers?.length ?? 0 };
    } catch (err) {
      if (err instanceof RuntimeError && err.kind === 'image_not_found') return null;
      throw err;
    }
  }

  /**
   * Pulls `ref` with progress. No deadline (a large image on a slow link takes what it takes);
   * `signal` is the way to give up, and rejects with the signal's reason.
   */
  async pullImage(ref: string, onProgress: (p: PullProgress) => void, signal?: AbortSignal, credentials?: RegistryCredentials): Promise<void> {
    signal?.throwIfAborted();
    const fail = (err: unknown): RuntimeError => classifyPullError(err, ref, this.address);
    let stream: NodeJS.ReadableStream;
    try {
      // dockerode sends authconfig as X-Registry-Auth; the engine passes it to the registry only.
      stream = await this.docker.pull(ref, { ...(signal ? { abortSignal: signal } : {}), ...(credentials ? { authconfig: { ...credentials } } : {}) });
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      throw fail(err);
    }
    const reporter = throttledReporter(new PullProgressTracker(), onProgress);
    await new Promise<void>((resolve, reject) => {
      let settled = false;
      const settle = (err?: unknown): void => {
        if (settled) return;
        settled = true;
        signal?.removeEventListener('abort', onAbort);
        if (err === undefined) resolve();
        else reject(err);
      };
      const onAbort = (): void => {
        // Closing our side of the stream makes the engine cancel the pull.
        destroy(stream);
        settle(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.docker.modem.followProgress(
        stream,
        (err) => {
          // An aborted request can end as a plain 'close'; that is not a finished pull.
          if (signal?.aborted) settle(signal.reason);
          else if (err) settle(fail(err));
          else settle();
        },
        (event: PullEvent) => {
          if (settled) return;
          // The engine reports registry failures inside a 200 stream, as an event with `error`.
          if (event.error || event.errorDetail?.message) {
            destroy(stream);
            settle(classifyRegistryFailure(event.errorDetail?.message ?? event.error ?? '', null, ref, event));
            return;
          }
          try {
            reporter.event(event);
          } catch (err) {
            destroy(stream);
            settle(err);
          }
        },
      );
    });
    reporter.flush();
  }

  async commit(id: string, options: CommitOptions): Promise<ImageInfo> {
    await commitContainer({ docker: this.docker, call: (what, run, context, extraMs) => this.call(what, run, context, extraMs), flattenMs: FLATTEN_MS }, id, options);
    const made = await this.inspectImage(options.ref);
    if (made === null) throw new RuntimeError('failed', `the image ${options.ref} was made but the engine does not find it`);
    return made;
  }

  /**
   * Pushes `ref` with progress. No deadline, as a pull; `signal` is the way to give up. The
   * registry's refusal (no such repository, denied, full disk) comes back as failed with its reason.
   */
  async pushImage(ref: string, onProgress: (p: PullProgress) => void, signal?: AbortSignal, credentials?: RegistryCredentials): Promise<void> {
    signal?.throwIfAborted();
    const tracker = new PushProgressTracker();
    let last = 0;
    let stream: NodeJS.ReadableStream;
    try {
      // An empty authconfig still makes dockerode send X-Registry-Auth, which a push requires.
      stream = await this.docker.getImage(ref).push({ ...(signal ? { abortSignal: signal } : {}), authconfig: credentials ? { ...credentials } : {} });
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      throw classifyEngineError(err, { address: this.address, notFound: 'image_not_found', subject: ref });
    }
    const onAbort = (): void => destroy(stream);
    signal?.addEventListener('abort', onAbort, { once: true });
    let digest: string | undefined;
    try {
      await followToEnd(this.docker, stream, (event) => {
        if (event.aux?.Digest) digest = event.aux.Digest;
        tracker.feed(event);
        if (Date.now() - last < 200) return;
        last = Date.now();
        onProgress(tracker.progress());
      });
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      // The registry's and the engine's words (addresses, "dial tcp …") go to the log, not to users.
      throw err instanceof RuntimeError ? new RuntimeError('failed', `pushing ${ref} failed: ${err.message}`, { cause: err }) : classifyEngineError(err, { address: this.address, subject: ref });
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
    // A stream closed by the abort ends like a finished one; only the registry's digest says it finished.
    if (signal?.aborted) throw signal.reason;
    if (digest === undefined) throw new RuntimeError('failed', `pushing ${ref} ended without the registry's digest`);
    onProgress({ percent: 100, status: 'pushed' });
  }

  async removeImage(ref: string): Promise<void> {
    try {
      await this.call(`remove the image ${ref}`, () => this.docker.getImage(ref).remove(), { notFound: 'image_not_found', subject: ref });
    } catch (err) {
      if (err instanceof RuntimeError && err.kind === 'image_not_found') return;
      throw err;
    }
  }

  /**
   * Makes the sandbox network when the engine lacks it and checks it when it has it; throws
   * RuntimeError('failed') naming the network when one of that name is unfit (see
   * unsuitableBecause). Checked before every create: `docker network prune` removes it whenever
   * no sandbox runs, and an inspect costs a millisecond.
   */
  ensureSandboxNetwork(): Promise<void> {
    this.networkReady ??= this.checkSandboxNetwork().finally(() => (this.networkReady = null));
    return this.networkReady;
  }

  private async checkSandboxNetwork(): Promise<void> {
    const { name } = this.sandboxNetwork;
    const inspect = async (): Promise<InspectedNetwork | null> => {
      try {
        return (await this.call(`inspect the network ${name}`, () => this.docker.getNetwork(name).inspect(), {
          subject: name,
        })) as InspectedNetwork;
      } catch (err) {
        if (err instanceof RuntimeError && err.kind === 'not_found') return null;
        throw err;
      }
    };
    let found = await inspect();
    if (!found) {
      try {
        await this.call(`create the network ${name}`, (abortSignal) => this.docker.createNetwork({ ...networkCreateOptions(this.sandboxNetwork), abortSignal }), {});
      } catch (err) {
        // Another hub on this engine made it in the meantime: theirs is as good as ours.
        found = await inspect();
        if (!found) throw err;
      }
      found ??= await inspect();
    }
    const unfit = found ? unsuitableBecause(found, this.sandboxNetwork) : 'it vanished as it was made';
    if (unfit) {
      throw new RuntimeError('failed', `the network ${name} on ${this.address} cannot carry sandboxes: ${unfit}; remove it (docker network rm ${name}) or set sandboxes.network to another name`);
    }
  }

  async create(spec: ContainerSpec): Promise<string> {
    assertNoEngineSocket(spec, this.engineSockets);
    await this.ensureSandboxNetwork();
    try {
      const container = await this.call(
        `create ${spec.name}`,
        (abortSignal) => this.docker.createContainer({ ...createOptions(spec, this.sandboxNetwork.name), abortSignal }),
        { notFound: 'image_not_found', subject: spec.image },
      );
      return container.id;
    } catch (err) {
      if (err instanceof RuntimeError && err.kind === 'conflict') {
        throw new RuntimeError('conflict', `a container named ${spec.name} exists already`, { cause: err.cause });
      }
      throw missingMountError(spec, err) ?? err;
    }
  }

  async start(id: string): Promise<ContainerInfo> {
    try {
      await this.call(`start ${id}`, (abortSignal) => this.docker.getContainer(id).start({ abortSignal }), {
        subject: id,
      });
    } catch (err) {
      // 304: started already, which is what the caller wants.
      if (engineStatus((err as RuntimeError).cause) !== 304) throw err;
    }
    const info = await this.inspect(id);
    if (!info) throw new RuntimeError('not_found', `the container ${id} vanished as it started`);
    return info;
  }

  async inspect(id: string): Promise<ContainerInfo | null> {
    try {
      const data = await this.call(
        `inspect ${id}`,
        (abortSignal) => this.docker.getContainer(id).inspect({ abortSignal }),
        { subject: id },
      );
      return infoFromInspect(data);
    } catch (err) {
      if (err instanceof RuntimeError && err.kind === 'not_found') return null;
      throw err;
    }
  }

  async stop(id: string, timeoutSeconds: number): Promise<void> {
    const t = Math.max(0, Math.ceil(timeoutSeconds));
    try {
      // The engine waits up to `t` seconds before it kills, so our deadline waits for it too.
      await this.call(`stop ${id}`, (abortSignal) => this.docker.getContainer(id).stop({ t, abortSignal }), {
        subject: id,
      }, t * 1000);
    } catch (err) {
      const status = engineStatus((err as RuntimeError).cause);
      // 304: not running; 404: gone. Either way it is stopped.
      if (status !== 304 && status !== 404) throw err;
    }
  }

  async remove(id: string): Promise<void> {
    try {
      await this.call(
        `remove ${id}`,
        (abortSignal) => this.docker.getContainer(id).remove({ force: true, v: false, abortSignal }),
        { subject: id },
      );
    } catch (err) {
      const cause = (err as RuntimeError).cause;
      const status = engineStatus(cause);
      if (status === 404) return;
      // Two removers racing (reconciler and a user's stop): the other one is doing our job.
      if (status === 409 && /already in progress/i.test(engineMessage(cause))) return;
      throw err;
    }
  }

  async exec(id: string, spec: ExecSpec): Promise<ExecProcess> {
    return this.call(`exec ${spec.command[0] ?? ''} in ${id}`, (abortSignal) => startExec(this.docker, id, spec, abortSignal), { notFound: 'not_found', subject: id });
  }

  async list(labels: Record<string, string>): Promise<ContainerInfo[]> {
    const filters = { label: Object.entries(labels).map(([key, value]) => `${key}=${value}`) };
    const entries = await this.call(
      'list containers',
      (abortSignal) => this.docker.listContainers({ all: true, filters, abortSignal }),
      {},
    );
    return entries.map(infoFromListEntry);
  }

  async logs(id: string, lines: number): Promise<string> {
    const tail = Math.max(0, Math.floor(lines));
    const raw: unknown = await this.call(
      `read the logs of ${id}`,
      (abortSignal) =>
        this.docker.getContainer(id).logs({ stdout: true, stderr: true, follow: false, tail, abortSignal }),
      { subject: id },
    );
    // dockerode hands back a Buffer, unless the text happened to parse as JSON (possible only
    // for a TTY container, whose logs are not framed).
    if (Buffer.isBuffer(raw)) return demuxLogs(raw);
    return typeof raw === 'string' ? raw : JSON.stringify(raw);
  }

  async runJob(job: Job): Promise<JobResult> {
    assertSafeMounts(`run the job ${job.name}`, (job.mounts ?? []).map((m) => ({ what: 'the mount', ...m })), this.engineSockets);
    await this.removeFinishedJobs(job.name);
    const created = await this.call(
      `create a job from ${job.image}`,
      (abortSignal) =>
        this.docker.createContainer({
          Image: job.image,
          Cmd: job.command,
          Labels: { [LABELS.job]: job.name },
          Env: Object.entries(job.env ?? {}).map(([key, value]) => `${key}=${value}`),
          ...(job.user ? { User: job.user } : {}),
          NetworkDisabled: true,
          HostConfig: {
            NetworkMode: 'none',
            CapDrop: ['ALL'],
            ...(job.capabilities?.length ? { CapAdd: [...job.capabilities] } : {}),
            ...(job.mounts?.length ? { Mounts: job.mounts.map(bindMount) } : {}),
            SecurityOpt: ['no-new-privileges'],
            Memory: 256 * 1024 * 1024,
            PidsLimit: 64,
            LogConfig: { Type: 'json-file', Config: { 'max-size': '1m' } },
            ...(job.allGpus ? { DeviceRequests: [{ Driver: 'nvidia', Count: -1, Capabilities: [['gpu', 'utility']] }] } : {}),
          },
          abortSignal,
        }),
      { notFound: 'image_not_found', subject: job.image },
    );
    try {
      await this.call(`start the job ${created.id}`, (abortSignal) => this.docker.getContainer(created.id).start({ abortSignal }), {});
      const waited = (await this.call(
        `wait for the job ${created.id}`,
        (abortSignal) => this.docker.getContainer(created.id).wait({ abortSignal }),
        {},
        job.timeoutMs,
      )) as { StatusCode?: number };
      return { exitCode: waited.StatusCode ?? -1, output: await this.logs(created.id, 10_000) };
    } finally {
      await this.remove(created.id).catch(() => undefined);
    }
  }

  /**
   * A hub killed while a job ran never removed its container: the next run of the same job
   * removes the finished ones. Running ones may belong to another hub on this engine.
   */
  private async removeFinishedJobs(name: string): Promise<void> {
    const filters = { label: [`${LABELS.job}=${name}`], status: ['exited', 'dead', 'created'] };
    const left = await this.call('list finished jobs', (abortSignal) => this.docker.listContainers({ all: true, filters, abortSignal }), {});
    await Promise.all(left.map((c) => this.remove(c.Id).catch(() => undefined)));
  }

  async stats(id: string): Promise<ContainerStats | null> {
    try {
      const data = await this.call(
        `read the stats of ${id}`,
        // dockerode passes abortSignal on; its type definitions do not declare the option.
        (abortSignal) => this.docker.getContainer(id).stats({ stream: false, 'one-shot': true, abortSignal } as { stream: false }),
        { subject: id },
      );
      return statsFromEngine(data as EngineStats);
    } catch (err) {
      if (err instanceof RuntimeError && err.kind === 'not_found') return null;
      throw err;
    }
  }

  /**
   * The engine's container events (events.ts). Opening the stream has the usual deadline; once
   * open it lasts until the engine closes it or the query's signal aborts.
   */
  async *events(query: EventQuery): AsyncGenerator<ContainerEvent> {
    if (query.signal.aborted) return;
    let stream: NodeJS.ReadableStream;
    try {
      stream = await this.call(
        'follow container events',
        // The engine takes since and until with a nanosecond fraction, which dockerode's types
        // (numbers) do not declare; it passes abortSignal on, which they do not declare either.
        (abortSignal) =>
          (this.docker.getEvents.bind(this.docker) as (opts: object) => Promise<NodeJS.ReadableStream>)({
            ...eventsOptions(query),
            abortSignal: AbortSignal.any([query.signal, abortSignal]),
          }),
        {},
      );
    } catch (err) {
      if (query.signal.aborted) return;
      throw err;
    }
    yield* readEvents(stream, query.since, query.signal);
  }

  async listImages(): Promise<LocalImage[]> {
    const entries = await this.call('list images', (abortSignal) => this.docker.listImages({ abortSignal }), {});
    return entries.map(localImageOf);
  }

  /**
   * Runs one engine call under the deadline; classifies what it throws. The abort stops the
   * HTTP request; the race makes sure we return even if a call ignores the signal.
   */
  private async call<T>(what: string, run: Call<T>, context: Omit<ErrorContext, 'address'>, extraMs = 0): Promise<T> {
    const controller = new AbortController();
    const limitMs = this.timeoutMs + extraMs;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        controller.abort();
        reject(unavailableError(this.address, `no answer within ${formatSeconds(limitMs)} to "${what}"`));
      }, limitMs);
    });
    try {
      return await Promise.race([run(controller.signal), deadline]);
    } catch (err) {
      throw classifyEngineError(err, { ...context, address: this.address });
    } finally {
      clearTimeout(timer);
    }
  }
}

/**
 * A plain error naming the spec's mount whose host folder the engine found missing (the host path
 * is for admins and the log: the user reads what the mount is), or null for any other failure.
 */
function missingMountError(spec: ContainerSpec, err: unknown): RuntimeError | null {
  if (!(err instanceof RuntimeError)) return null;
  const source = missingBindSource(err.cause);
  const mount = source === null ? undefined : spec.mounts?.find((m) => m.hostPath === source || m.hostPath.replace(/\/+$/, '') === source);
  if (!mount) return null;
  return new RuntimeError('failed', missingMountMessage(mount), { cause: err.cause, plain: true });
}

/** An entry of the engine's image list; `<none>` names (an untagged or dangling image) are left out. */
function localImageOf(entry: Docker.ImageInfo): LocalImage {
  const named = (names: string[] | undefined | null) => (names ?? []).filter((n) => !n.startsWith('<none>'));
  return {
    id: entry.Id,
    tags: named(entry.RepoTags),
    digests: named(entry.RepoDigests),
    createdAt: typeof entry.Created === 'number' && entry.Created > 0 ? new Date(entry.Created * 1000).toISOString() : null,
    sizeBytes: entry.Size,
  };
}

function destroy(stream: NodeJS.ReadableStream): void {
  (stream as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}
