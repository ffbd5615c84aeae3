/**
 * Usage accounting: how many sandbox-, CPU-, GPU- and memory-hours each user had on each UTC
 * day, worked out from sandbox lifetimes alone. A sandbox counts from when it became running
 * (`started_at`) until it stopped or failed (`stopped_at`), or until now while it still lives;
 * one that never ran counts nothing. Resources are what the sandbox was given, not what it used:
 * a held GPU is taken from everyone else whether it computes or not. CPU-hours count the CPU
 * request, not the limit: the request is what the scheduler holds for the sandbox and what no
 * one else can be given, while the room between request and limit is shared by whoever runs
 * (as GKE Autopilot bills pods by their requests).
 */
import type { UsageDay, UsageFigures, UsageReport, UsageUser } from '../contract/api.js';
import { TERMINAL_STATES } from '../contract/sandbox-states.js';
import type { SandboxLifetime } from '../store/sandboxes.js';
import { DAY_MS, dayOf, rangeBounds, type DayRange } from './range.js';

export type UsageSandbox = SandboxLifetime;

const HOUR_MS = 3_600_000;
const GiB = 1024 ** 3;
/** Figures are given to 1/10 000 of an hour (0.36 s): finer is noise, and it keeps sums tidy. */
const DECIMALS = 4;

/** Sums in milliseconds, turned into hours once at the end so that rounding happens once. */
interface Tally {
  ids: Set<string>;
  ms: number;
  cpuMs: number;
  gpuMs: number;
  memoryGiBMs: number;
}

const newTally = (): Tally => ({ ids: new Set(), ms: 0, cpuMs: 0, gpuMs: 0, memoryGiBMs: 0 });

/** The GPUs a sandbox holds, from its JSON list of GPU ids. */
export function gpuCount(gpus: string): number {
  try {
    const list: unknown = JSON.parse(gpus);
    return Array.isArray(list) ? list.length : 0;
  } catch {
    return 0;
  }
}

/** When a sandbox's lifetime ends for accounting: its stop, or `now` while it lives; null if unknowable. */
function lifetimeEnd(sandbox: UsageSandbox, now: number): number | null {
  if (!TERMINAL_STATES.includes(sandbox.state)) return now;
  // An ended sandbox always records its end; without one there is nothing honest to count.
  return sandbox.stopped_at === null ? null : Date.parse(sandbox.stopped_at);
}

const round = (value: number): number => {
  const factor = 10 ** DECIMALS;
  return Math.round(value * factor) / factor;
};

function figures(tally: Tally): UsageFigures {
  return {
    sandboxes: tally.ids.size,
    sandboxHours: round(tally.ms / HOUR_MS),
    cpuHours: round(tally.cpuMs / HOUR_MS),
    gpuHours: round(tally.gpuMs / HOUR_MS),
    memoryGiBHours: round(tally.memoryGiBMs / HOUR_MS),
  };
}

function add(tally: Tally, sandbox: UsageSandbox, gpus: number, ms: number): void {
  tally.ids.add(sandbox.id);
  tally.ms += ms;
  tally.cpuMs += sandbox.cpu_request * ms;
  tally.gpuMs += gpus * ms;
  tally.memoryGiBMs += (sandbox.memory_bytes / GiB) * ms;
}

const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The usage of `sandboxes` within `range`, split at UTC midnights, as of `now` (which also
 * cuts the range: nothing is counted in the future). Days without use are left out.
 */
export function accountUsage(sandboxes: readonly UsageSandbox[], range: DayRange, now: number): UsageReport {
  const bounds = rangeBounds(range);
  const perDay = new Map<string, Map<string, Tally>>();
  const perUser = new Map<string, Tally>();
  const total = newTally();

  for (const sandbox of sandboxes) {
    if (sandbox.started_at === null) continue;
    const end = lifetimeEnd(sandbox, now);
    if (end === null) continue;
    const from = Math.max(Date.parse(sandbox.started_at), bounds.start);
    const until = Math.min(end, bounds.end, now);
    if (!(until > from)) continue;
    const gpus = gpuCount(sandbox.gpus);
    const days = perDay.get(sandbox.username) ?? new Map<string, Tally>();
    perDay.set(sandbox.username, days);
    for (let midnight = Math.floor(from / DAY_MS) * DAY_MS; midnight < until; midnight += DAY_MS) {
      const ms = Math.min(until, midnight + DAY_MS) - Math.max(from, midnight);
      const day = dayOf(midnight);
      const tally = days.get(day) ?? newTally();
      days.set(day, tally);
      add(tally, sandbox, gpus, ms);
    }
    const user = perUser.get(sandbox.username) ?? newTally();
    perUser.set(sandbox.username, user);
    add(user, sandbox, gpus, until - from);
    add(total, sandbox, gpus, until - from);
  }

  const users = [...perUser.keys()].sort(byName);
  const dayRows: UsageDay[] = users.flatMap((user) =>
    [...perDay.get(user)!.entries()].sort(([a], [b]) => byName(a, b)).map(([day, tally]) => ({ user, day, ...figures(tally) })),
  );
  const userRows: UsageUser[] = users.map((user) => ({ user, ...figures(perUser.get(user)!) }));
  return { from: range.from, to: range.to, at: new Date(now).toISOString(), days: dayRows, users: userRows, total: figures(total) };
}
