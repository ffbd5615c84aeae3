/**
 * The domain core: launching, stopping and listing sandboxes. A launch is answered at once and
 * then runs in the background (see launch.ts); every step is recorded as an event.
 */
import { randomBytes } from 'node:crypto';
import type { LaunchRequest, Sandbox } from '../contract/api.js';
import { count } from '../contract/count.js';
import { ShivaError } from '../contract/errors.js';
import { nextFreeName } from '../contract/names.js';
import { defaultCpuRequest, GiB, resourceProblems } from '../contract/resources.js';
import type { Config, DatasetEntry, ImageEntry } from '../config/schema.js';
import type { MachineRegistry } from '../machines/registry.js';
import { now } from '../store/database.js';
import { isTerminal } from '../contract/sandbox-states.js';
import type { AuditLog } from '../store/audit.js';
import type { SandboxRepository, SandboxRow } from '../store/sandboxes.js';
import { randomSecret } from '../auth/secrets.js';
import { Ledger } from '../scheduler/ledger.js';
import { largestFit, type LargestFit } from '../scheduler/largest.js';
import type { Free, PlacementRequest } from '../scheduler/place.js';
import type { ActivityRecorder } from './activity.js';
import type { SandboxEvents } from './events.js';
import type { LiveSandboxStats } from './live-stats.js';
import { datasetsFor } from './datasets.js';
import { HubStopping, runLaunch } from './launch.js';
import { SandboxLifecycle, who, type TransitionEvent } from './lifecycle.js';
import type { Actor, Logger, Routes } from './types.js';
import { toSandbox } from './view.js';
import type { UserRepository } from '../store/users.js';
import { DEFAULT_PAGE_LIMIT, type Page } from '../contract/paging.js';
import { cursorScope, decodeCursor, nextCursor } from '../store/cursor.js';
import type { HomeMaker } from './homes.js';
import type { SandboxOrigins } from '../proxy/origins.js';
import type { ImageCatalogue } from '../images/catalogue.js';
import type { PendingStops } from './culling/pending-stops.js';

/**
 * One check a launch must pass before anything is reserved for it: resolves when the actor may
 * launch now, else throws the ShivaError that says why (STORAGE_FULL for a full homes
 * filesystem, QUOTA_EXCEEDED for a full home).
 */
export type AdmissionCheck = (actor: Actor) => Promise<void>;

export interface SandboxServiceDeps {
  config: Readonly<Config>;
  repo: SandboxRepository;
  machines: MachineRegistry;
  routes: Routes;
  events: SandboxEvents;
  activity: ActivityRecorder;
  deploymentId: string;
  /** Where browsers reach each sandbox (its `url`). */
  origins: SandboxOrigins;
  /** Where what the hub does to sandboxes by itself (the reconciler's removals) is recorded. */
  audit: AuditLog;
  /** The accounts, for the uid and gid a sandbox runs as (its owner's). */
  users: Pick<UserRepository, 'byId'>;
  /** Makes users' homes on the machines that mount them. */
  homes: HomeMaker;
  log: Logger;
  /**
   * The checks every launch passes, in this order, after the request's own refusals and before
   * the reservation; the first that throws refuses the launch with nothing held or made. The hub
   * wires the homes filesystem's free space, then the user's home quota; unit tests of other
   * concerns give none.
   */
  admission: readonly AdmissionCheck[];
  /** The latest usage of running sandboxes, for the memory in use in each view. Absent: none shown. */
  liveStats?: Pick<LiveSandboxStats, 'get'>;
  /** The stops the culler has warned of, shown in each sandbox's view (absent: none shown). */
  idleStops?: Pick<PendingStops, 'view'>;
  /**
   * What may be launched: the configured catalogue and the registry's images, and the
   * credentials a pull from the registry needs (src/images/catalogue.ts). Absent: the configured
   * catalogue alone, pulled without credentials.
   */
  images?: Pick<ImageCatalogue, 'find' | 'list' | 'credentialsFor'>;
}

/** What `GET /api/sandboxes` asks for: whose, which, which page (src/contract/paging.ts). */
export interface SandboxListOptions {
  /** Everyone's, for an admin; ignored for anyone else. */
  all?: boolean;
  /** Stopped and failed ones too, newest first; else live ones, oldest first. */
  ended?: boolean;
  /** Rows per page; DEFAULT_PAGE_LIMIT when not given. */
  limit?: number;
  cursor?: string;
  q?: string;
}

