/**
 * The Runtime contract: what the sandboxes service needs from a kind of machine. `docker/`
 * implements it on a Docker Engine; `fake/` implements it in memory for unit tests of the core.
 * A runtime knows containers and images, nothing of users, HTTP routes or the database.
 */
import type { ExecProcess, ExecSpec } from './exec.js';

/** Labels every container of Shiva carries; a hub only touches containers with its own deployment. */
export const LABELS = {
  deployment: 'org.shiva.deployment',
  sandbox: 'org.shiva.sandbox',
  user: 'org.shiva.user',
  name: 'org.shiva.name',
  /** On the throwaway containers of Runtime.runJob, naming the job. */
  job: 'org.shiva.job',
} as const;

/** Image labels by which an image tells the hub how to run it (see images/). */
export const IMAGE_LABELS = {
  port: 'org.shiva.port',
  home: 'org.shiva.home',
  /** No longer read: sandboxes run as their owner's uid (docs/configuration.md, images). */
  uid: 'org.shiva.uid',
} as const;

export interface ContainerSpec {
  /** The container's name on the engine; unique, so a retried create cannot make a twin. */
  name: string;
  image: string;
  env: Record<string, string>;
  labels: Record<string, string>;
  /** The port the sandbox's server listens on inside the container. */
  port: number;
  /** The host address the port is published on (loopback for the hub's own machine). */
  publishAddress: string;
  /** The CPU limit (Docker's NanoCpus): what the sandbox may burst to. */
  cpus: number;
  /** The CPU request: its weight under contention (Docker's CpuShares, 1024 per CPU). */
  cpuRequest: number;
  memoryBytes: number;
  /** The size of its /dev/shm in bytes (Docker's ShmSize), within `memoryBytes`. */
  shmBytes: number;
  pidsLimit: number;
  /** Host directory mounted read-write at `containerPath`. */
  home: { hostPath: string; containerPath: string };
  /** Numeric uid:gid the sandbox runs as: its owner's. */
  user: string;
  /**
   * Whether the sandbox's user may become root inside it with the image's sudo: the container
   * keeps SUDO_CAPABILITIES and runs without no-new-privileges (which would stop setuid sudo).
   */
  sudo?: boolean;
  /** The GPUs the scheduler gave this sandbox, by id; none when absent. */
  gpus?: GpuAssignment;
  /** Further host folders (shared datasets), each of which must exist on the machine; none when absent. */
  mounts?: Mount[];
}

/**
 * How a container is given its GPUs, always by id so that two sandboxes never get the same one
 * by accident of counting:
 * - `deviceRequests`: Docker's DeviceRequests with the nvidia driver and DeviceIDs (what the
 *   NVIDIA Container Toolkit serves; ids are UUIDs or indexes);
 * - `cdi`: fully qualified CDI device names such as nvidia.com/gpu=GPU-…;
 * - `devices`: plain passthrough of device nodes (/dev/nvidiaN, nvidiactl, nvidia-uvm) with the
 *   driver's user-space files mounted read-only, as nvidia-docker 1.0 did, for engines without
 *   the toolkit.
 */
export type GpuAssignment =
  | { mode: 'deviceRequests'; ids: string[] }
  | { mode: 'cdi'; devices: string[] }
  | { mode: 'devices'; devices: Array<{ hostPath: string; containerPath: string }>; readOnlyMounts: string[] };

/**
 * A host directory (or file) bound into a container. The host path must exist on the machine:
 * a runtime never makes a missing one (Docker's `Binds` would make an empty root-owned folder,
 * which is how a machine without the shared homes would silently give users an empty home).
 */
export interface Mount {
  /** Absolute path on the machine the container runs on. */
  hostPath: string;
  /** Absolute path inside the container. */
  containerPath: string;
  readOnly: boolean;
  /**
   * What the mount is, in words for users ("the dataset imagenet"): a missing host folder is
   * reported under this name, since the host path itself is for admins only.
   */
  what?: string;
}

/**
 * What every runtime says, as a plain RuntimeError, when a mount's host folder is missing on the
 * machine: the mount by what it is, never its host path (which is for admins and the log).
 */
export function missingMountMessage(mount: Pick<Mount, 'what'>): string {
  return `${mount.what ?? 'a folder to mount'} is missing on this machine (its folder does not exist here)`;
}

