/**
 * `shiva users set-password` against a data directory whose hub is stopped: the way back in
 * for a lost admin password. (With the hub running, the README test resets it and signs in.)
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword, verifyPassword } from '../src/auth/passwords.js';
import { openDatabase } from '../src/store/database.js';
import { SessionRepository } from '../src/store/sessions.js';
import { UserRepository } from '../src/store/users.js';
import { AuditRepository } from '../src/store/audit.js';
import { runShiva } from './support/cli.js';

describe('shiva users set-password, with the hub stopped', () => {
  let dir: string;
  let dataDir: string;

  const shiva = (args: string[], input?: string) => runShiva(args, { SHIVA_CONFIG: '', SHIVA_DATA_DIR: '' }, input ?? '');

  /** The stored state of the data directory, read the way the hub reads it. */
  const stored = async () => {
    const db = await openDatabase(path.join(dataDir, 'shiva.db'));
    try {
      const admin = (await new UserRepository(db).byName('admin'))!;
      const sessions = await db.selectFrom('sessions').select('id').where('user_id', '=', admin.id).execute();
      const audit = await new AuditRepository(db).find({ action: 'user.password', limit: 10 });
      return { hash: admin.password_hash, sessions: sessions.length, audit };
    } finally {
      await db.destroy();
    }
  };

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'shiva-set-password-'));
    dataDir = path.join(dir, 'data');
    mkdirSync(dataDir, { mode: 0o700 });
    // The database a hub leaves behind: an admin with a password nobody remembers, signed in somewhere.
    const db = await openDatabase(path.join(dataDir, 'shiva.db'));
    const admin = (await new UserRepository(db).create({ username: 'admin', passwordHash: await hashPassword('forgotten-long-ago'), role: 'admin' }))!;
    const at = new Date();
    await new SessionRepository(db).create({ id: 'old-session', userId: admin.id, createdAt: at.toISOString(), expiresAt: new Date(at.getTime() + 3_600_000).toISOString() });
    await db.destroy();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('sets the password read from standard input, ends the sessions and records it in the audit log', async () => {
    const done = await shiva(['users', 'set-password', 'admin', '--data-dir', dataDir, '--password-stdin'], 'a-new-long-password\n');
    expect(done.stderr).toBe('');
    expect(done.code).toBe(0);
    expect(done.stdout).toBe(`New password set for admin in ${dataDir}; 1 session ended.\n`);
    const after = await stored();
    expect(await verifyPassword('a-new-long-password', after.hash)).toBe(true);
    expect(await verifyPassword('forgotten-long-ago', after.hash)).toBe(false);
    expect(after.sessions).toBe(0);
    expect(after.audit.map((e) => [e.actor, e.target, e.result])).toContainEqual([null, 'admin', 'ok']);
  });

  it('generates a password and prints it once when none is given', async () => {
    const done = await shiva(['users', 'set-password', 'admin', '--data-dir', dataDir]);
    expect(done.code).toBe(0);
    const password = /Password \(shown only now\): (\S{16,})\n$/.exec(done.stdout)?.[1];
    expect(password).toBeDefined();
    expect(await verifyPassword(password!, (await stored()).hash)).toBe(true);
  });

  it('refuses an unknown user, a short password and a directory without a hub, changing nothing', async () => {
    const before = (await stored()).hash;
    const unknown = await shiva(['users', 'set-password', 'nobody', '--data-dir', dataDir]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe(`shiva: there is no user nobody in ${dataDir}.\n`);
    const short = await shiva(['users', 'set-password', 'admin', '--data-dir', dataDir, '--password-stdin'], 'short\n');
    expect(short.code).toBe(2);
    expect(short.stderr).toContain('the password must be 8 to 256 characters long');
    expect((await stored()).hash).toBe(before);

    const empty = path.join(dir, 'empty');
    mkdirSync(empty, { mode: 0o700 });
    const none = await shiva(['users', 'set-password', 'admin', '--data-dir', empty]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain(`no hub database in ${empty}`);
    expect(existsSync(path.join(empty, 'shiva.db'))).toBe(false);
  });
});
