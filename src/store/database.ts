/**
 * Opening the database: SQLite in WAL mode through Kysely, migrated to the latest version.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect } from 'kysely';
import { migrationProvider } from './migrations.js';
import type { Database } from './schema.js';
import { PRIVATE_DIR_MODE, assertPrivateFile, ensurePrivateFile } from './data-dir.js';

export type Db = Kysely<Database>;

/**
 * Opens (creating when missing) the database at `file`, or ':memory:'. A file is created 0600
 * before SQLite sees it, so its -wal and -shm files are 0600 too; any of them found looser
 * throws DataDirModeError (see data-dir.ts).
 */
export async function openDatabase(file: string): Promise<Db> {
  if (file !== ':memory:') {
    mkdirSync(path.dirname(file), { recursive: true, mode: PRIVATE_DIR_MODE });
    ensurePrivateFile(file);
  }
  const sqlite = new SQLite(file);
  sqlite.pragma('journal_mode = WAL');
  if (file !== ':memory:') {
    for (const suffix of ['-wal', '-shm']) {
      try {
        assertPrivateFile(`${file}${suffix}`);
      } catch (err) {
        sqlite.close();
        throw err;
      }
    }
  }
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  const { error, results } = await new Migrator({ db, provider: migrationProvider }).migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    await db.destroy();
    throw new Error(`database migration ${failed?.migrationName ?? ''} failed: ${String(error)}`);
  }
  return db;
}

export const now = (): string => new Date().toISOString();