/**
 * The Linux capabilities a job may get back after all are dropped (capabilities(7)): what making
 * and handing over a user's home needs, and nothing that reaches beyond the mounted folders.
 */
export type JobCapability = 'CHOWN' | 'DAC_OVERRIDE' | 'DAC_READ_SEARCH' | 'FOWNER';

/**
 * What a sudo sandbox keeps of Docker's default capability set (capabilities(7)); a process of
 * the sandbox's own uid holds none of them, only what sudo starts as root does:
 * - SETUID, SETGID: sudo becomes root; apt drops to its _apt user to download.
 * - CHOWN, FOWNER, FSETID: dpkg gives unpacked files their owners, modes (setgid ones too) and times.
 * - DAC_OVERRIDE: root writes where the modes say only the owner may (apt's lists, dpkg's database).
 * - SETFCAP: packages whose scripts set file capabilities (setcap), never beyond this set.
 * - KILL: root signals the user's processes (`sudo kill`), and sudo relays signals to its command.
 * - AUDIT_WRITE: sudo writes its audit record and refuses to run when it cannot.
 * Left out of Docker's default: NET_RAW (raw packets on the sandbox network), MKNOD, SYS_CHROOT,
 * SETPCAP and NET_BIND_SERVICE, which neither apt nor sudo needs.
 */
