import SQLite from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect, sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from './database.js';
import { migrationProvider } from './migrations.js';
import type { Database } from './schema.js';
import { firstFreeId, parseIdClaim, UidRangeExhausted, UidTaken, uidRangeProblem } from './user-ids.js';
import { UserRepository } from './users.js';

describe('per-user uids', () => {
  let db: Db | undefined;
  afterEach(async () => {
    await db?.destroy();
    db = undefined;
  });

  const make = (users: UserRepository, username: string) => users.create({ username, passwordHash: null, role: 'user' });

  it('gives each new account the next free uid of the range and a group of its own', async () => {
    db = await openDatabase(':memory:');
    const users = new UserRepository(db, { first: 30000, last: 30009 });
    const alice = await make(users, 'alice');
    const bob = await make(users, 'bob');
    expect([alice?.uid, alice?.gid]).toEqual([30000, 30000]);
    expect([bob?.uid, bob?.gid]).toEqual([30001, 30001]);
    // A name taken makes no account and takes no uid.
    expect(await make(users, 'alice')).toBeUndefined();
    expect((await make(users, 'carol'))?.uid).toBe(30002);
  });

  it('refuses a new account with a clear error when the range is full, and makes nothing', async () => {
    db = await openDatabase(':memory:');
    const users = new UserRepository(db, { first: 30000, last: 30001 });
    await make(users, 'alice');
    await make(users, 'bob');
    const refused = await make(users, 'carol').catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(UidRangeExhausted);
    expect((refused as Error).message).toBe('every uid from 30000 to 30001 (identity.firstUid..lastUid) is taken; widen the range');
    expect(await users.byName('carol')).toBeUndefined();
    expect(await users.count()).toBe(2);
  });

  it('gives accounts made at the same moment distinct uids', async () => {
    db = await openDatabase(':memory:');
    const users = new UserRepository(db, { first: 40000, last: 40100 });
    const made = await Promise.all(Array.from({ length: 30 }, (_, i) => make(users, `user${i}`)));
    const uids = made.map((u) => u!.uid);
    expect(new Set(uids).size).toBe(30);
    expect(Math.min(...(uids as number[]))).toBe(40000);
    expect(Math.max(...(uids as number[]))).toBe(40029);
  });

  it("takes a provider's uid and gid as given, and never gives one uid to two accounts", async () => {
    db = await openDatabase(':memory:');
    const users = new UserRepository(db, { first: 20000, last: 20010 });
    const oidc = (username: string, subject: string) => ({ username, email: `${username}@corp.example`, issuer: 'https://idp', subject, role: 'user' as const });
    const carol = await users.createFromOidc(oidc('carol', 's-carol'), { uid: 5001, gid: 100_000 });
    expect([carol?.uid, carol?.gid]).toEqual([5001, 100_000]);
    const dana = await users.createFromOidc(oidc('dana', 's-dana'), { uid: 5002 });
    expect([dana?.uid, dana?.gid]).toEqual([5002, 5002]);
    // Another person with carol's uid at the provider is refused, and no account is made.
    await expect(users.createFromOidc(oidc('mallory', 's-mallory'), { uid: 5001 })).rejects.toBeInstanceOf(UidTaken);
    expect(await users.byName('mallory')).toBeUndefined();
    // A local account made later does not take a provider's uid either.
    const local = await users.createFromOidc(oidc('erin', 's-erin'), { uid: 20000 });
    expect(local?.uid).toBe(20000);
    expect((await make(users, 'frank'))?.uid).toBe(20001);
    // The database itself refuses a second owner of a uid.
    await expect(sql`update users set uid = 5001 where username = 'frank'`.execute(db)).rejects.toThrow(/UNIQUE/);
  });

  it('skips uids that are already some account\'s group, so a new own group is nobody else\'s', () => {
    expect(firstFreeId({ first: 20000, last: 20005 }, new Set([20000, 20001, 20003]))).toBe(20002);
    expect(firstFreeId({ first: 65530, last: 65540 }, new Set([65530, 65531, 65532, 65533]))).toBe(65536);
    expect(firstFreeId({ first: 1, last: 2 }, new Set([1, 2]))).toBeNull();
  });

  it('gives accounts from before migration 0009 uids at start, in the order they were made, and never changes one later', async () => {
    const raw = new Kysely<Database>({ dialect: new SqliteDialect({ database: new SQLite(':memory:') }) });
    db = raw;
    const migrator = new Migrator({ db: raw, provider: migrationProvider });
    expect((await migrator.migrateTo('0008_sandbox_version')).error).toBeUndefined();
    for (const name of ['admin', 'zoe', 'bob']) {
      await sql`insert into users (username, role, created_at) values (${name}, 'user', '2026-01-01T00:00:00.000Z')`.execute(raw);
    }
    expect((await migrator.migrateToLatest()).error).toBeUndefined();
    const users = new UserRepository(raw, { first: 20000, last: 20099 });
    expect(await users.backfillIds()).toEqual([
      { username: 'admin', uid: 20000, gid: 20000 },
      { username: 'zoe', uid: 20001, gid: 20001 },
      { username: 'bob', uid: 20002, gid: 20002 },
    ]);
    // Next start, with another range: nobody's uid moves; new accounts come from the new range.
    const moved = new UserRepository(raw, { first: 50000, last: 50099 });
    expect(await moved.backfillIds()).toEqual([]);
    expect((await moved.byName('zoe'))?.uid).toBe(20001);
    expect((await make(moved, 'newcomer'))?.uid).toBe(50000);
  });

  it('backfills all or none: a range too small for the accounts without uids changes none of them', async () => {
    const raw = new Kysely<Database>({ dialect: new SqliteDialect({ database: new SQLite(':memory:') }) });
    db = raw;
    const migrator = new Migrator({ db: raw, provider: migrationProvider });
    await migrator.migrateTo('0008_sandbox_version');
    for (const name of ['a', 'b', 'c']) await sql`insert into users (username, role, created_at) values (${name}, 'user', 'x')`.execute(raw);
    await migrator.migrateToLatest();
    await expect(new UserRepository(raw, { first: 20000, last: 20001 }).backfillIds()).rejects.toBeInstanceOf(UidRangeExhausted);
    const rows = await raw.selectFrom('users').select('uid').execute();
    expect(rows.every((r) => r.uid === null)).toBe(true);
  });
});

