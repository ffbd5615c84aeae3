/**
 * The translation between the Runtime contract's shapes and the Docker Engine API's: the
 * create body that carries every limit and hardening option of DESIGN.md's security model,
 * and ContainerInfo from an inspect or a list entry. Pure functions, so each rule is testable
 * without an engine.
 */
import { posix } from 'node:path';
import type Docker from 'dockerode';
import { cpuShares } from '../../contract/resources.js';
import { RuntimeError, SUDO_CAPABILITIES, type ContainerInfo, type ContainerSpec, type ContainerState, type GpuAssignment, type Mount } from '../types.js';

/** Where Docker Engines put their socket; never mounted into a sandbox, nor any folder above it. */
export const KNOWN_ENGINE_SOCKETS = ['/var/run/docker.sock', '/run/docker.sock'];

/**
 * Throws unless `spec.home` is safe to bind: a sandbox given the engine's socket (or a folder
 * holding it) could start a privileged container and own the machine.
 */
export function assertNoEngineSocket(spec: ContainerSpec, engineSockets: readonly string[] = []): void {
  const { hostPath, containerPath } = spec.home;
  if (!posix.isAbsolute(hostPath) || !posix.isAbsolute(containerPath)) {
    throw new RuntimeError('failed', `refusing to create ${spec.name}: home paths must be absolute`, { plain: true });
  }
  assertSafeMounts(
    `create ${spec.name}`,
    [
      { what: 'the home mount', hostPath, containerPath },
      // The driver's files for GPU passthrough are host paths too, and an admin's typo could name /run.
      ...(spec.gpus?.mode === 'devices' ? spec.gpus.readOnlyMounts.map((p) => ({ what: 'the driver mount', hostPath: p, containerPath: p })) : []),
      ...(spec.mounts ?? []).map((m) => ({ what: m.what ?? 'the mount', hostPath: m.hostPath, containerPath: m.containerPath })),
    ],
    engineSockets,
  );
}

/**
 * Throws a plain RuntimeError (`refusing to <action>: …`) unless every mount's host path is
 * absolute, free of ":" (the engine's field separator in binds) and neither is nor holds an
 * engine's socket, and no path names the Docker socket.
 */
export function assertSafeMounts(
  action: string,
  mounts: ReadonlyArray<{ what: string; hostPath: string; containerPath: string }>,
  engineSockets: readonly string[] = [],
): void {
  const refuse = (why: string): never => {
    throw new RuntimeError('failed', `refusing to ${action}: ${why}`, { plain: true });
  };
  for (const mount of mounts) {
    for (const path of [mount.hostPath, mount.containerPath]) {
      if (/docker\.sock/i.test(path)) refuse(`${mount.what} ${path} names the Docker socket`);
      // A colon would be read by the engine as the separator of the bind's own fields.
      if (path.includes(':')) refuse(`${mount.what} ${path} must not contain ":"`);
    }
    if (!posix.isAbsolute(mount.hostPath)) refuse(`${mount.what} ${mount.hostPath} must be absolute`);
    if (!posix.isAbsolute(mount.containerPath)) refuse(`${mount.what} ${mount.containerPath} must be absolute inside the container`);
    const host = posix.normalize(mount.hostPath).replace(/\/+$/, '') || '/';
    for (const socket of [...KNOWN_ENGINE_SOCKETS, ...engineSockets]) {
      if (socket === host || socket.startsWith(host === '/' ? '/' : `${host}/`)) {
        refuse(`${mount.what} ${mount.hostPath} would expose the engine's socket ${socket}`);
      }
    }
  }
}

/**
 * A Mount as the engine's `HostConfig.Mounts` entry of type bind, which fails when the host path
 * is missing instead of making it (as `Binds` does).
 */
export function bindMount(mount: Mount): Docker.MountSettings {
  return { Type: 'bind', Source: mount.hostPath, Target: mount.containerPath, ReadOnly: mount.readOnly };
}

