/** The users table. */
import type { Selectable, Transaction } from 'kysely';
import { anyContains } from './search.js';
import { now, type Db } from './database.js';
import type { Database, Role, UsersTable } from './schema.js';
import { DEFAULT_UID_RANGE, firstFreeId, UidRangeExhausted, UidTaken, type UidRange, type UserIds } from './user-ids.js';

export type UserRow = Selectable<UsersTable>;

/**
 * The orders accounts are listed in, each on a unique column so that a key names one row:
 * `username` on its unique index, `created` on the id (accounts get ids in the order they are made).
 */
export const USER_SORTS = {
  username: { column: 'username', descending: false },
  '-username': { column: 'username', descending: true },
  created: { column: 'id', descending: false },
  '-created': { column: 'id', descending: true },
} as const;
export type UserSort = keyof typeof USER_SORTS;

export interface UserPageQuery {
  sort: UserSort;
  limit: number;
  /** The sort key of the last row of the previous page: a user name, or an id for `created`. */
  after?: string | number;
  q?: string;
  username?: string;
}

/** How often a creation that lost a race for a uid (to another process) is tried again. */
const UID_ATTEMPTS = 5;

export class UserRepository {
  /** `uids`: the range new accounts' uids come from (config `identity`, src/store/user-ids.ts). */
  constructor(
    private readonly db: Db,
    private readonly uids: Readonly<UidRange> = DEFAULT_UID_RANGE,
  ) {}

  byId(id: number): Promise<UserRow | undefined> {
    return this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  }

  byName(username: string): Promise<UserRow | undefined> {
    return this.db.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirst();
  }

  byOidcSubject(issuer: string, subject: string): Promise<UserRow | undefined> {
    return this.db
      .selectFrom('users')
      .selectAll()
      .where('oidc_issuer', '=', issuer)
      .where('oidc_subject', '=', subject)
      .executeTakeFirst();
  }

  /**
   * Creates an account for an OpenID Connect identity; undefined when the name (or the subject)
   * is taken. `ids`: the uid and gid from the provider's claims; without them, allocated. Throws
   * UidTaken when the provider's uid is another account's, UidRangeExhausted when none is left.
   */
  createFromOidc(
    user: { username: string; email: string; issuer: string; subject: string; role: Role },
    ids?: { uid: number; gid?: number },
  ): Promise<UserRow | undefined> {
    return this.insertWithIds(ids, (trx, assigned) =>
      trx
        .insertInto('users')
        .values({
          username: user.username,
          password_hash: null,
          role: user.role,
          disabled: 0,
          created_at: now(),
          email: user.email,
          oidc_issuer: user.issuer,
          oidc_subject: user.subject,
          ...assigned,
        })
        .onConflict((c) => c.doNothing())
        .returningAll()
        .executeTakeFirst(),
    );
  }

  /**
   * Gives every account without a uid (those made before migration 0009) one from the range, in
   * the order they were made, all in one transaction. Accounts that have one keep it whatever the
   * range says now. Resolves to the accounts changed; throws UidRangeExhausted (changing none)
   * when the range cannot hold them all.
   */
  async backfillIds(): Promise<Array<{ username: string } & UserIds>> {
    return this.db.transaction().execute(async (trx) => {
      const missing = await trx.selectFrom('users').select(['id', 'username']).where('uid', 'is', null).orderBy('id').execute();
      const given: Array<{ username: string } & UserIds> = [];
      if (missing.length === 0) return given;
      const taken = await takenIds(trx);
      for (const user of missing) {
        const uid = firstFreeId(this.uids, taken);
        if (uid === null) throw new UidRangeExhausted(this.uids);
        taken.add(uid);
        await trx.updateTable('users').set({ uid, gid: uid }).where('id', '=', user.id).where('uid', 'is', null).execute();
        given.push({ username: user.username, uid, gid: uid });
      }
      return given;
    });
  }

