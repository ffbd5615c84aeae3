import SQLite from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect, sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { migrationProvider } from './migrations.js';
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
});
