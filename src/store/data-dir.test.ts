import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DataDirModeError, ensurePrivateFile, prepareDataDir } from './data-dir.js';
import { openDatabase } from './database.js';
import { loadOrCreateHostKey } from '../ssh/host-key.js';

const modeOf = (p: string) => statSync(p).mode & 0o777;

describe('the data directory', () => {
  let root: string;
  let umask: number;
  beforeEach(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'shiva-data-dir-'));
    // A permissive umask must not loosen anything: modes are given at creation.
    umask = process.umask(0);
  });
  afterEach(() => {
    process.umask(umask);
    rmSync(root, { recursive: true, force: true });
  });

  it('is created 0700, with its missing parents', () => {
    const dir = path.join(root, 'a', 'data');
    prepareDataDir(dir);
    expect(modeOf(dir)).toBe(0o700);
    expect(modeOf(path.join(root, 'a'))).toBe(0o700);
  });

  it('creates the database and its WAL and shared-memory files 0600', async () => {
    const dir = path.join(root, 'data');
    prepareDataDir(dir);
    const db = await openDatabase(path.join(dir, 'shiva.db'));
    try {
      for (const f of ['shiva.db', 'shiva.db-wal', 'shiva.db-shm']) expect(modeOf(path.join(dir, f)), f).toBe(0o600);
    } finally {
      await db.destroy();
    }
  });

  it('refuses a directory others can read, naming it and the chmod that fixes it', () => {
    const dir = path.join(root, 'open dir');
    mkdirSync(dir, { mode: 0o755 });
    const err = catchError(() => prepareDataDir(dir));
    expect(err).toBeInstanceOf(DataDirModeError);
    expect(err.message).toContain(`${dir} (a directory, mode 755)`);
    expect(err.message).toContain(`run: chmod 700 '${dir}'`);
    expect(modeOf(dir)).toBe(0o755);
  });

  it('refuses a world-readable database and a group-writable lock file in one message with one command', () => {
    const dir = path.join(root, 'data');
    mkdirSync(dir, { mode: 0o700 });
    writeFileSync(path.join(dir, 'shiva.db'), '', { mode: 0o644 });
    writeFileSync(path.join(dir, 'hub.lock'), '', { mode: 0o620 });
    const err = catchError(() => prepareDataDir(dir));
    expect(err.message).toContain(`${dir}/shiva.db (a file, mode 644)`);
    expect(err.message).toContain(`${dir}/hub.lock (a file, mode 620)`);
    expect(err.message).toContain(`run: chmod 600 ${dir}/shiva.db ${dir}/hub.lock`);
  });

  it('refuses a WAL file left world-readable, without opening the database', async () => {
    const dir = path.join(root, 'data');
    prepareDataDir(dir);
    writeFileSync(path.join(dir, 'shiva.db-wal'), '', { mode: 0o600 });
    chmodSync(path.join(dir, 'shiva.db-wal'), 0o604);
    expect(() => prepareDataDir(dir)).toThrow(/shiva\.db-wal \(a file, mode 604\)/);
  });

  it("refuses an SSH host key others can read, and the gateway makes its key 0600", () => {
    const dir = path.join(root, 'data');
    prepareDataDir(dir);
    const key = loadOrCreateHostKey(dir);
    expect(modeOf(path.join(dir, 'ssh_host_ed25519_key'))).toBe(0o600);
    expect(loadOrCreateHostKey(dir).fingerprint).toBe(key.fingerprint);
    chmodSync(path.join(dir, 'ssh_host_ed25519_key'), 0o644);
    expect(() => prepareDataDir(dir)).toThrow(/ssh_host_ed25519_key \(a file, mode 644\)/);
  });

  it('gives a file it creates 0600 and refuses one that exists looser', () => {
    const file = path.join(root, 'secret');
    ensurePrivateFile(file);
    expect(modeOf(file)).toBe(0o600);
    chmodSync(file, 0o640);
    expect(() => ensurePrivateFile(file)).toThrow(DataDirModeError);
  });
});

function catchError(run: () => void): Error {
  try {
    run();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected an error');
}
