/**
 * A seeded, bounded churn over a hub's sandboxes, for the concurrency tests of the sandbox core
 * (test/sandbox-concurrency.test.ts on a real engine, src/sandboxes/concurrency.test.ts on the
 * fake runtime): several workers launch, stop and relaunch sandboxes of a few users, with names
 * drawn from a small pool so that names are reused, while a reconcile runs again and again. It
 * records, per sandbox, what it last asked for and what the API answered; churn-checks.ts then
 * says what must hold once everything has settled.
 *
 * The seed drives the driver's choices (which user, which name, launch or stop, what size, the
 * pauses); the engine's timing is not replayed, so a replay explores the same choices, not
 * necessarily the same interleaving.
 */
import { SeededRandom } from './seeded-random.js';

/** What the API answered to a launch: accepted with the sandbox's id, or refused with a code. */
export type LaunchAnswer = { accepted: true; id: string } | { accepted: false; code: string; message: string };
/** What the API answered to a stop: the sandbox's state after it, or an error code. */
export type StopAnswer = { ok: true; state: string } | { ok: false; code: string; message: string };

/** The resources of one launch request. */
export interface ChurnSize {
  cpus: number;
  memoryGiB: number;
  gpus?: number;
}

/** The hub under churn, through its public surfaces (HTTP API or the sandboxes service). */
export interface ChurnTarget {
  users: readonly string[];
  launch(user: string, name: string, size: ChurnSize): Promise<LaunchAnswer>;
  stop(user: string, id: string): Promise<StopAnswer>;
  /** One reconcile pass (the hub's own, as its timer would run it). */
  reconcile(): Promise<unknown>;
  /**
   * Kills the sandbox's container from outside the hub, as a crash or the kernel's OOM killer
   * would; false when it has no running container. The reconciler must then end it, and only it.
   */
  crash?(id: string): Promise<boolean>;
  /** Whether the sandbox's launch is still under way in the hub. */
  isLaunching(id: string): boolean;
  /** Waits for every launch in flight. */
  settle(): Promise<void>;
}

export interface ChurnOptions {
  seed: number;
  /** Each user's pool of sandbox names. */
  names: readonly string[];
  sizes: readonly ChurnSize[];
  /** The churn ends after this many operations or this long, whichever comes first. */
  operations?: number;
  durationMs?: number;
  /** Workers acting at once. */
  workers: number;
  /** Launches under way at once, at most (from the request until the hub's launch is done). */
  maxLaunching: number;
  /** The chance that a worker that picks a live sandbox stops it (0 to 1). */
  stopChance: number;
  /** The chance that a worker that picks a live sandbox it did not stop kills its container instead (needs `crash`). */
  crashChance?: number;
  /** Pause of a worker between two operations (min and max, milliseconds). */
  pauseMs: readonly [number, number];
  /** Pause between two reconcile passes (milliseconds). */
  reconcileEveryMs: number;
}

/** One sandbox the API accepted, and what the driver asked of it. */
export interface TrackedSandbox {
  id: string;
  user: string;
  name: string;
  /** Date.now() when the launch was asked for and when a stop was first asked for (null: never). */
  launchAskedAt: number;
  stopAskedAt: number | null;
  stopAnswer: StopAnswer | null;
  /** Date.now() when the driver killed its container from outside the hub (null: never). */
  crashedAt: number | null;
}

/** The counts printed in the summary line. */
export interface ChurnCounts {
  launches: number;
  relaunches: number;
  /** Launches of a name the driver still held live (the API must refuse them). */
  duplicates: number;
  stops: number;
  /** Containers killed from outside the hub. */
  crashes: number;
  reconciles: number;
  /** Refused launches by error code (NO_CAPACITY, SANDBOX_NAME_TAKEN, SANDBOX_LIMIT_REACHED …). */
  refused: Record<string, number>;
}

export interface ChurnRecord {
  seed: number;
  counts: ChurnCounts;
  sandboxes: TrackedSandbox[];
  /** Answers no correct hub gives: a launch refused with another code, a failed stop, a reconcile that threw. */
  unexpected: string[];
}

/** Launch refusals a correct hub may give under churn: they mean no sandbox should run. */
export const EXPECTED_REFUSALS: readonly string[] = ['NO_CAPACITY', 'SANDBOX_NAME_TAKEN', 'SANDBOX_LIMIT_REACHED'];

