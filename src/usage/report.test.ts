/**
 * The roll-up's answer held to the reference: for many random histories, usage read from the
 * daily roll-up equals accountUsage over every sandbox row, to the last decimal and the last
 * sandbox counted. Histories reach the roll-up every way a hub's do: sandboxes that ended before
 * the upgrade (the migration's back-fill), sandboxes that end through a change of state, and
 * ended rows written straight into the table.
 */
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect, sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { LIVE_STATES, type SandboxState } from '../contract/sandbox-states.js';
import { migrationProvider } from '../store/migrations.js';
import { SandboxRepository, type SandboxLifetime } from '../store/sandboxes.js';
import type { Database } from '../store/schema.js';
import { UsageDayRepository } from '../store/usage-days.js';
import { accountUsage } from './accounting.js';
import { DAY_MS, dayOf, type DayRange } from './range.js';
import { usageReport, type UsageSource } from './report.js';
import { usageSourceOf } from './source.js';
import { GiB } from '../contract/resources.js';

const HOUR_MS = 3_600_000;
/** Noon, so that "today" has had ended sandboxes and live ones in it. */
const NOW = Date.parse('2026-03-10T12:00:00.000Z');
const TODAY = Math.floor(NOW / DAY_MS) * DAY_MS;
const USERS = ['alice', 'bob', 'carol'];
const LAST_BEFORE_ROLLUP = '0014_ssh_keys';

/** A seeded generator, so that a failing history can be replayed. */
function random(seed: number) {
  let s = seed >>> 0;
  const next = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
  const int = (below: number): number => Math.floor(next() * below);
  const pick = <T>(list: readonly T[]): T => list[int(list.length)]!;
  return { next, int, pick };
}
type Random = ReturnType<typeof random>;

interface History {
  /** Ended before the upgrade: in the table before migration 0016 back-fills the roll-up. */
  before: SandboxLifetime[];
  /** Started as live, then ended (or not) through a change of state. */
  after: Array<{ row: SandboxLifetime; end?: { state: 'stopped' | 'failed'; stopped_at: string } }>;
  /** Written straight into the table as they are, ended or live. */
  direct: SandboxLifetime[];
}

/** A moment near NOW: often on a midnight, sometimes a millisecond off one. */
function moment(r: Random): number {
  const day = TODAY - (r.int(40) - 2) * DAY_MS;
  switch (r.int(5)) {
    case 0:
      return day;
    case 1:
      return day + (r.next() < 0.5 ? -1 : 1);
    default:
      return day + r.int(DAY_MS);
  }
}

/** How long a sandbox ran: nothing, a moment, minutes, hours over a midnight, or weeks. */
function duration(r: Random): number {
  switch (r.int(6)) {
    case 0:
      return 0;
    case 1:
      return 1 + r.int(1000);
    case 2:
      return r.int(90 * 60_000);
    case 3:
      return r.int(30 * HOUR_MS);
    case 4:
      return r.int(20 * DAY_MS);
    default:
      return DAY_MS * (1 + r.int(3));
  }
}

function history(r: Random, count: number): History {
  const h: History = { before: [], after: [], direct: [] };
  for (let i = 0; i < count; i++) {
    const start = moment(r);
    const stop = start + duration(r);
    const row: SandboxLifetime = {
      id: `s${i}`,
      username: r.pick(USERS),
      cpus: 4,
      cpu_request: r.pick([0.1, 0.25, 1 / 3, 0.5, 1, 2.5, 3.7]),
      memory_bytes: Math.round(r.pick([0.3, 1, 1.5, 4, 7.1]) * GiB),
      gpus: r.pick(['[]', '[]', '["0"]', '["GPU-1","GPU-2"]', 'not json']),
      state: 'stopped',
      started_at: new Date(start).toISOString(),
      stopped_at: new Date(stop).toISOString(),
    };
    const ended = (state: 'stopped' | 'failed'): SandboxLifetime => ({ ...row, state });
    switch (r.int(8)) {
      case 0:
        // A launch that failed before it ever ran.
        h.direct.push({ ...row, state: 'failed', started_at: null });
        break;
      case 1: {
        // Live now, in any live state, perhaps started after now.
        const state: SandboxState = r.pick(LIVE_STATES);
        h.after.push({ row: { ...row, state, stopped_at: null } });
        break;
      }
      case 2:
        h.before.push(ended(r.pick(['stopped', 'failed'])));
        break;
      case 3:
        h.direct.push(ended(r.pick(['stopped', 'failed'])));
        break;
      case 4:
        // Ended without a recorded end: nothing honest to count.
        h.direct.push({ ...row, stopped_at: null });
        break;
      default:
        h.after.push({ row: { ...row, state: 'running', stopped_at: null }, end: { state: r.pick(['stopped', 'failed']), stopped_at: row.stopped_at! } });
    }
  }
  return h;
}