  /**
   * Runs `insert` in a transaction with the ids the new row gets: the given ones (checked to be
   * free), or the first free uid of the range with a group of its own (gid = uid, as Debian's
   * USERGROUPS). The unique index on uid is the last guard; a creation that loses a race for a
   * uid to another process is tried again.
   */
  private async insertWithIds(
    given: { uid: number; gid?: number } | undefined,
    insert: (trx: Transaction<Database>, ids: UserIds) => Promise<UserRow | undefined>,
  ): Promise<UserRow | undefined> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.db.transaction().execute(async (trx) => {
          if (given) {
            const owner = await trx.selectFrom('users').select('id').where('uid', '=', given.uid).executeTakeFirst();
            if (owner) throw new UidTaken(given.uid);
            return insert(trx, { uid: given.uid, gid: given.gid ?? given.uid });
          }
          const uid = firstFreeId(this.uids, await takenIds(trx));
          if (uid === null) throw new UidRangeExhausted(this.uids);
          return insert(trx, { uid, gid: uid });
        });
      } catch (err) {
        if (!isUidConflict(err)) throw err;
        if (given) throw new UidTaken(given.uid);
        if (attempt >= UID_ATTEMPTS) throw err;
      }
    }
  }

  list(): Promise<UserRow[]> {
    return this.db.selectFrom('users').selectAll().orderBy('username').execute();
  }

  /**
   * One page of accounts under `sort` (src/contract/paging.ts), after the row whose key is
   * `after`, and how many match in all. `q` matches user names and emails containing it, in
   * any case: a scan of the users table (a substring cannot use an index), measured by
   * `npm run bench:scale`; `username` is an exact name, read from its unique index.
   */
  async page(query: UserPageQuery): Promise<{ rows: UserRow[]; total: number }> {
    const matching = this.db.selectFrom('users').where((eb) => {
      const filters = [];
      if (query.username !== undefined) filters.push(eb('username', '=', query.username));
      if (query.q) filters.push(anyContains(['username', 'email'], query.q));
      return eb.and(filters);
    });
    const { column, descending } = USER_SORTS[query.sort];
    let page = matching.selectAll();
    if (query.after !== undefined) page = page.where(column, descending ? '<' : '>', query.after);
    const [rows, counted] = await Promise.all([
      page.orderBy(column, descending ? 'desc' : 'asc').limit(query.limit).execute(),
      matching.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { rows, total: Number(counted.n) };
  }

  /** The role of each of the accounts `ids` that exists; one query, none for an empty list. */
  async rolesOf(ids: ReadonlyArray<number>): Promise<Map<number, Role>> {
    if (ids.length === 0) return new Map();
    const rows = await this.db.selectFrom('users').select(['id', 'role']).where('id', 'in', [...new Set(ids)]).execute();
    return new Map(rows.map((r) => [r.id, r.role]));
  }

  async count(): Promise<number> {
    const row = await this.db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /**
   * Inserts a user with the next free uid of the range; returns undefined when the name is taken.
   * Throws UidRangeExhausted when the range has no uid left.
   */
  async create(user: { username: string; passwordHash: string | null; role: Role }): Promise<UserRow | undefined> {
    return this.insertWithIds(undefined, (trx, ids) =>
      trx
        .insertInto('users')
        .values({ username: user.username, password_hash: user.passwordHash, role: user.role, disabled: 0, created_at: now(), ...ids })
        .onConflict((c) => c.column('username').doNothing())
        .returningAll()
        .executeTakeFirst(),
    );
  }

  async setPassword(id: number, passwordHash: string): Promise<void> {
    await this.db.updateTable('users').set({ password_hash: passwordHash }).where('id', '=', id).execute();
  }

  async update(id: number, changes: { role?: Role; disabled?: boolean; passwordHash?: string }): Promise<UserRow | undefined> {
    return this.db
      .updateTable('users')
      .set({
        ...(changes.role ? { role: changes.role } : {}),
        ...(changes.disabled !== undefined ? { disabled: changes.disabled ? 1 : 0 } : {}),
        ...(changes.passwordHash ? { password_hash: changes.passwordHash } : {}),
      })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
  }

  /** An admin's quota for this user in bytes; null hands them back to storage.quota.defaultGiB. */
  async setQuota(id: number, quotaBytes: number | null): Promise<UserRow | undefined> {
    return this.db.updateTable('users').set({ quota_bytes: quotaBytes }).where('id', '=', id).returningAll().executeTakeFirst();
  }

  /** Keeps each measured home's allocated bytes with the time it was measured (ISO 8601). */
  async recordHomeBytes(measured: ReadonlyArray<{ id: number; bytes: number }>, at: string): Promise<void> {
    if (measured.length === 0) return;
    await this.db.transaction().execute(async (tx) => {
      for (const m of measured) {
        await tx.updateTable('users').set({ home_bytes: m.bytes, home_measured_at: at }).where('id', '=', m.id).execute();
      }
    });
  }

  /** Admins that can still sign in; the last one may not be demoted or disabled. */
  async activeAdmins(): Promise<number> {
    const row = await this.db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('role', '=', 'admin')
      .where('disabled', '=', 0)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }
}

/** Every uid and gid some account holds: a new user's uid must be neither, as its gid equals it. */
async function takenIds(trx: Transaction<Database>): Promise<Set<number>> {
  const rows = await trx.selectFrom('users').select(['uid', 'gid']).execute();
  const taken = new Set<number>();
  for (const row of rows) {
    if (row.uid !== null) taken.add(row.uid);
    if (row.gid !== null) taken.add(row.gid);
  }
  return taken;
}

/** SQLite's answer when the unique index on uid refused a row. */
function isUidConflict(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown };
  return e.code === 'SQLITE_CONSTRAINT_UNIQUE' && typeof e.message === 'string' && e.message.includes('users.uid');
}