interface Slot {
  user: string;
  name: string;
  /** The sandbox the driver launched here and has not asked to stop. */
  live: TrackedSandbox | null;
  /** Whether the driver ever stopped (or crashed) a sandbox of this name (a launch then is a relaunch). */
  stoppedBefore: boolean;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs the churn until its bound, then lets every launch settle and runs one last reconcile,
 * and returns what was asked and answered. Never throws for the hub's answers: they are
 * recorded for the checks.
 */
export async function runChurn(target: ChurnTarget, options: ChurnOptions): Promise<ChurnRecord> {
  if (options.operations === undefined && options.durationMs === undefined) throw new Error('a churn needs a bound: operations or durationMs');
  const random = new SeededRandom(options.seed);
  const slots: Slot[] = target.users.flatMap((user) => options.names.map((name) => ({ user, name, live: null, stoppedBefore: false })));
  const counts: ChurnCounts = { launches: 0, relaunches: 0, duplicates: 0, stops: 0, crashes: 0, reconciles: 0, refused: {} };
  const sandboxes: TrackedSandbox[] = [];
  const unexpected: string[] = [];
  const deadline = options.durationMs === undefined ? Infinity : Date.now() + options.durationMs;
  let operations = 0;
  let launching = 0;
  const more = () => operations < (options.operations ?? Infinity) && Date.now() < deadline;

  const launch = async (worker: SeededRandom, slot: Slot): Promise<void> => {
    const kind = slot.live ? 'duplicates' : slot.stoppedBefore ? 'relaunches' : 'launches';
    counts[kind]++;
    launching++;
    try {
      const launchAskedAt = Date.now();
      const answer = await target.launch(slot.user, slot.name, worker.pick(options.sizes));
      if (!answer.accepted) {
        counts.refused[answer.code] = (counts.refused[answer.code] ?? 0) + 1;
        if (!EXPECTED_REFUSALS.includes(answer.code)) unexpected.push(`launch of ${slot.user}/${slot.name} refused with ${answer.code}: ${answer.message}`);
        return;
      }
      const tracked: TrackedSandbox = { id: answer.id, user: slot.user, name: slot.name, launchAskedAt, stopAskedAt: null, stopAnswer: null, crashedAt: null };
      sandboxes.push(tracked);
      // The newest accepted launch is the one the driver may stop next; one it still held
      // (a duplicate that was accepted) keeps its own record and is checked like any other.
      slot.live = tracked;
      while (target.isLaunching(answer.id)) await sleep(worker.int(5, 25));
    } finally {
      launching--;
    }
  };

  const stop = async (slot: Slot): Promise<void> => {
    const tracked = slot.live!;
    slot.live = null;
    slot.stoppedBefore = true;
    counts.stops++;
    tracked.stopAskedAt = Date.now();
    tracked.stopAnswer = await target.stop(tracked.user, tracked.id);
    if (!tracked.stopAnswer.ok) unexpected.push(`stop of ${tracked.user}/${tracked.name} (${tracked.id}) answered ${tracked.stopAnswer.code}: ${tracked.stopAnswer.message}`);
  };

  /** Kills the container; the name is then free once the reconciler has ended the sandbox. */
  const crash = async (slot: Slot): Promise<void> => {
    const tracked = slot.live!;
    const crashedAt = Date.now();
    if (!(await target.crash!(tracked.id))) return;
    tracked.crashedAt = crashedAt;
    slot.live = null;
    slot.stoppedBefore = true;
    counts.crashes++;
  };

  const work = async (worker: SeededRandom): Promise<void> => {
    while (more()) {
      const slot = worker.pick(slots);
      // A live slot is stopped with stopChance and launched again by name now and then; an
      // empty one is launched when launches are under their bound. How many sandboxes stay
      // live follows from stopChance against the pace of launches.
      let act: (() => Promise<void>) | null = null;
      if (slot.live) {
        if (worker.chance(options.stopChance)) act = () => stop(slot);
        else if (target.crash && worker.chance(options.crashChance ?? 0)) act = () => crash(slot);
        else if (worker.chance(0.05) && launching < options.maxLaunching) act = () => launch(worker, slot);
      } else if (launching < options.maxLaunching) {
        act = () => launch(worker, slot);
      }
      if (act) {
        operations++;
        await act();
      }
      await sleep(worker.int(options.pauseMs[0], options.pauseMs[1]));
    }
  };

  let churning = true;
  const reconciling = (async () => {
    while (churning) {
      try {
        await target.reconcile();
        counts.reconciles++;
      } catch (err) {
        unexpected.push(`reconcile threw: ${(err as Error).message}`);
      }
      await sleep(options.reconcileEveryMs);
    }
  })();

  await Promise.all(Array.from({ length: options.workers }, (_, i) => work(random.derive(i + 1))));
  churning = false;
  await reconciling;
  await target.settle();
  try {
    await target.reconcile();
    counts.reconciles++;
  } catch (err) {
    unexpected.push(`the last reconcile threw: ${(err as Error).message}`);
  }
  return { seed: options.seed, counts, sandboxes, unexpected };
}
