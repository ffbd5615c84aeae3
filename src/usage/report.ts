/**
 * A usage report answered from the daily roll-up: the whole days before today come from
 * `usage_days` (one row per day, user and size, however many sandboxes ran), and only what the
 * roll-up cannot answer exactly is worked out from sandbox rows as accounting.ts does:
 *
 * - live sandboxes, which are not in the roll-up until they end;
 * - today, for sandboxes that ended: the roll-up's today is still filling, and a sandbox whose
 *   recorded stop lies after now (a clock set back) must be cut at now, which only its row can do.
 *
 * The answer equals accountUsage over every row of the range (report.test.ts holds it to that).
 *
 * A sandbox that ran on several days counts once in a total. The roll-up keeps, per day, the
 * sandboxes that ran that day and those whose run began that day: the distinct sandboxes of days
 * D1…Dn are those that ran on D1 plus those that began on D2…Dn, since every other one began
 * before D1 and so ran on D1 too.
 */
import type { UsageReport } from '../contract/api.js';
import type { SandboxLifetime } from '../store/sandboxes.js';
import { daysOf, newTallies, tallyLifetimes, tallyOf, usageReportOf } from './accounting.js';
import { DAY_MS, dayOf, rangeBounds, type DayRange } from './range.js';
import type { UsageDayRow } from './rollup.js';
import { addMs, sizeKey } from './tally.js';

/** Where the report reads from: the roll-up and the few sandbox rows it cannot answer for. ISO times; `username` narrows to one user. */
export interface UsageSource {
  /** Roll-up rows of the days from `fromDay` up to but not including `untilDay`. */
  days(fromDay: string, untilDay: string, username?: string): Promise<UsageDayRow[]>;
  /** Live sandboxes that started before `until`. */
  live(until: string, username?: string): Promise<SandboxLifetime[]>;
  /** Ended sandboxes that stopped after `since` and started before `until`. */
  endedBetween(since: string, until: string, username?: string): Promise<SandboxLifetime[]>;
  /**
   * Runs `read` with reads that all see the database at one moment. A report reads three times,
   * and a sandbox that ends between two of them (its row and its roll-up rows change in one
   * transaction) would be in neither the roll-up read before nor the rows read after: a report
   * or CSV made as someone stops a sandbox would leave its days out. Without it, each read sees
   * its own moment.
   */
  consistent?<T>(read: (source: UsageSource) => Promise<T>): Promise<T>;
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** The usage within `range` as of `now`, of one user or (undefined) everyone; the same report accountUsage makes from rows. */
export async function usageReport(source: UsageSource, range: DayRange, now: number, username?: string): Promise<UsageReport> {
  if (source.consistent) return source.consistent((reads) => reportFrom(reads, range, now, username));
  return reportFrom(source, range, now, username);
}

async function reportFrom(source: UsageSource, range: DayRange, now: number, username?: string): Promise<UsageReport> {
  const { start, end } = rangeBounds(range);
  const today = Math.floor(now / DAY_MS) * DAY_MS;
  const tallies = newTallies();

  const rolledUntil = Math.min(end, today);
  if (rolledUntil > start) {
    const firstDay = dayOf(start);
    for (const row of await source.days(firstDay, dayOf(rolledUntil), username)) {
      const size = { cpuRequest: row.cpu_request, memoryBytes: row.memory_bytes, gpus: row.gpus };
      const key = sizeKey(size);
      const day = tallyOf(daysOf(tallies, row.username), row.day);
      day.sandboxes += row.sandboxes;
      addMs(day, size, row.ms, key);
      const user = tallyOf(tallies.users, row.username);
      user.sandboxes += row.day === firstDay ? row.sandboxes : row.started;
      addMs(user, size, row.ms, key);
    }
  }

  const cut = Math.min(end, now);
  if (end > today && cut > start) {
    const since = Math.max(start, today);
    const ended = await source.endedBetween(iso(since), iso(cut), username);
    // One that began before today and before it the range began is in the roll-up's days, and counted there.
    const counted = (s: SandboxLifetime): boolean => since > start && Date.parse(s.started_at!) < since;
    tallyLifetimes(tallies, ended, { start: since, end }, now, counted);
  }

  if (cut > start) tallyLifetimes(tallies, await source.live(iso(cut), username), { start, end }, now);
  return usageReportOf(tallies, range, now);
}