const launch = (row: SandboxLifetime) => ({
  ...row,
  user_id: USERS.indexOf(row.username) + 1,
  name: row.id,
  image: 'tiny',
  image_ref: 'shiva/tiny:latest',
  machine: 'local',
  token: 't',
  created_at: row.started_at ?? new Date(NOW).toISOString(),
});

/** A database that lived through `h`: the upgrade in the middle, as a hub's does. */
async function databaseOf(h: History): Promise<Kysely<Database>> {
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: new SQLite(':memory:') }) });
  const migrator = new Migrator({ db, provider: migrationProvider });
  expect((await migrator.migrateTo(LAST_BEFORE_ROLLUP)).error).toBeUndefined();
  for (const username of USERS) await sql`insert into users (username, role, created_at) values (${username}, 'user', '2026-01-01T00:00:00.000Z')`.execute(db);
  for (const row of h.before) await db.insertInto('sandboxes').values(launch(row)).execute();
  expect((await migrator.migrateToLatest()).error).toBeUndefined();
  const repo = new SandboxRepository(db);
  for (const { row, end } of h.after) {
    expect(await repo.insertLaunch(launch(row), 1000)).toBe('ok');
    if (end) expect(await repo.transition(row.id, 0, end)).toBe(true);
  }
  for (const row of h.direct) expect(await repo.insertLaunch(launch(row), 1000)).toBe('ok');
  return db;
}

const sourceOf = (db: Kysely<Database>): UsageSource => {
  const repo = new SandboxRepository(db);
  const days = new UsageDayRepository(db);
  return {
    days: (fromDay, untilDay, username) => days.between(fromDay, untilDay, username),
    live: (until, username) => repo.liveLifetimes(until, username),
    endedBetween: (since, until, username) => repo.endedLifetimesBetween(since, until, username),
  };
};

const allRows = (db: Kysely<Database>): Promise<SandboxLifetime[]> =>
  db.selectFrom('sandboxes').select(['id', 'username', 'cpus', 'cpu_request', 'memory_bytes', 'gpus', 'state', 'started_at', 'stopped_at']).execute();

/** Ranges of every length, from one day to a year, before, around and after today. */
function ranges(r: Random): DayRange[] {
  const fixed = [
    { from: dayOf(TODAY), to: dayOf(TODAY) },
    { from: dayOf(TODAY - DAY_MS), to: dayOf(TODAY - DAY_MS) },
    { from: dayOf(TODAY - 365 * DAY_MS), to: dayOf(TODAY) },
    { from: dayOf(TODAY - 29 * DAY_MS), to: dayOf(TODAY) },
    { from: dayOf(TODAY + DAY_MS), to: dayOf(TODAY + 3 * DAY_MS) },
  ];
  const drawn = Array.from({ length: 12 }, () => {
    const from = TODAY - (r.int(50) - 5) * DAY_MS;
    return { from: dayOf(from), to: dayOf(from + r.int(r.pick([1, 7, 60])) * DAY_MS) };
  });
  return [...fixed, ...drawn];
}

