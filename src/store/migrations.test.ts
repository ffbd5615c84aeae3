import SQLite from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect, sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { usageDaysOf, type UsageDayRow } from '../usage/rollup.js';
import { migrationProvider } from './migrations.js';
import type { SandboxLifetime } from './sandboxes.js';
import type { Database } from './schema.js';

describe('database migrations', () => {
  let db: Kysely<Database> | undefined;
  afterEach(async () => {
    await db?.destroy();
  });

  it('gives sandboxes from before CPU requests a request equal to their limit, so they keep holding what they held', async () => {
    db = new Kysely<Database>({ dialect: new SqliteDialect({ database: new SQLite(':memory:') }) });
    const migrator = new Migrator({ db, provider: migrationProvider });
    expect((await migrator.migrateTo('0005_token_address')).error).toBeUndefined();
    await sql`insert into users (username, role, created_at) values ('alice', 'user', '2026-01-01T00:00:00.000Z')`.execute(db);
    await sql`insert into sandboxes (id, user_id, username, name, image, image_ref, machine, cpus, memory_bytes, state, token, created_at)
              values ('old', 1, 'alice', 'main', 'notebook', 'shiva/notebook:latest', 'local', 3, 1073741824, 'running', 't', '2026-01-01T00:00:00.000Z')`.execute(db);
    expect((await migrator.migrateToLatest()).error).toBeUndefined();
    const row = await db.selectFrom('sandboxes').select(['cpus', 'cpu_request']).where('id', '=', 'old').executeTakeFirstOrThrow();
    expect(row).toEqual({ cpus: 3, cpu_request: 3 });
  });

  it('fills the usage roll-up with every sandbox that ended before the upgrade, cut at midnights as an ending cuts it', async () => {
    db = new Kysely<Database>({ dialect: new SqliteDialect({ database: new SQLite(':memory:') }) });
    const migrator = new Migrator({ db, provider: migrationProvider });
    expect((await migrator.migrateTo('0014_ssh_keys')).error).toBeUndefined();
    await sql`insert into users (username, role, created_at) values ('alice', 'user', '2026-01-01T00:00:00.000Z')`.execute(db);
    const rows: SandboxLifetime[] = [];
    let seed = 7;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const states = ['stopped', 'failed', 'running', 'unknown'] as const;
    for (let i = 0; i < 300; i++) {
      // Starts on a midnight, a millisecond either side of one, or anywhere; runs from nothing to weeks, or whole days.
      const midnight = Date.parse('2026-02-01T00:00:00.000Z') + Math.floor(rnd() * 30) * 86_400_000;
      const start = midnight + [0, -1, 1, Math.floor(rnd() * 86_400_000)][Math.floor(rnd() * 4)]!;
      const stop = start + [0, 1, Math.floor(rnd() * 7_200_000), Math.floor(rnd() * 20 * 86_400_000), 86_400_000 * Math.ceil(rnd() * 3)][Math.floor(rnd() * 5)]!;
      const row: SandboxLifetime = {
        id: `s${i}`,
        username: 'alice',
        cpus: 2,
        cpu_request: [0.1, 1 / 3, 2][i % 3]!,
        memory_bytes: Math.round([0.3, 4][i % 2]! * 1024 ** 3),
        gpus: ['[]', '["0","1"]', 'not json', '{"a":1}'][i % 4]!,
        state: states[Math.floor(rnd() * states.length)]!,
        started_at: rnd() < 0.1 ? null : new Date(start).toISOString(),
        stopped_at: rnd() < 0.1 ? null : new Date(stop).toISOString(),
      };
      rows.push(row);
      await db
        .insertInto('sandboxes')
        .values({ ...row, user_id: 1, name: row.id, image: 'tiny', image_ref: 'shiva/tiny:latest', machine: 'local', token: 't', created_at: '2026-01-01T00:00:00.000Z' })
        .execute();
    }
    expect((await migrator.migrateToLatest()).error).toBeUndefined();
    const expected = new Map<string, UsageDayRow>();
    for (const piece of rows.flatMap(usageDaysOf)) {
      const key = `${piece.day}/${piece.cpu_request}/${piece.memory_bytes}/${piece.gpus}`;
      const sum = expected.get(key);
      if (sum) Object.assign(sum, { sandboxes: sum.sandboxes + 1, started: sum.started + piece.started, ms: sum.ms + piece.ms });
      else expected.set(key, { ...piece });
    }
    const order = (a: UsageDayRow, b: UsageDayRow) => (a.day + a.cpu_request + a.memory_bytes + a.gpus < b.day + b.cpu_request + b.memory_bytes + b.gpus ? -1 : 1);
    expect(expected.size).toBeGreaterThan(100);
    expect((await db.selectFrom('usage_days').selectAll().execute()).sort(order)).toEqual([...expected.values()].sort(order));
  });
});
