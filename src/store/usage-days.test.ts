import SQLite from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect, sql, type CompiledQuery } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrationProvider } from './migrations.js';
import { SandboxRepository, type NewSandbox } from './sandboxes.js';
import type { Database } from './schema.js';
import { UsageDayRepository } from './usage-days.js';
import { GiB } from '../contract/resources.js';


const running = (id: string, started: string): NewSandbox => ({
  id,
  user_id: 1,
  username: 'alice',
  name: id,
  image: 'tiny',
  image_ref: 'shiva/tiny:latest',
  machine: 'local',
  cpus: 2,
  cpu_request: 1,
  memory_bytes: 4 * GiB,
  gpus: '["0"]',
  state: 'running',
  token: 't',
  created_at: started,
  started_at: started,
  stopped_at: null,
});

describe('the daily usage roll-up in the database', () => {
  let sqlite: SQLite.Database;
  let db: Kysely<Database>;
  let repo: SandboxRepository;
  let days: UsageDayRepository;
  /** The queries the repositories ran, as SQLite was given them. */
  let ran: CompiledQuery[];

  beforeEach(async () => {
    sqlite = new SQLite(':memory:');
    ran = [];
    db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }), log: (event) => void ran.push(event.query) });
    expect((await new Migrator({ db, provider: migrationProvider }).migrateToLatest()).error).toBeUndefined();
    await sql`insert into users (username, role, created_at) values ('alice', 'user', '2026-01-01T00:00:00.000Z')`.execute(db);
    repo = new SandboxRepository(db);
    days = new UsageDayRepository(db);
  });
  afterEach(async () => {
    await db.destroy();
  });

  const rolledUp = () => db.selectFrom('usage_days').select(['day', 'sandboxes', 'started', 'ms']).orderBy('day').execute();

  it('counts a sandbox when it ends, once, however often something tries to end it again', async () => {
    expect(await repo.insertLaunch(running('a', '2026-03-05T23:00:00.000Z'), 10)).toBe('ok');
    expect(await rolledUp()).toEqual([]);
    expect(await repo.transition('a', 0, { state: 'stopping', reason: 'asked' })).toBe(true);
    expect(await rolledUp()).toEqual([]);
    expect(await repo.transition('a', 1, { state: 'stopped', stopped_at: '2026-03-06T01:00:00.000Z' })).toBe(true);
    // A decision taken on the row as it was before the stop changes nothing.
    expect(await repo.transition('a', 1, { state: 'stopped', stopped_at: '2026-03-06T05:00:00.000Z' })).toBe(false);
    expect(await rolledUp()).toEqual([
      { day: '2026-03-05', sandboxes: 1, started: 1, ms: 3_600_000 },
      { day: '2026-03-06', sandboxes: 1, started: 0, ms: 3_600_000 },
    ]);
  });

  it('adds sandboxes of one user, day and size into one row', async () => {
    for (const id of ['a', 'b']) {
      await repo.insertLaunch(running(id, '2026-03-05T10:00:00.000Z'), 10);
      await repo.transition(id, 0, { state: 'stopped', stopped_at: '2026-03-05T10:30:00.000Z' });
    }
    expect(await rolledUp()).toEqual([{ day: '2026-03-05', sandboxes: 2, started: 2, ms: 3_600_000 }]);
  });

  it('leaves a sandbox live and uncounted when its usage cannot be written, so that it is never ended without being counted', async () => {
    await repo.insertLaunch(running('a', '2026-03-05T10:00:00.000Z'), 10);
    await sql`drop table usage_days`.execute(db);
    await expect(repo.transition('a', 0, { state: 'stopped', stopped_at: '2026-03-05T11:00:00.000Z' })).rejects.toThrow(/usage_days/);
    expect(await repo.byId('a')).toMatchObject({ state: 'running', version: 0, stopped_at: null });
  });

  it('answers every query of a usage report from an index, never by reading a whole table', async () => {
    ran = [];
    await days.between('2026-01-01', '2026-03-10');
    await days.between('2026-01-01', '2026-03-10', 'alice');
    await repo.liveLifetimes('2026-03-10T12:00:00.000Z');
    await repo.endedLifetimesBetween('2026-03-10T00:00:00.000Z', '2026-03-10T12:00:00.000Z', 'alice');
    const plans = ran.map((query) =>
      (sqlite.prepare(`explain query plan ${query.sql}`).all(...(query.parameters as unknown[])) as Array<{ detail: string }>).map((row) => row.detail).join('; '),
    );
    expect(plans).toEqual([
      expect.stringMatching(/^SEARCH usage_days USING PRIMARY KEY \(day>\? AND day<\?\)/),
      expect.stringMatching(/^SEARCH usage_days USING INDEX usage_days_user \(username=\? AND day>\? AND day<\?\)/),
      expect.stringMatching(/^SEARCH sandboxes USING INDEX sandboxes_state \(state=\?\)/),
      expect.stringMatching(/^SEARCH sandboxes USING INDEX sandboxes_stopped_at \(stopped_at>\?\)/),
    ]);
    for (const plan of plans) expect(plan).not.toMatch(/\bSCAN\b/);
  });
});