export const SUDO_CAPABILITIES = ['AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'SETFCAP', 'SETGID', 'SETUID'] as const;

/** A short command run to completion in a throwaway container (reading a machine's GPUs, say). */
export interface Job {
  /** What the job is, for its container's label (so an operator can tell what it was). */
  name: string;
  image: string;
  command: string[];
  env?: Record<string, string>;
  /** Every GPU of the machine with the driver's utilities, as `docker run --gpus all` gives them. */
  allGpus?: boolean;
  /** Host folders the job sees (making homes, measuring them); a missing host path fails the job. */
  mounts?: Mount[];
  /** `uid:gid` the job runs as; the image's user when absent. */
  user?: string;
  /** Capabilities given back after dropping all; none when absent. */
  capabilities?: JobCapability[];
  timeoutMs: number;
}

export interface JobResult {
  exitCode: number;
  /** stdout and stderr, interleaved. */
  output: string;
}

export type ContainerState = 'created' | 'running' | 'paused' | 'restarting' | 'removing' | 'exited' | 'dead';

export interface ContainerInfo {
  id: string;
  name: string;
  image: string;
  labels: Record<string, string>;
  state: ContainerState;
  /** Where the sandbox's port is reachable from the hub, once running. */
  endpoint: { host: string; port: number } | null;
  startedAt: string | null;
  exitCode: number | null;
  /**
   * Whether the kernel killed a process of the container for memory (Docker's State.OOMKilled),
   * as an inspect reads it; absent from a list's entries. Lost once the container is removed.
   */
  oomKilled?: boolean;
}

/**
 * What a container went through, as the engine announces it (Docker's container events):
 * - `oom`: the kernel killed one of its processes for memory; the container may live on (a
 *   Jupyter kernel dies and is restarted) or die next;
 * - `kill`: a signal was sent to it (`docker kill`, `docker stop`, `docker rm -f`, or a runtime's own stop);
 * - `die`: its main process ended; `exitCode` says how;
 * - `stop`: a `docker stop` finished;
 * - `destroy`: it was removed.
 */
export type ContainerEventAction = 'oom' | 'kill' | 'die' | 'stop' | 'destroy';

/** One engine event of a container, with a cursor to resume after it. */
export interface ContainerEvent {
  action: ContainerEventAction;
  containerId: string;
  /** The container's labels as the event carries them (all of them, on Docker). */
  labels: Record<string, string>;
  /** `die`: the main process's exit status; otherwise null. */
  exitCode: number | null;
  /** `kill`: the signal by name or number as the engine gives it ("9", "SIGTERM"); otherwise null. */
  signal: string | null;
  /** When it happened, nanoseconds since the epoch as a decimal string: the cursor of `events`. */
  cursor: string;
}

/** What `Runtime.events` asks for. */
export interface EventQuery {
  /** Only containers carrying all these labels. */
  labels: Record<string, string>;
  /** Events after this cursor (exclusive); from now when null. */
  since: string | null;
  /** With a cursor (or `'now'`): the events up to then, after which the stream ends; none: it follows on. */
  until?: string | 'now';
  /** Ends the stream (the iteration then finishes without error). */
  signal: AbortSignal;
}

export interface ImageInfo {
  id: string;
  labels: Record<string, string>;
  /** How it runs (environment, command, user, labels): what a saved environment keeps of its base. */
  config: ImageConfig;
  /** Its filesystem layers: the overlay filesystem mounts at most 127 (Docker's overlay2 driver). */
  layers: number;
}

/**
 * How an image runs: the `config` of the OCI image configuration (image-spec `config.md`), in
 * Docker's terms. `env` is `KEY=value` strings; `exposedPorts` are `8888/tcp`.
 */
export interface ImageConfig {
  env: string[];
  cmd: string[] | null;
  entrypoint: string[] | null;
  workingDir: string;
  user: string;
  exposedPorts: string[];
  labels: Record<string, string>;
}

/** What RuntimeImages.commit makes of a container. */
export interface CommitOptions {
  /** The reference the image gets (`registry/repository:tag`). */
  ref: string;
  /**
   * Its configuration, exactly: nothing of the container's own (its environment with the
   * sandbox's secret, its labels) is merged in, which a plain `docker commit` does.
   */
  config: ImageConfig;
  /** Pause the container while its filesystem is read (consistent, but its processes stop meanwhile). */
  pause: boolean;
  /**
   * One layer of the whole filesystem instead of one layer on top of the image's: for an image
   * near the overlay filesystem's limit of layers (export and import, which reads every byte).
   */
  flatten: boolean;
}

export interface PullProgress {
  /** 0-100 when the engine reports sizes, else null. */
  percent: number | null;
  status: string;
  /**
   * Compressed bytes downloaded so far and, once the engine has named any layer's size, the sum
   * of the sizes it has named (it names a layer's size when its download starts, so the total
   * grows during a pull); absent when the runtime does not count bytes.
   */
  bytes?: { done: number; total: number | null };
}

/**
 * An image the engine holds, as its image list gives it: what the machines page shows of each
 * catalogue image, and how a pre-pull knows what a machine lacks.
 */
export interface LocalImage {
  /** The engine's id of the image (its config digest on Docker). */
  id: string;
  /** `repository:tag` names, as the engine gives them (Docker.io's short forms: `python:3`, `jupyter/base:x`). */
  tags: string[];
  /** `repository@digest` names of the manifests it was pulled by or pushed as. */
  digests: string[];
  /** When the image was built (its config's creation time); null when the engine does not say. */
  createdAt: string | null;
  /** Its size unpacked on the machine, in bytes. */
  sizeBytes: number;
}

export interface EngineInfo {
  name: string;
  version: string;
  cpus: number;
  memoryBytes: number;
  operatingSystem: string;
  runtimes: string[];
}

/** One reading of what a container uses; the caller makes rates from successive readings. */
export interface ContainerStats {
  /** CPU time the container has used since it started, in seconds; null when the engine does not say. */
  cpuSeconds: number | null;
  /** Memory in use less the file cache the kernel can drop, as `docker stats` counts it; null when unknown. */
  memoryUsedBytes: number | null;
  /** When the engine took the reading. */
  at: string;
}

export type RuntimeErrorKind =
  /** The engine cannot be reached or is not answering. */
  | 'unavailable'
  /** The image is neither present nor pullable. */
  | 'image_not_found'
  /** The container does not exist (any more). */
  | 'not_found'
  /** A container with that name exists already. */
  | 'conflict'
  /** A host folder to mount (a home) does not exist on the machine; nothing was made there. */
  | 'mount_missing'
  /** The engine refused or failed the operation. */
  | 'failed';

/**
 * An engine error, classified so the core can tell the user what happened without a stack.
 * Its message usually carries the engine's or a library's own words, which belong in the log
 * only (DESIGN.md: no engine text reaches a user); `plain` marks the few messages written
 * here in words a user can act on (a missing NVIDIA runtime, a refused mount), which the core
 * may show as they are.
 */
export class RuntimeError extends Error {
  readonly kind: RuntimeErrorKind;
  /** Whether the message is the hub's own words, fit to show a user. */
  readonly plain: boolean;
  constructor(kind: RuntimeErrorKind, message: string, options?: { cause?: unknown; plain?: boolean }) {
    super(message, options);
    this.name = 'RuntimeError';
    this.kind = kind;
    this.plain = options?.plain ?? false;
  }
}

/**
 * Credentials for a registry that asks for them, as the engine takes them with a pull (Docker's
 * `X-Registry-Auth`: the registry's `serveraddress`, `host[:port]`, with a username and password,
 * or with a token).
 */
export type RegistryCredentials =
  | { username: string; password: string; serveraddress: string }
  /** A bearer token the hub got for one repository (Docker's AuthConfig `registrytoken`), for registries with a token service. */
  | { registrytoken: string; serveraddress: string };

export type { ExecExit, ExecProcess, ExecSpec } from './exec.js';

export interface Runtime {
  /** Engine facts; throws RuntimeError('unavailable') when the engine does not answer. */
  info(): Promise<EngineInfo>;
  /** The local image, or null when it is not present. */
  inspectImage(ref: string): Promise<ImageInfo | null>;
  /**
   * Pulls an image, reporting progress, with `credentials` for a registry that asks for them;
   * throws RuntimeError('image_not_found') when no registry has it.
   */
  pullImage(ref: string, onProgress: (p: PullProgress) => void, signal?: AbortSignal, credentials?: RegistryCredentials): Promise<void>;
  /**
   * Makes an image of the container's filesystem (its mounts, the home among them, are left out),
   * tagged `options.ref`, with exactly `options.config`; returns it. Throws not_found when the
   * container does not exist.
   */
  commit(id: string, options: CommitOptions): Promise<ImageInfo>;
  /**
   * Pushes a local image to its registry, reporting progress, with `credentials` for a registry
   * that asks for them. Throws image_not_found when the image is not local, failed with the
   * registry's reason when the registry refuses it.
   */
  pushImage(ref: string, onProgress: (p: PullProgress) => void, signal?: AbortSignal, credentials?: RegistryCredentials): Promise<void>;
  /** Removes a local image reference (the image goes with its last one); a missing one is not an error. */
  removeImage(ref: string): Promise<void>;
  /** Creates the container; throws RuntimeError('conflict') when the name is taken. Returns its id. */
  create(spec: ContainerSpec): Promise<string>;
  /** Starts a created container and returns its state with the published endpoint. */
  start(id: string): Promise<ContainerInfo>;
  /** The container, or null when it does not exist. */
  inspect(id: string): Promise<ContainerInfo | null>;
  /** Stops gracefully within `timeoutSeconds`, then kills; a missing container is not an error. */
  stop(id: string, timeoutSeconds: number): Promise<void>;
  /** Removes the container (forcefully); a missing container is not an error. */
  remove(id: string): Promise<void>;
  /**
   * Runs a process in the running container `id`, as the container's own user, with its
   * input and output connected (the SSH gateway's sessions). Throws not_found when the container
   * does not exist, conflict when it does not run.
   */
  exec(id: string, spec: ExecSpec): Promise<ExecProcess>;
  /** Every container, running or not, that carries all of these labels. */
  list(labels: Record<string, string>): Promise<ContainerInfo[]>;
  /** The last `lines` lines of the container's stdout and stderr, as text. */
  logs(id: string, lines: number): Promise<string>;
  /** Runs a job in a container without network and removes the container, whatever happens. */
  runJob(job: Job): Promise<JobResult>;
  /** What the container uses now; null when it does not exist or does not run. */
  stats(id: string): Promise<ContainerStats | null>;
  /**
   * The engine's container events, in order: those kept since `query.since`, then (without
   * `until`) the new ones as they come. The iteration ends when the engine closes the stream
   * (it restarted, say) or the signal aborts; a caller that wants more asks again from the last
   * cursor it saw. Throws RuntimeError('unavailable') when the engine does not answer.
   * An engine keeps only its recent events (Docker: the last 256 in memory, none across its own
   * restart): what fell out is the reconciler's to find.
   */
  events(query: EventQuery): AsyncIterable<ContainerEvent>;

  // Local images (the machines page and pre-pulls).
  /** Every tagged or pulled image the engine holds (no intermediate layers); one call, no per-image reads. */
  listImages(): Promise<LocalImage[]>;
}
