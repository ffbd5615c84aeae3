/**
 * The data directory holds password and token hashes and every sandbox's secret, so nobody but
 * the hub's own account may read it: the directory is 0700 and its files 0600, created so from
 * the first byte (never created loose and tightened later), and a hub finding looser modes
 * refuses to start rather than carry on with secrets others can read. OpenSSH refuses a private
 * key readable by group or others in the same way (ssh(1): "UNPROTECTED PRIVATE KEY FILE").
 */
import { closeSync, constants, mkdirSync, openSync, statSync } from 'node:fs';
import path from 'node:path';

/** The files the hub keeps directly in its data directory (user homes live in `homes/`). */
export const DATA_FILES = {
  database: 'shiva.db',
  /** SQLite's write-ahead log and shared-memory index: they hold recent rows too. */
  databaseWal: 'shiva.db-wal',
  databaseShm: 'shiva.db-shm',
  lock: 'hub.lock',
  pid: 'hub.pid',
  /** The SSH gateway's host key (src/ssh/host-key.ts): who holds it can pose as the gateway. */
  sshHostKey: 'ssh_host_ed25519_key',
} as const;

export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/** Group and other permission bits: any of them lets another local account in. */
const SHARED_BITS = 0o077;

/** A path of the data directory found with group or other permissions. */
export interface LoosePath {
  path: string;
  kind: 'directory' | 'file';
  /** The permission bits found, e.g. 0o755. */
  mode: number;
}

/** The data directory or some of its files could be read or written by another local account. */
export class DataDirModeError extends Error {
  readonly paths: readonly LoosePath[];

  constructor(paths: readonly LoosePath[]) {
    const listed = paths.map((p) => `${p.path} (a ${p.kind}, mode ${p.mode.toString(8).padStart(3, '0')})`).join(', ');
    super(
      `readable or writable by group or others: ${listed}. The data directory holds password hashes and sandbox secrets, ` +
        `so the hub will not start until only its owner can use it; run: ${fixCommand(paths)}`,
    );
    this.name = 'DataDirModeError';
    this.paths = paths;
  }
}

/**
 * Makes the data directory (and any missing parent) 0700 when it is missing, then throws one
 * DataDirModeError naming every loose path among the directory and DATA_FILES, with the one
 * `chmod` command that fixes them all. The umask can only take bits away, never add them.
 */
export function prepareDataDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  const loose = [looseness(dir, 'directory'), ...Object.values(DATA_FILES).map((f) => looseness(path.join(dir, f), 'file'))];
  const found = loose.filter((p): p is LoosePath => p !== null);
  if (found.length > 0) throw new DataDirModeError(found);
}

/**
 * Creates `file` empty with mode 0600 when it is missing (O_CREAT with that mode, so it is never
 * looser, even for an instant); throws DataDirModeError when it exists with looser bits. SQLite
 * opens such a file as it is and gives its -wal and -shm files the same mode (its unix VFS,
 * robust_open through findCreateFileMode).
 */
export function ensurePrivateFile(file: string): void {
  closeSync(openSync(file, constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND, PRIVATE_FILE_MODE));
  const loose = looseness(file, 'file');
  if (loose) throw new DataDirModeError([loose]);
}

/** Throws DataDirModeError when `file` exists and group or others have any permission on it. */
export function assertPrivateFile(file: string): void {
  const loose = looseness(file, 'file');
  if (loose) throw new DataDirModeError([loose]);
}

function looseness(target: string, kind: LoosePath['kind']): LoosePath | null {
  let mode: number;
  try {
    mode = statSync(target).mode & 0o777;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  return (mode & SHARED_BITS) === 0 ? null : { path: target, kind, mode };
}

function fixCommand(paths: readonly LoosePath[]): string {
  const dirs = paths.filter((p) => p.kind === 'directory').map((p) => shellQuote(p.path));
  const files = paths.filter((p) => p.kind === 'file').map((p) => shellQuote(p.path));
  return [dirs.length ? `chmod 700 ${dirs.join(' ')}` : '', files.length ? `chmod 600 ${files.join(' ')}` : '']
    .filter(Boolean)
    .join(' && ');
}

/** A path as a POSIX shell reads it back. */
function shellQuote(target: string): string {
  return /^[A-Za-z0-9_./+:-]+$/.test(target) ? target : `'${target.replaceAll("'", "'\\''")}'`;
}
