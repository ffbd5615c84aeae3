/**
 * The domain core: launching, stopping and listing sandboxes. A launch is answered at once and
 * then runs in the background (see launch.ts); every step is recorded as an event.
 */
import { randomBytes } from 'node:crypto';
import type { LaunchRequest, Sandbox } from '../contract/api.js';
import { ShivaError } from '../contract/errors.js';
import type { Config, ImageEntry } from '../config/schema.js';
import type { MachineRegistry } from '../machines/registry.js';
import { now } from '../store/database.js';
import { LIVE_STATES, TERMINAL_STATES, type SandboxRepository, type SandboxRow } from '../store/sandboxes.js';
import { randomSecret } from '../auth/secrets.js';
import type { ActivityRecorder } from './activity.js';
import type { SandboxEvents } from './events.js';
import { runLaunch } from './launch.js';
import type { Actor, Logger, Routes } from './types.js';
import { toSandbox } from './view.js';

const GiB = 1024 ** 3;

export interface SandboxServiceDeps {
  config: Readonly<Config>;
  repo: SandboxRepository;
  machines: MachineRegistry;
  routes: Routes;
  events: SandboxEvents;
  activity: ActivityRecorder;
  deploymentId: string;
  publicUrl: string;
  log: Logger;
}

export class SandboxService {
  /** Launches running in this process, so a stop can cancel one and the reconciler leaves them be. */
  private readonly inFlight = new Map<string, { abort: AbortController; done: Promise<void> }>();

  constructor(private readonly deps: SandboxServiceDeps) {}

  async launch(actor: Actor, request: LaunchRequest): Promise<Sandbox> {
    const { config, repo } = this.deps;
    const image = this.imageFor(request.image);
    const { cpus, memoryGiB } = this.resourcesFor(request);
    const machine = this.machineFor(request.machine);
    const name = request.name ?? (await this.freeName(actor.userId));
    const row: SandboxRow = {
      id: randomBytes(8).toString('hex'),
      user_id: actor.userId,
      username: actor.username,
      name,
      image: image.name,
      image_ref: image.image,
      machine,
      cpus,
      memory_bytes: Math.round(memoryGiB * GiB),
      gpus: '[]',
      state: 'queued',
      reason: null,
      container_id: null,
      host: null,
      port: null,
      token: randomSecret(24),
      created_at: now(),
      started_at: null,
      stopped_at: null,
      last_activity_at: null,
    };
    const outcome = await repo.insertLaunch(row, config.sandboxes.maxPerUser);
    if (outcome === 'name_taken') throw new ShivaError('SANDBOX_NAME_TAKEN', `You already have a sandbox named ${name}.`);
    if (outcome === 'limit') {
      throw new ShivaError(
        'SANDBOX_LIMIT_REACHED',
        `You already run ${config.sandboxes.maxPerUser} sandboxes, the most this hub allows; stop one first.`,
      );
    }
    await this.deps.events.record(row.id, 'queued', `Queued on ${machine}`);
    this.startLaunch(row, image);
    return this.view(row);
  }

  /** Stops a sandbox: cancels its launch if it is still coming up, removes its container, keeps its home. */
  async stop(actor: Actor, id: string): Promise<Sandbox> {
    const row = await this.visible(actor, id);
    if (TERMINAL_STATES.includes(row.state)) return this.view(row);
    await this.deps.repo.update(id, { state: 'stopping' }, LIVE_STATES);
    await this.deps.events.record(id, 'stopping', `Stopping (asked by ${actor.username})`);
    const launch = this.inFlight.get(id);
    if (launch) {
      launch.abort.abort(new Error('stopped'));
      await launch.done;
    }
    const reason = actor.userId === row.user_id ? 'stopped by its owner' : `stopped by ${actor.username}`;
    await this.finishStop((await this.deps.repo.byId(id))!, reason);
    return this.view((await this.deps.repo.byId(id))!);
  }

  /** Stops every live sandbox of a user (when an admin disables them). */
  async stopAllOf(actor: Actor, userId: number): Promise<number> {
    const live = await this.deps.repo.live(userId);
    await Promise.all(live.map((row) => this.stop(actor, row.id)));
    return live.length;
  }

  async get(actor: Actor, id: string): Promise<Sandbox> {
    return this.view(await this.visible(actor, id));
  }

  /** The actor's sandboxes (everyone's for an admin asking for all): live ones and recent history. */
  async list(actor: Actor, options: { all?: boolean; includeEnded?: boolean } = {}): Promise<Sandbox[]> {
    const userId = options.all && actor.admin ? undefined : actor.userId;
    const rows = options.includeEnded
      ? await this.deps.repo.recent({ userId, limit: 200 })
      : await this.deps.repo.live(userId);
    return rows.map((r) => this.view(r));
  }