export class SandboxService {
  /** Launches running in this process, so a stop can cancel one and the reconciler leaves them be. */
  private readonly inFlight = new Map<string, { abort: AbortController; done: Promise<void> }>();
  /** What every live sandbox holds; placing and reserving are one synchronous step there. */
  readonly ledger: Ledger;
  /** The owner of sandbox state: every change of state and its side effects go through it. */
  readonly lifecycle: SandboxLifecycle;
  /** Set once the hub shuts down: a launch that starts after it is cut at once. */
  private stopping = false;

  constructor(private readonly deps: SandboxServiceDeps) {
    this.ledger = new Ledger(() => deps.machines.capacities(), deps.config.scheduler.policy);
    this.lifecycle = new SandboxLifecycle({ ...deps, ledger: this.ledger, stopTimeoutSeconds: deps.config.sandboxes.stopTimeoutSeconds });
  }

  /** Holds again what the live sandboxes in the database hold (at start-up, before any launch). */
  async restoreHoldings(): Promise<void> {
    for (const row of await this.deps.repo.live()) {
      this.ledger.hold(row.id, { machine: row.machine, cpus: row.cpu_request, memoryBytes: row.memory_bytes, gpus: JSON.parse(row.gpus) as string[] });
    }
  }

  async launch(actor: Actor, request: LaunchRequest): Promise<Sandbox> {
    const { config, repo } = this.deps;
    const image = this.imageFor(request.image, actor);
    const { cpus, cpuRequest, memoryGiB, gpus } = this.resourcesFor(request);
    const pinned = request.machine ? this.deps.machines.get(request.machine) : undefined;
    if (request.machine && !pinned) {
      throw new ShivaError('MACHINE_NOT_FOUND', `There is no machine named ${request.machine}.`);
    }
    // Said plainly rather than as "no room": the machine would give an empty home (homes-check.ts).
    if (pinned?.homes?.ready === false) {
      throw new ShivaError('MACHINE_NOT_READY', `${pinned.name} does not see the shared homes, so it takes no launches; an admin must mount them there.`);
    }
    // Likewise when every machine that answers is not ready: "no room" would send the user to
    // stop sandboxes when only an admin can help.
    const answering = this.deps.machines.list().filter((m) => m.status === 'up');
    if (!pinned && answering.length > 0 && answering.every((m) => m.homes?.ready === false)) {
      const names = answering.map((m) => m.name).join(', ');
      throw new ShivaError('MACHINE_NOT_READY', `No machine takes launches now: ${names} ${answering.length === 1 ? 'does' : 'do'} not see the shared homes; an admin must mount them there.`);
    }
    const taken = new Set((await repo.live(actor.userId)).map((s) => s.name));
    const name = request.name ?? nextFreeName(taken);
    // Said before placement so a full hub does not hide the simpler answer; the insert still guards the race.
    if (taken.has(name)) throw new ShivaError('SANDBOX_NAME_TAKEN', `You already have a sandbox named ${name}.`);
    if (taken.size >= config.sandboxes.maxPerUser) throw limitReached(config.sandboxes.maxPerUser);
    // Last of the refusals and before the reservation: a full filesystem or home is no fault of the request.
    for (const check of this.deps.admission) await check(actor);
    const id = randomBytes(8).toString('hex');
    // The request is what the machine must have free and what is held; the limit only has to
    // stay within the engine's ceiling (see scheduler/place.ts).
    const wanted: PlacementRequest = {
      cpus: cpuRequest,
      cpuLimit: cpus,
      memoryBytes: Math.round(memoryGiB * GiB),
      gpus,
      ...(request.machine ? { machine: request.machine } : {}),
    };
    const placement = this.ledger.reserve(id, wanted);
    if (!placement.ok) throw noCapacity(wanted, placement.reason, placement.mostRoom, this.largestFor(wanted), taken.size > 0, this.mostGpus(wanted));
    const row = {
      id,
      user_id: actor.userId,
      username: actor.username,
      name,
      image: image.name,
      image_ref: image.image,
      machine: placement.machine,
      cpus,
      cpu_request: cpuRequest,
      memory_bytes: wanted.memoryBytes,
      gpus: JSON.stringify(placement.gpus),
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
      version: 0,
      log_tail: null,
      oom_kills: 0,
      last_oom_at: null,
    } satisfies SandboxRow;
    const onGpus = placement.gpus.length > 0 ? ` with GPU ${placement.gpus.join(', ')}` : '';
    // Claimed from before its row exists until the launch ends: the reconciler leaves it alone.
    const release = this.lifecycle.claim(id);
    const outcome = await this.lifecycle
      .admit(row, config.sandboxes.maxPerUser, {
        message: `Queued on ${placement.machine}${onGpus}`,
        detail: { code: 'queued', params: { machine: placement.machine, gpus: placement.gpus.join(', ') } },
      })
      .catch((err: unknown) => {
        release();
        throw err;
      });
    if (outcome !== 'ok') release();
    if (outcome === 'name_taken') throw new ShivaError('SANDBOX_NAME_TAKEN', `You already have a sandbox named ${name}.`);
    if (outcome === 'limit') throw limitReached(config.sandboxes.maxPerUser);
    this.deps.log.info(
      { ...who(row), image: row.image_ref, cpus, memoryGiB, gpus: placement.gpus, by: actor.username },
      'launch requested',
    );
    // The datasets of the owner as they are now (by name and role), as the launch form showed them.
    this.startLaunch(row, image, datasetsFor(config.storage.datasets, actor), release);
    return this.view(row);
  }

