/**
 * One launch, step by step: image (pulled with progress when missing), home, container, start,
 * readiness, route. Each step is an event; any failure ends in `failed` with a reason a user can
 * act on and the last lines of the container's log, and leaves no container behind.
 */
import type { DatasetEntry, ImageEntry } from '../config/schema.js';
import type { EventDetail } from '../contract/event-codes.js';
import type { Machine } from '../machines/registry.js';
import { IMAGE_LABELS, LABELS, RuntimeError, type ContainerSpec, type GpuAssignment, type Runtime } from '../runtime/types.js';
import type { SandboxChanges, SandboxRow } from '../store/sandboxes.js';
import { datasetMounts } from './datasets.js';
import { failureReason } from './failure-reason.js';
import { HomeError } from './homes.js';
import { sharedMemoryBytes } from './shared-memory.js';
import { who, type SandboxLifecycle } from './lifecycle.js';
import { NotReadyError, waitForServer } from './readiness.js';
import type { SandboxServiceDeps } from './service.js';
import { sandboxPath } from './view.js';

const LOG_TAIL_LINES = 20;
const PROGRESS_EVERY_MS = 500;

export interface LaunchContext extends SandboxServiceDeps {
  /** The owner of sandbox state, through which every step of the launch is recorded. */
  lifecycle: SandboxLifecycle;
  row: SandboxRow;
  image: ImageEntry;
  /** The shared datasets the owner gets (see datasets.ts), mounted into the sandbox. */
  datasets: readonly DatasetEntry[];
  signal: AbortSignal;
}

/**
 * The container name on the engine: readable in `docker ps`, and unique per sandbox by its whole
 * id. A part of the id would not do: `ann` + `x-lab` and `ann-x` + `lab` read alike, and 24 bits
 * of id are within a determined user's reach of launches.
 */
export const containerName = (deploymentId: string, row: Pick<SandboxRow, 'id' | 'username' | 'name'>): string =>
  `shiva-${deploymentId}-${row.username}-${row.name}-${row.id}`;

class Cancelled extends Error {}

/**
 * The reason a launch is aborted with when the hub shuts down (SandboxService.abortLaunches):
 * unlike a stop, nobody else ends its record, so the launch records itself as cut short.
 */
export class HubStopping extends Error {
  constructor() {
    super('the hub is stopping');
    this.name = 'HubStopping';
  }
}

/** What a launch cut short by a hub shutdown records as its reason; the next start shows it as is. */
export const CUT_BY_SHUTDOWN = 'The hub stopped during the launch; launch it again.';