  /** A sandbox the actor may see; others' sandboxes look missing rather than forbidden. */
  async visible(actor: Actor, id: string): Promise<SandboxRow> {
    const row = await this.deps.repo.byId(id);
    if (!row || (row.user_id !== actor.userId && !actor.admin)) throw new ShivaError('SANDBOX_NOT_FOUND');
    return row;
  }

  isLaunching(id: string): boolean {
    return this.inFlight.has(id);
  }

  /** Waits for launches in flight (for a clean shutdown and for tests). */
  async settle(): Promise<void> {
    await Promise.all([...this.inFlight.values()].map((l) => l.done));
  }

  /** Removes the container and marks the sandbox stopped. Used by stop and by the reconciler. */
  async finishStop(row: SandboxRow, reason: string): Promise<void> {
    const { routes, repo, events, config, machines, activity, log } = this.deps;
    routes.delete(row.username, row.name);
    const runtime = machines.get(row.machine)?.runtime;
    if (row.container_id && runtime) {
      try {
        await runtime.stop(row.container_id, config.sandboxes.stopTimeoutSeconds);
        await runtime.remove(row.container_id);
      } catch (err) {
        // The record still ends; the reconciler removes the container once the engine answers.
        log.warn({ sandbox: row.id, err: (err as Error).message }, 'could not remove the container of a stopped sandbox');
      }
    }
    const lastActivity = activity.last(row.id);
    activity.forget(row.id);
    const changes = { state: 'stopped' as const, stopped_at: now(), reason, ...(lastActivity ? { last_activity_at: lastActivity } : {}) };
    if (await repo.update(row.id, changes, LIVE_STATES)) await events.record(row.id, 'stopped', `Stopped: ${reason}`);
  }

  view(row: SandboxRow): Sandbox {
    return toSandbox(row, this.deps.publicUrl, this.deps.activity.last(row.id));
  }

  private startLaunch(row: SandboxRow, image: ImageEntry): void {
    const abort = new AbortController();
    const done = runLaunch({ ...this.deps, row, image, signal: abort.signal })
      .catch((err: unknown) => this.deps.log.error({ sandbox: row.id, err: (err as Error).message }, 'launch crashed'))
      .finally(() => this.inFlight.delete(row.id));
    this.inFlight.set(row.id, { abort, done });
  }

  private imageFor(name: string | undefined): ImageEntry {
    const { catalogue, default: fallback } = this.deps.config.images;
    const wanted = name ?? fallback;
    const image = catalogue.find((i) => i.name === wanted);
    if (!image) {
      throw new ShivaError('IMAGE_NOT_FOUND', `There is no image named ${JSON.stringify(wanted)}; choose one of: ${catalogue.map((i) => i.name).join(', ')}.`);
    }
    return image;
  }

  private resourcesFor(request: LaunchRequest): { cpus: number; memoryGiB: number } {
    const { defaults, limits } = this.deps.config.sandboxes;
    const cpus = request.cpus ?? defaults.cpus;
    const memoryGiB = request.memoryGiB ?? defaults.memoryGiB;
    const problems: string[] = [];
    if (!(cpus > 0) || cpus > limits.cpus) problems.push(`cpus must be above 0 and at most ${limits.cpus}`);
    if (!(memoryGiB >= 0.125) || memoryGiB > limits.memoryGiB) problems.push(`memoryGiB must be from 0.125 to ${limits.memoryGiB}`);
    if ((request.gpus ?? 0) > limits.gpus) {
      problems.push(limits.gpus === 0 ? 'this hub has no GPUs to give' : `gpus must be at most ${limits.gpus}`);
    }
    if (problems.length > 0) throw new ShivaError('INVALID_RESOURCES', `Invalid resources: ${problems.join('; ')}.`);
    return { cpus, memoryGiB };
  }

  private machineFor(pinned: string | undefined): string {
    const { machines } = this.deps;
    if (pinned) {
      const machine = machines.get(pinned);
      if (!machine) throw new ShivaError('MACHINE_NOT_FOUND', `There is no machine named ${pinned}.`);
      return machine.name;
    }
    // Placement by room comes with the scheduler; until then, the first machine that answers.
    const up = machines.list().find((m) => m.status === 'up') ?? machines.list()[0];
    return up!.name;
  }

  private async freeName(userId: number): Promise<string> {
    const taken = new Set((await this.deps.repo.live(userId)).map((s) => s.name));
    if (!taken.has('main')) return 'main';
    for (let i = 2; ; i++) if (!taken.has(`main-${i}`)) return `main-${i}`;
  }
}