describe('roles of some accounts', () => {
  it('reads the roles of the accounts asked for, once each, and leaves out ids that are no account', async () => {
    const db = await openDatabase(':memory:');
    try {
      const users = new UserRepository(db);
      const alice = (await users.create({ username: 'alice', passwordHash: null, role: 'user' }))!;
      const root = (await users.create({ username: 'root', passwordHash: null, role: 'admin' }))!;
      await users.create({ username: 'bob', passwordHash: null, role: 'admin' });
      const roles = await users.rolesOf([root.id, alice.id, root.id, 999]);
      expect([...roles.entries()].sort()).toEqual([[alice.id, 'user'], [root.id, 'admin']].sort());
      expect((await users.rolesOf([])).size).toBe(0);
    } finally {
      await db.destroy();
    }
  });
});

describe('uid ranges and claims', () => {
  it('refuses ranges that reach system ids or nobody, or run backwards', () => {
    expect(uidRangeProblem({ first: 20000, last: 59999 })).toBeNull();
    expect(uidRangeProblem({ first: 999, last: 5000 })).toMatch(/identity.firstUid 999 is a system id/);
    expect(uidRangeProblem({ first: 3000, last: 2000 })).toMatch(/identity.lastUid 2000 is below identity.firstUid 3000/);
    expect(uidRangeProblem({ first: 60000, last: 70000 })).toMatch(/contains 65534/);
  });

  it('reads a claim given as a number or as decimal digits, and refuses anything else with the reason', () => {
    expect(parseIdClaim(5001)).toEqual({ id: 5001 });
    expect(parseIdClaim('5001')).toEqual({ id: 5001 });
    expect(parseIdClaim(undefined)).toEqual({ problem: 'is missing' });
    expect(parseIdClaim(0)).toEqual({ problem: 'is 0, outside 1000-2147483647 (or nobody\'s)' });
    expect(parseIdClaim('999')).toMatchObject({ problem: expect.stringContaining('outside') });
    expect(parseIdClaim(65534)).toMatchObject({ problem: expect.stringContaining('nobody') });
    expect(parseIdClaim(5001.5)).toMatchObject({ problem: expect.stringContaining('not a whole number') });
    expect(parseIdClaim('12ab')).toMatchObject({ problem: expect.stringContaining('not a whole number') });
    expect(parseIdClaim('-5')).toMatchObject({ problem: expect.stringContaining('not a whole number') });
    expect(parseIdClaim(2 ** 31)).toMatchObject({ problem: expect.stringContaining('outside') });
    expect(parseIdClaim([5001])).toMatchObject({ problem: expect.stringContaining('not a whole number') });
  });
});