export async function runLaunch(ctx: LaunchContext): Promise<void> {
  const { row, signal } = ctx;
  const machine = ctx.machines.get(row.machine);
  if (!machine) throw new Error(`machine ${row.machine} vanished from the configuration`);
  const runtime = machine.runtime;
  let containerId: string | null = null;

  /** Moves to the next state unless a stop got there first. */
  const step = async (transition: 'pull' | 'create' | 'start' | 'wait', message: string, detail: EventDetail, changes: SandboxChanges = {}): Promise<void> => {
    if (signal.aborted || !(await ctx.lifecycle.advance(row.id, transition, { message, detail }, changes))) throw new Cancelled();
  };

  try {
    const started = Date.now();
    let image = await runtime.inspectImage(row.image_ref);
    if (!image) {
      await step('pull', `Pulling ${row.image_ref}`, { code: 'pulling', params: { image: row.image_ref } });
      // Asked before the pull: a registry with a token service gets the engine a token, not the password.
      const credentials = await ctx.images?.credentialsFor(row.image_ref).catch((err: Error) => {
        throw new RuntimeError('image_not_found', `the image ${row.image_ref} could not be pulled: ${err.message}`, { cause: err });
      });
      let lastReport = 0;
      await runtime.pullImage(
        row.image_ref,
        (p) => {
          const t = Date.now();
          if (p.percent === null || (t - lastReport < PROGRESS_EVERY_MS && p.percent < 100)) return;
          lastReport = t;
          // The percentage, not the engine's status words ("Extracting", digests, …).
          const percent = Math.floor(p.percent);
          ctx.lifecycle
            .progress(row.id, p.percent, {
              message: `Pulling ${row.image_ref}: ${percent}%`,
              detail: { code: 'pull_progress', params: { image: row.image_ref, percent } },
            })
            .catch((err: Error) => ctx.log.warn({ sandbox: row.id, err: err.message }, 'could not record a pull progress'));
        },
        signal,
        credentials,
      );
      image = await runtime.inspectImage(row.image_ref);
      if (!image) throw new RuntimeError('image_not_found', `the image ${row.image_ref} is still missing after the pull`);
    }
    const port = ctx.image.port ?? numberLabel(image.labels[IMAGE_LABELS.port]) ?? 8888;
    const homeInside = ctx.image.home ?? image.labels[IMAGE_LABELS.home] ?? '/home/shiva';
    // The owner's own uid and gid, never the image's: files on the shared homes tell users apart
    // by it (src/store/user-ids.ts). The image entry's `uid` and label org.shiva.uid are ignored.
    const owner = await ctx.users.byId(row.user_id);
    if (!owner || owner.uid === null || owner.gid === null) {
      throw new RuntimeError('failed', `the account ${row.username} has no uid yet; restart the hub to give it one`, { plain: true });
    }
    const ids = { uid: owner.uid, gid: owner.gid };

    // Before the home is made: a dataset over this image's home fails the launch with nothing made.
    const mounts = datasetMounts(ctx.datasets, homeInside);
    await step('create', 'Creating the container', { code: 'creating', params: {} });
    const home = await ctx.homes.ensure(machine, row.username, ids);
    const spec: ContainerSpec = {
      name: containerName(ctx.deploymentId, row),
      image: row.image_ref,
      env: {
        ...ctx.image.env,
        JUPYTER_TOKEN: row.token,
        SHIVA_BASE_URL: sandboxPath(row.username, row.name),
        SHIVA_USER: row.username,
        SHIVA_SANDBOX: row.name,
      },
      labels: {
        [LABELS.deployment]: ctx.deploymentId,
        [LABELS.sandbox]: row.id,
        [LABELS.user]: row.username,
        [LABELS.name]: row.name,
      },
      port,
      // Where sandbox ports on this machine are published, and where the proxy reaches them.
      publishAddress: machine.entry.address,
      cpus: row.cpus,
      cpuRequest: row.cpu_request,
      memoryBytes: row.memory_bytes,
      shmBytes: sharedMemoryBytes(row.memory_bytes, ctx.config.sandboxes.shmGiB),
      pidsLimit: ctx.config.sandboxes.pidsLimit,
      home: { hostPath: home, containerPath: homeInside },
      user: `${ids.uid}:${ids.gid}`,
      sudo: ctx.image.sudo,
      gpus: gpuAssignment(machine, JSON.parse(row.gpus) as string[]),
      mounts,
    };
    containerId = await createFresh(ctx, runtime, spec).catch(async (err: unknown) => {
      if (!(err instanceof RuntimeError && err.kind === 'mount_missing')) throw err;
      // Made once, but gone on this machine (deleted, or its filesystem not mounted): make it again, once.
      await ctx.homes.ensure(machine, row.username, ids, true);
      return createFresh(ctx, runtime, spec);
    });
    await step('start', 'Starting the container', { code: 'starting', params: {} }, { container_id: containerId });
    const container = await runtime.start(containerId);
    // A server that fails at once may have exited before the engine answered the start: that is
    // what the user must hear, not the missing port that follows from it.
    if (container.state !== 'running') throw new NotReadyError(`the container exited with code ${container.exitCode ?? '?'}`);
    if (!container.endpoint) throw new RuntimeError('failed', 'the engine did not publish the sandbox port', { plain: true });
    const { host, port: hostPort } = container.endpoint;

    await step('wait', 'Waiting for the server to answer', { code: 'waiting', params: {} }, { host, port: hostPort });
    const id = containerId;
    await waitForServer({
      host,
      port: hostPort,
      path: `${sandboxPath(row.username, row.name)}api`,
      token: row.token,
      timeoutMs: ctx.config.sandboxes.readinessTimeoutSeconds * 1000,
      signal,
      checkAlive: async () => {
        const c = await runtime.inspect(id);
        if (!c) return 'the container vanished';
        return c.state === 'running' ? null : `the container exited with code ${c.exitCode ?? '?'}`;
      },
    });
    const seconds = Math.round((Date.now() - started) / 100) / 10;
    const route = { sandboxId: row.id, user: row.username, name: row.name, target: { host, port: hostPort }, token: row.token };
    if (signal.aborted || !(await ctx.lifecycle.ready(row.id, route, { message: `Ready in ${seconds.toFixed(1)} s`, detail: { code: 'ready', params: { seconds } } }))) {
      throw new Cancelled();
    }
    ctx.log.info({ ...who(row), image: row.image_ref, ms: sinceRequest(row) }, 'sandbox running');
  } catch (err) {
    if (signal.aborted && signal.reason instanceof HubStopping) {
      // The container stays for the next start's reconciler, which removes it as one no live
      // sandbox owns (this row is failed by then): removing it here would double the time the
      // hub's port is closed, and running sandboxes outlive the hub just the same.
      if (await ctx.lifecycle.failLaunch(row.id, 'cut', CUT_BY_SHUTDOWN, CUT_BY_SHUTDOWN, containerId)) {
        ctx.log.info({ ...who(row), ms: sinceRequest(row) }, 'launch cut short: the hub is stopping');
      }
      return;
    }
    if (err instanceof Cancelled || signal.aborted) {
      // A stop got here first: it ends the record; the container may not be on it yet.
      if (containerId) await ctx.lifecycle.discardLaunchContainer(row.id, containerId);
      return;
    }
    const reason = failureReason(err, { imageRef: row.image_ref, machine: row.machine });
    let message = reason;
    if (containerId) {
      const tail = await runtime.logs(containerId, LOG_TAIL_LINES).catch(() => '');
      if (tail.trim()) message = `${reason}\n--- last lines of the container's log ---\n${tail.trimEnd()}`;
    }
    await ctx.lifecycle.failLaunch(row.id, 'fail', reason, message, containerId);
    // The engine's own words stay here, in the log, next to what the user was told.
    const detail = err instanceof HomeError ? { detail: err.detail } : {};
    ctx.log.warn({ ...who(row), image: row.image_ref, ms: sinceRequest(row), reason, err: (err as Error).message, ...detail }, 'launch failed');
  }
}