/** The body of `POST /containers/create` for a sandbox, on the Docker network named `network`. */
export function createOptions(spec: ContainerSpec, network: string): Docker.ContainerCreateOptions {
  const port = `${spec.port}/tcp`;
  return {
    name: spec.name,
    Image: spec.image,
    Env: Object.entries(spec.env).map(([key, value]) => `${key}=${value}`),
    Labels: { ...spec.labels },
    User: spec.user,
    Tty: false,
    OpenStdin: false,
    ExposedPorts: { [port]: {} },
    HostConfig: {
      // An empty HostPort lets the engine pick a free port atomically; choosing one here would race.
      PortBindings: { [port]: [{ HostIp: spec.publishAddress, HostPort: '' }] },
      // Never Docker's default bridge, where every container reaches every other (sandbox-network.ts).
      NetworkMode: network,
      NanoCpus: Math.round(spec.cpus * 1e9),
      // The request as a relative weight: when CPUs are contended, each sandbox gets time in
      // proportion to what it asked for, so a request is a guarantee (cpu.weight on cgroup v2).
      CpuShares: cpuShares(spec.cpuRequest),
      // Equal limits mean no swap beyond the memory limit: a sandbox over its limit is killed
      // rather than slowing the whole machine down by swapping.
      Memory: spec.memoryBytes,
      MemorySwap: spec.memoryBytes,
      PidsLimit: spec.pidsLimit,
      // /dev/shm: Docker's 64 MB default kills PyTorch's DataLoader workers (shared-memory.ts).
      ShmSize: spec.shmBytes,
      // Mounts, not Binds: a machine without the home (or a driver file, or a dataset) fails the
      // create instead of the engine making an empty root-owned folder there and handing the user
      // an empty home.
      Mounts: [bindMount({ ...spec.home, readOnly: false }), ...readOnlyMounts(spec.gpus).map(bindMount), ...(spec.mounts ?? []).map(bindMount)],
      ...gpuOptions(spec.gpus),
      CapDrop: ['ALL'],
      // A sudo sandbox (an image entry's opt-in) keeps what apt and sudo need, and may run setuid
      // sudo, which no-new-privileges forbids; never privileged, never the socket, same limits.
      ...(spec.sudo ? { CapAdd: [...SUDO_CAPABILITIES] } : { SecurityOpt: ['no-new-privileges'] }),
      Privileged: false,
      // The hub decides about restarts (the reconciler); an engine restarting a crashed sandbox
      // behind its back would hide the failure from the user.
      RestartPolicy: { Name: 'no' },
      // Our images bring tini as their entrypoint; a second init would only add a process.
      Init: false,
      // Sandboxes can print without end; bounded json-file logs cannot fill the engine's disk.
      LogConfig: { Type: 'json-file', Config: { 'max-size': '10m', 'max-file': '2' } },
    },
  };
}

/** The HostConfig fields that hand a container its GPUs (see GpuAssignment). */
export function gpuOptions(gpus: GpuAssignment | undefined): Pick<Docker.HostConfig, 'DeviceRequests' | 'Devices'> {
  if (!gpus) return {};
  switch (gpus.mode) {
    case 'deviceRequests':
      return gpus.ids.length === 0 ? {} : { DeviceRequests: [{ Driver: 'nvidia', DeviceIDs: gpus.ids, Capabilities: [['gpu']] }] };
    case 'cdi':
      // The engine (25 and later, with CDI enabled) resolves each name from the host's CDI specs.
      return gpus.devices.length === 0 ? {} : { DeviceRequests: [{ Driver: 'cdi', DeviceIDs: gpus.devices }] };
    case 'devices':
      return {
        Devices: gpus.devices.map((d) => ({ PathOnHost: d.hostPath, PathInContainer: d.containerPath, CgroupPermissions: 'rwm' })),
      };
  }
}

/** Checked by assertNoEngineSocket before any create. */
function readOnlyMounts(gpus: GpuAssignment | undefined): Mount[] {
  return gpus?.mode === 'devices' ? gpus.readOnlyMounts.map((path) => ({ hostPath: path, containerPath: path, readOnly: true })) : [];
}

const STATES = new Set<ContainerState>(['created', 'running', 'paused', 'restarting', 'removing', 'exited', 'dead']);

function toState(value: string | undefined): ContainerState {
  const state = (value ?? '').toLowerCase() as ContainerState;
  // Unknown future states are reported as dead: the core then treats the sandbox as gone.
  return STATES.has(state) ? state : 'dead';
}

/** 0.0.0.0 and :: mean "every address", of which loopback is the one the hub can always use. */
function reachableHost(ip: string | undefined): string {
  if (!ip || ip === '0.0.0.0') return '127.0.0.1';
  if (ip === '::') return '::1';
  return ip;
}