  /**
   * A machine stopped answering: its running sandboxes become `unknown`. They are not ended (the
   * machine may only have lost its network) and keep their room; the reconciler settles them
   * when the machine answers again. Their routes go, so the proxy answers at once with why.
   */
  async markUnknown(machine: string): Promise<number> {
    let marked = 0;
    for (const row of await this.deps.repo.live()) {
      if (row.machine === machine && row.state === 'running' && (await this.lifecycle.lose(row.id, machine))) marked++;
    }
    return marked;
  }

  /** Stops a sandbox: cancels its launch if it is still coming up, removes its container, keeps its home. */
  async stop(actor: Actor, id: string): Promise<Sandbox> {
    const row = await this.visible(actor, id);
    if (isTerminal(row.state)) return this.view(row);
    const reason = actor.userId === row.user_id ? 'stopped by its owner' : `stopped by ${actor.username}`;
    const release = this.lifecycle.claim(id);
    try {
      const asked = await this.lifecycle.askStop(id, reason, actor.username, {
        message: `Stopping (asked by ${actor.username})`,
        detail: { code: 'stop_asked', params: { by: actor.username } },
      });
      if (asked) {
        const launch = this.inFlight.get(id);
        if (launch) {
          launch.abort.abort(new Error('stopped'));
          await launch.done;
        }
        await this.lifecycle.finishStop(id, actor.username);
      }
    } finally {
      release();
    }
    return this.view((await this.deps.repo.byId(id))!);
  }