describe('usage from the daily roll-up', () => {
  let db: Kysely<Database> | undefined;
  afterEach(async () => {
    await db?.destroy();
    db = undefined;
  });

  it('equals the usage worked out from every sandbox row, for random histories, ranges, users and moments', async () => {
    let compared = 0;
    for (let seed = 1; seed <= 40; seed++) {
      const r = random(seed);
      const h = history(r, 10 + r.int(80));
      await db?.destroy();
      db = await databaseOf(h);
      const source = sourceOf(db);
      const rows = await allRows(db);
      // Now, a few hours earlier (some recorded stops lie after it: a clock set back) and days later.
      for (const now of [NOW, NOW - 5 * HOUR_MS, NOW + 2 * DAY_MS + 1]) {
        for (const range of ranges(r)) {
          for (const user of [undefined, ...USERS]) {
            const expected = accountUsage(user ? rows.filter((s) => s.username === user) : rows, range, now);
            const context = { seed, now: new Date(now).toISOString(), range, user };
            expect({ ...context, report: await usageReport(source, range, now, user) }).toEqual({ ...context, report: expected });
            compared++;
          }
        }
      }
    }
    expect(compared).toBe(40 * 3 * 17 * 4);
  });

  it('counts a sandbox that ran for weeks once in the totals and once on each of its days', async () => {
    const row: SandboxLifetime = {
      id: 'long',
      username: 'alice',
      cpus: 2,
      cpu_request: 0.5,
      memory_bytes: 2 * GiB,
      gpus: '["0"]',
      state: 'stopped',
      started_at: new Date(TODAY - 20 * DAY_MS - 3 * HOUR_MS).toISOString(),
      stopped_at: new Date(TODAY - 2 * DAY_MS + 6 * HOUR_MS).toISOString(),
    };
    db = await databaseOf({ before: [], after: [{ row: { ...row, state: 'running', stopped_at: null }, end: { state: 'stopped', stopped_at: row.stopped_at! } }], direct: [] });
    const report = await usageReport(sourceOf(db), { from: dayOf(TODAY - 29 * DAY_MS), to: dayOf(TODAY) }, NOW);
    expect(report.days).toHaveLength(20);
    expect(report.days.every((d) => d.sandboxes === 1)).toBe(true);
    expect(report.users).toEqual([{ user: 'alice', sandboxes: 1, sandboxHours: 441, cpuHours: 220.5, gpuHours: 441, memoryGiBHours: 882 }]);
    expect(report.total.sandboxes).toBe(1);
  });

  it("never loses a sandbox that ends while a report reads: the report sees it live or ended, never neither", async () => {
    const started = TODAY - 3 * DAY_MS;
    const row: SandboxLifetime = {
      id: 'ending',
      username: 'alice',
      cpus: 1,
      cpu_request: 1,
      memory_bytes: GiB,
      gpus: '[]',
      state: 'running',
      started_at: new Date(started).toISOString(),
      stopped_at: null,
    };
    db = await databaseOf({ before: [], after: [{ row }], direct: [] });
    const repo = new SandboxRepository(db);
    const range = { from: dayOf(TODAY - 29 * DAY_MS), to: dayOf(TODAY) };
    const stoppedAt = new Date(NOW - HOUR_MS).toISOString();
    const live = accountUsage(await allRows(db), range, NOW);
    const ended = accountUsage([{ ...row, state: 'stopped', stopped_at: stoppedAt }], range, NOW);
    expect(live.users[0]!.sandboxHours).toBe(84);
    expect(ended.users[0]!.sandboxHours).toBe(83);

    // The sandbox ends (its row and its roll-up rows in one transaction, as a stop writes them)
    // just after the report has read the roll-up's days, before it reads the rows.
    let ending: Promise<boolean> | undefined;
    const endsAfterDays = (source: UsageSource): UsageSource => ({
      ...source,
      days: async (fromDay, untilDay, username) => {
        const rows = await source.days(fromDay, untilDay, username);
        ending ??= repo.transition('ending', 0, { state: 'stopped', stopped_at: stoppedAt });
        // Long enough for the ending to be written, unless the report's reads keep it waiting.
        await Promise.race([ending, new Promise((resolve) => setTimeout(resolve, 300))]);
        return rows;
      },
    });
    const hubs = usageSourceOf(db);
    const source: UsageSource = {
      ...endsAfterDays(hubs),
      ...(hubs.consistent ? { consistent: (read) => hubs.consistent!((reads) => read(endsAfterDays(reads))) } : {}),
    };
    const report = await usageReport(source, range, NOW);
    expect(await ending).toBe(true);
    expect([live, ended]).toContainEqual(report);
  });
});