/** IPv4 bindings first: the engine lists a "::" twin for every 0.0.0.0 binding. */
function pickBinding<T extends { ip: string | undefined }>(bindings: T[]): T | undefined {
  return bindings.find((b) => !b.ip?.includes(':')) ?? bindings[0];
}

/** The fields of `GET /containers/{id}/json` read here. */
export interface InspectedContainer {
  Id: string;
  Name: string;
  Image: string;
  Config?: { Image?: string; Labels?: Record<string, string> | null };
  State?: { Status?: string; StartedAt?: string; ExitCode?: number; OOMKilled?: boolean };
  NetworkSettings?: { Ports?: Record<string, { HostIp?: string; HostPort?: string }[] | null> };
}

/** The fields of an entry of `GET /containers/json` read here. */
export interface ListedContainer {
  Id: string;
  Names?: string[];
  Image: string;
  Labels?: Record<string, string> | null;
  State?: string;
  Status?: string;
  Ports?: { IP?: string; PrivatePort?: number; PublicPort?: number; Type?: string }[];
}

/** ContainerInfo from `GET /containers/{id}/json`. */
export function infoFromInspect(data: InspectedContainer): ContainerInfo {
  const state = toState(data.State?.Status);
  const bindings: { ip: string | undefined; port: number }[] = [];
  // Only the port Shiva published has host bindings; ports an image merely EXPOSEs map to null.
  for (const entries of Object.values(data.NetworkSettings?.Ports ?? {})) {
    for (const entry of entries ?? []) {
      const port = Number(entry.HostPort);
      if (Number.isInteger(port) && port > 0) bindings.push({ ip: entry.HostIp, port });
    }
  }
  const binding = state === 'running' || state === 'paused' ? pickBinding(bindings) : undefined;
  const startedAt = data.State?.StartedAt;
  return {
    id: data.Id,
    name: data.Name.replace(/^\//, ''),
    image: data.Config?.Image ?? data.Image,
    labels: { ...(data.Config?.Labels ?? {}) },
    state,
    endpoint: binding ? { host: reachableHost(binding.ip), port: binding.port } : null,
    // The engine writes the zero time for a container that never started.
    startedAt: startedAt && !startedAt.startsWith('0001-') ? startedAt : null,
    exitCode: state === 'exited' || state === 'dead' ? (data.State?.ExitCode ?? null) : null,
    oomKilled: data.State?.OOMKilled === true,
  };
}

/**
 * ContainerInfo from an entry of `GET /containers/json`. The list does not carry the start
 * time, and carries the exit code only inside its human status text ("Exited (3) 5 seconds
 * ago"); reading it from there saves the reconciler one inspect per container.
 */
export function infoFromListEntry(entry: ListedContainer): ContainerInfo {
  const state = toState(entry.State);
  const bindings = (entry.Ports ?? []).flatMap((p) =>
    typeof p.PublicPort === 'number' && p.PublicPort > 0 ? [{ ip: p.IP, port: p.PublicPort }] : [],
  );
  const binding = state === 'running' || state === 'paused' ? pickBinding(bindings) : undefined;
  const exit = /^Exited \((-?\d+)\)/.exec(entry.Status ?? '');
  return {
    id: entry.Id,
    name: (entry.Names?.[0] ?? '').replace(/^\//, ''),
    image: entry.Image,
    labels: { ...(entry.Labels ?? {}) },
    state,
    endpoint: binding ? { host: reachableHost(binding.ip), port: binding.port } : null,
    startedAt: null,
    exitCode: exit ? Number(exit[1]) : null,
  };
}

/**
 * The text of a non-TTY container's log answer: frames of an 8-byte header (stream, 0, 0, 0,
 * big-endian length) and a payload, stdout and stderr interleaved in the order written.
 * Anything that does not start with a valid header is taken as a TTY's raw text.
 */
export function demuxLogs(raw: Buffer): string {
  const parts: Buffer[] = [];
  let offset = 0;
  while (offset + 8 <= raw.length) {
    const stream = raw[offset];
    if ((stream !== 0 && stream !== 1 && stream !== 2) || raw.readUIntBE(offset + 1, 3) !== 0) {
      if (offset === 0) return raw.toString('utf8');
      break;
    }
    const length = raw.readUInt32BE(offset + 4);
    parts.push(raw.subarray(offset + 8, Math.min(raw.length, offset + 8 + length)));
    offset += 8 + length;
  }
  if (offset === 0 && raw.length > 0) return raw.toString('utf8');
  return Buffer.concat(parts).toString('utf8');
}
