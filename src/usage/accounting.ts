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
import type { UsageDay, UsageReport, UsageUser } from '../contract/api.js';
import { TERMINAL_STATES } from '../contract/sandbox-states.js';
import type { SandboxLifetime } from '../store/sandboxes.js';
import { DAY_MS, dayOf, rangeBounds, type DayRange } from './range.js';
import { addMs, figures, gpuCount, newTally, sizeKey, type Tally } from './tally.js';

export type UsageSandbox = SandboxLifetime;

/** Tallies per user per UTC day (`YYYY-MM-DD`), and per user over the whole window. */
export interface UsageTallies {
  days: Map<string, Map<string, Tally>>;
  users: Map<string, Tally>;
}

export const newTallies = (): UsageTallies => ({ days: new Map(), users: new Map() });

/** The tally of `key` in `map`, made when missing. */
export function tallyOf(map: Map<string, Tally>, key: string): Tally {
  let tally = map.get(key);
  if (!tally) map.set(key, (tally = newTally()));
  return tally;
}

/** The day tallies of `user`, made when missing. */
export function daysOf(tallies: UsageTallies, user: string): Map<string, Tally> {
  let days = tallies.days.get(user);
  if (!days) tallies.days.set(user, (days = new Map()));
  return days;
}

/** When a sandbox's lifetime ends for accounting: its stop, or `now` while it lives; null if unknowable. */
function lifetimeEnd(sandbox: UsageSandbox, now: number): number | null {
  if (!TERMINAL_STATES.includes(sandbox.state)) return now;
  // An ended sandbox always records its end; without one there is nothing honest to count.
  return sandbox.stopped_at === null ? null : Date.parse(sandbox.stopped_at);
}

/**
 * Adds to `tallies` the use of `sandboxes` between `window.start` and `window.end` (ms), as of
 * `now` (nothing after it counts), split at UTC midnights. Each sandbox that ran in the window
 * counts once on each day it ran and once in its user's tally, unless `counted` says its user's
 * tally already has it (the roll-up counted its earlier days).
 */
export function tallyLifetimes(
  tallies: UsageTallies,
  sandboxes: readonly UsageSandbox[],
  window: { start: number; end: number },
  now: number,
  counted: (sandbox: UsageSandbox) => boolean = () => false,
): void {
  for (const sandbox of sandboxes) {
    if (sandbox.started_at === null) continue;
    const end = lifetimeEnd(sandbox, now);
    if (end === null) continue;
    const from = Math.max(Date.parse(sandbox.started_at), window.start);
    const until = Math.min(end, window.end, now);
    if (!(until > from)) continue;
    const size = { cpuRequest: sandbox.cpu_request, memoryBytes: sandbox.memory_bytes, gpus: gpuCount(sandbox.gpus) };
    const key = sizeKey(size);
    const days = daysOf(tallies, sandbox.username);
    for (let midnight = Math.floor(from / DAY_MS) * DAY_MS; midnight < until; midnight += DAY_MS) {
      const tally = tallyOf(days, dayOf(midnight));
      tally.sandboxes++;
      addMs(tally, size, Math.min(until, midnight + DAY_MS) - Math.max(from, midnight), key);
    }
    const user = tallyOf(tallies.users, sandbox.username);
    if (!counted(sandbox)) user.sandboxes++;
    addMs(user, size, until - from, key);
  }
}

const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** The report of `tallies` for `range` as of `now`: users and their days sorted by name, the total over everyone. */
export function usageReportOf(tallies: UsageTallies, range: DayRange, now: number): UsageReport {
  const total = newTally();
  const users = [...tallies.users.keys()].sort(byName);
  const dayRows: UsageDay[] = users.flatMap((user) =>
    [...(tallies.days.get(user) ?? new Map<string, Tally>()).entries()].sort(([a], [b]) => byName(a, b)).map(([day, tally]) => ({ user, day, ...figures(tally) })),
  );
  const userRows: UsageUser[] = users.map((user) => {
    const tally = tallies.users.get(user)!;
    total.sandboxes += tally.sandboxes;
    for (const [key, { size, ms }] of tally.ms) addMs(total, size, ms, key);
    return { user, ...figures(tally) };
  });
  return { from: range.from, to: range.to, at: new Date(now).toISOString(), days: dayRows, users: userRows, total: figures(total) };
}

/**
 * The usage of `sandboxes` within `range`, split at UTC midnights, as of `now` (which also
 * cuts the range: nothing is counted in the future). Days without use are left out. Worked out
 * from every lifetime in the range: the reference the daily roll-up (report.ts) is held to, and
 * what it uses for sandboxes still alive.
 */
export function accountUsage(sandboxes: readonly UsageSandbox[], range: DayRange, now: number): UsageReport {
  const tallies = newTallies();
  tallyLifetimes(tallies, sandboxes, rangeBounds(range), now);
  return usageReportOf(tallies, range, now);
}