  /**
   * Stops a sandbox for a reason of the hub's own (the culler's idle stops), as a user's stop
   * does: route, container, room; the home stays. `by` is the system actor (e.g. hub:culler);
   * `reason` is what the sandbox then shows as why it stopped. Answers whether this ended it
   * (false: it was no longer running, or a launch or stop was already working on it).
   */
  async stopByHub(id: string, by: string, reason: string, event: TransitionEvent): Promise<boolean> {
    if (this.lifecycle.claimed(id)) return false;
    const release = this.lifecycle.claim(id);
    try {
      const row = await this.deps.repo.byId(id);
      if (row?.state !== 'running') return false;
      if (!(await this.lifecycle.askStop(id, reason, by, event))) return false;
      return (await this.lifecycle.finishStop(id, by)) === 'ended';
    } finally {
      release();
    }
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

  /**
   * A page of the actor's sandboxes (everyone's for an admin asking for all; anyone else asking
   * for all gets their own, and a search never reaches past that): live ones, or with `ended`
   * also stopped and failed ones, newest first. Throws INVALID_CURSOR for a cursor this list
   * did not give under the same `ended`, `all` and `q`.
   */
  async list(actor: Actor, options: SandboxListOptions = {}): Promise<Page<Sandbox>> {
    const limit = options.limit ?? DEFAULT_PAGE_LIMIT;
    const userId = options.all && actor.admin ? undefined : actor.userId;
    const ended = Boolean(options.ended);
    // Bound to whose and what: a cursor of everyone's list cannot continue one's own, nor a search another.
    const order = cursorScope(ended ? 'newest' : 'oldest', { all: userId === undefined, q: options.q });
    const after = options.cursor === undefined ? undefined : decodeCursor(options.cursor, order, ['string', 'string'] as const);
    const { rows, total } = await this.deps.repo.page({ userId, ended, q: options.q, limit, after });
    return {
      items: rows.map((r) => this.view(r)),
      total,
      next: nextCursor(rows, limit, order, (row) => [row.created_at, row.id]),
    };
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

  /**
   * The hub is shutting down: aborts every launch in flight (a pull, a readiness wait) and waits
   * until each has recorded itself `failed` with launch.ts's CUT_BY_SHUTDOWN. A container one
   * made is left to the next start's reconciler, which removes it (its sandbox is not live).
   * Launches that start afterwards (a request already past its checks) end the same way at
   * once. Running sandboxes are left alone: the next start adopts them.
   */
  async abortLaunches(): Promise<void> {
    this.stopping = true;
    for (const launch of this.inFlight.values()) launch.abort.abort(new HubStopping());
    await this.settle();
  }

  view(row: SandboxRow): Sandbox {
    return toSandbox(row, this.deps.origins, this.deps.activity.last(row.id), {
      memoryUsedBytes: this.deps.liveStats?.get(row.id)?.memoryUsedBytes ?? null,
      idleStop: this.deps.idleStops?.view(row.id) ?? null,
    });
  }

  /** Runs the launch in the background; `release` lets go of its claim once it has ended. */
  private startLaunch(row: SandboxRow, image: ImageEntry, datasets: DatasetEntry[], release: () => void): void {
    const abort = new AbortController();
    const done = runLaunch({ ...this.deps, lifecycle: this.lifecycle, row, image, datasets, signal: abort.signal })
      .catch((err: unknown) => this.deps.log.error({ sandbox: row.id, err: (err as Error).message }, 'launch crashed'))
      .finally(() => {
        this.inFlight.delete(row.id);
        release();
      });
    this.inFlight.set(row.id, { abort, done });
    if (this.stopping) abort.abort(new HubStopping());
  }

  private imageFor(name: string | undefined, actor: Actor): ImageEntry {
    const { catalogue, default: fallback } = this.deps.config.images;
    const wanted = name ?? fallback;
    const images = this.deps.images;
    // A saved environment the actor may not see is no image at all (IMAGE_NOT_FOUND, as for a name nobody has).
    const image = images ? images.find(wanted, actor) : catalogue.find((i) => i.name === wanted);
    if (!image && wanted.includes('/')) throw new ShivaError('ENVIRONMENT_NOT_FOUND', `There is no saved environment ${JSON.stringify(wanted)} you may launch.`);
    if (!image) {
      const names = images ? images.list().map((i) => i.entry.name) : catalogue.map((i) => i.name);
      throw new ShivaError('IMAGE_NOT_FOUND', `There is no image named ${JSON.stringify(wanted)}; choose one of: ${names.join(', ')}.`);
    }
    return image;
  }

  private resourcesFor(request: LaunchRequest): { cpus: number; cpuRequest: number; memoryGiB: number; gpus: number } {
    const { defaults, limits } = this.deps.config.sandboxes;
    const cpus = request.cpus ?? defaults.cpus;
    const memoryGiB = request.memoryGiB ?? defaults.memoryGiB;
    const gpus = request.gpus ?? 0;
    // Checked before anything is reserved or created, on the values the engine would get.
    const problems = resourceProblems({ cpus, memoryGiB, gpus, ...(request.cpuRequest === undefined ? {} : { cpuRequest: request.cpuRequest }) }, limits);
    if (problems.length > 0) throw new ShivaError('INVALID_RESOURCES', `Invalid resources: ${problems.join('; ')}.`);
    return { cpus, cpuRequest: request.cpuRequest ?? defaultCpuRequest(cpus, defaults.cpuRequestFraction), memoryGiB, gpus };
  }

  /** The largest size that fits now, for a refusal to offer instead. */
  /**
   * The most GPUs any machine the launch may go to has in all, free or not (the pinned one, or
   * every machine): a launch asking for more can never fit, and waiting will not help.
   */
  private mostGpus(wanted: PlacementRequest): number {
    const candidates = this.deps.machines.capacities().filter((m) => wanted.machine === undefined || m.name === wanted.machine);
    return Math.max(0, ...candidates.map((m) => m.gpus.length));
  }

  private largestFor(wanted: PlacementRequest): LargestFit | null {
    const { defaults, limits } = this.deps.config.sandboxes;
    return largestFit(this.ledger.room(), this.deps.machines.capacities(), {
      gpus: wanted.gpus,
      ...(wanted.machine ? { machine: wanted.machine } : {}),
      cpuRequestFraction: defaults.cpuRequestFraction,
      maxCpus: limits.cpus,
      maxMemoryGiB: limits.memoryGiB,
    });
  }
}


function limitReached(max: number): ShivaError {
  return new ShivaError('SANDBOX_LIMIT_REACHED', `You already run ${max} sandboxes, the most this hub allows; stop one first.`);
}

/**
 * The 409 for a launch nothing can take: what is short where, where the most room is, and what
 * the user can do that will work: the largest size that fits now, or stopping a sandbox (their
 * own, when they have one). CPU figures of the room are free CPU requests.
 */
function noCapacity(wanted: PlacementRequest, reason: string, mostRoom: Free | null, largest: LargestFit | null, hasSandboxes: boolean, mostGpus: number): ShivaError {
  const limit = wanted.cpuLimit ?? wanted.cpus;
  const cpus = limit === wanted.cpus ? count(limit, 'CPU') : `${count(limit, 'CPU')} (${wanted.cpus} reserved)`;
  const asked = `${cpus}, ${round(wanted.memoryBytes / GiB)} GiB${wanted.gpus > 0 ? `, ${count(wanted.gpus, 'GPU')}` : ''}`;
  const room = mostRoom
    ? ` The most room is on ${mostRoom.machine}: ${count(round(Math.max(0, mostRoom.cpus)), 'CPU')}, ${round(Math.max(0, mostRoom.memoryBytes) / GiB)} GiB, ${count(mostRoom.gpus.length, 'GPU')}.`
    : '';
  return new ShivaError('NO_CAPACITY', `No machine has room for ${asked}: ${reason}.${room} ${whatWillWork(wanted, largest, hasSandboxes, mostGpus)}`, {
    short: reason,
    largest,
    mostRoom: mostRoom && {
      machine: mostRoom.machine,
      cpus: round(Math.max(0, mostRoom.cpus)),
      memoryBytes: Math.max(0, mostRoom.memoryBytes),
      gpus: mostRoom.gpus.length,
    },
  });
}

/**
 * What the user can do that will work, after a refusal: ask for fewer GPUs when no machine has
 * that many at all (waiting will never help), else ask for the largest size that fits now, else
 * stop one of their sandboxes (or wait for someone else to).
 */
function whatWillWork(wanted: PlacementRequest, largest: LargestFit | null, hasSandboxes: boolean, mostGpus: number): string {
  const where = wanted.machine ?? 'any machine';
  if (wanted.gpus > mostGpus) {
    if (mostGpus === 0) return `No GPU is on ${where}, free or not: ask for none.`;
    return `At most ${count(mostGpus, 'GPU')} ${mostGpus === 1 ? 'is' : 'are'} on ${wanted.machine ?? 'one machine'}, free or not: ask for ${mostGpus} or fewer.`;
  }
  const stop = hasSandboxes ? 'stop one of your sandboxes' : 'wait until someone stops a sandbox';
  const gpus = wanted.gpus > 0 ? ` with ${count(wanted.gpus, 'GPU')}` : '';
  if (largest) return `The largest that fits now${gpus} is ${count(largest.cpus, 'CPU')} and ${largest.memoryGiB} GiB on ${largest.machine}; ask for that or less, or ${stop}.`;
  return `Nothing fits${gpus} on ${where} now: ${stop}.`;
}

const round = (n: number) => Math.round(n * 100) / 100;
