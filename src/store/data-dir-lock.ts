/**
 * One hub per data directory. The lock is an exclusive SQLite lock on a file of its own: the
 * kernel drops it when the process dies, even by SIGKILL, so a crash never leaves a stale lock.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { DATA_FILES, ensurePrivateFile, prepareDataDir } from './data-dir.js';

export class DataDirLockedError extends Error {
  constructor(dir: string, holder: string) {
    super(`another Shiva hub${holder} is already using the data directory ${dir}; stop it or set SHIVA_DATA_DIR`);
    this.name = 'DataDirLockedError';
  }
}

export interface DataDirLock {
  release(): void;
}

/**
 * Takes the data directory for this process: makes it private (see prepareDataDir, which throws
 * DataDirModeError on loose modes), then throws DataDirLockedError when another hub holds it.
 */
export function lockDataDir(dir: string): DataDirLock {
  prepareDataDir(dir);
  const file = path.join(dir, DATA_FILES.lock);
  const pidFile = path.join(dir, DATA_FILES.pid);
  ensurePrivateFile(file);
  const lock = new SQLite(file, { timeout: 0 });
  try {
    lock.pragma('locking_mode = EXCLUSIVE');
    lock.exec('BEGIN EXCLUSIVE');
  } catch {
    lock.close();
    let holder = '';
    try {
      holder = ` (pid ${readFileSync(pidFile, 'utf8').trim()})`;
    } catch {
      // The pid file is only for the message.
    }
    throw new DataDirLockedError(dir, holder);
  }
  ensurePrivateFile(pidFile);
  writeFileSync(pidFile, `${process.pid}\n`);
  return {
    release() {
      lock.close();
    },
  };
}