/** Milliseconds since the launch was asked for: what its user waited. */
const sinceRequest = (row: Pick<SandboxRow, 'created_at'>): number => Date.now() - Date.parse(row.created_at);

/** How this machine hands the scheduler's GPUs to a container (see GpuAssignment). */
export function gpuAssignment(machine: Pick<Machine, 'name' | 'entry' | 'gpus'>, ids: string[]): GpuAssignment | undefined {
  if (ids.length === 0) return undefined;
  const { mode, cdiPrefix, devicesDir, driverLibraries } = machine.entry.gpus;
  switch (mode) {
    case 'deviceRequests':
      return { mode, ids };
    case 'cdi':
      return { mode, devices: ids.map((id) => `${cdiPrefix}=${id}`) };
    case 'devices': {
      const node = (name: string) => ({ hostPath: `${devicesDir}/${name}`, containerPath: `/dev/${name}` });
      const indexes = ids.map((id) => {
        const gpu = machine.gpus.find((g) => g.uuid === id);
        if (!gpu) throw new RuntimeError('failed', `the GPU ${id} is no longer listed on ${machine.name}`, { plain: true });
        return gpu.index;
      });
      // nvidiactl and nvidia-uvm are the driver's shared control nodes every CUDA process opens.
      return {
        mode,
        devices: [...indexes.map((i) => node(`nvidia${i}`)), node('nvidiactl'), node('nvidia-uvm')],
        readOnlyMounts: driverLibraries,
      };
    }
  }
}

/**
 * Creates the container. A container of the same name is this sandbox's own (the name holds its
 * whole id): a create the engine carried out although its answer was lost. It is replaced, through
 * the lifecycle so that the removal is logged; a container of any other sandbox is never touched.
 */
async function createFresh(ctx: LaunchContext, runtime: Runtime, spec: ContainerSpec): Promise<string> {
  try {
    return await runtime.create(spec);
  } catch (err) {
    if (!(err instanceof RuntimeError && err.kind === 'conflict')) throw err;
    const existing = await runtime.inspect(spec.name);
    if (existing?.labels[LABELS.sandbox] !== ctx.row.id) throw err;
    await ctx.lifecycle.discardLaunchContainer(ctx.row.id, existing.id);
    return runtime.create(spec);
  }
}

function numberLabel(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  return Number.isInteger(n) && n >= 0 ? n : undefined;
}
