/** The users table. */
import type { Selectable } from 'kysely';
import { now, type Db } from './database.js';
import type { Role, UsersTable } from './schema.js';

export type UserRow = Selectable<UsersTable>;

export class UserRepository {
  constructor(private readonly db: Db) {}

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

  /** Creates an account for an OpenID Connect identity; undefined when the name is taken. */
  createFromOidc(user: { username: string; email: string; issuer: string; subject: string; role: Role }): Promise<UserRow | undefined> {
    return this.db
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
      })
      .onConflict((c) => c.doNothing())
      .returningAll()
      .executeTakeFirst();
  }

  list(): Promise<UserRow[]> {
    return this.db.selectFrom('users').selectAll().orderBy('username').execute();
  }

  async count(): Promise<number> {
    const row = await this.db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** Inserts a user; returns undefined when the name is taken. */
  async create(user: { username: string; passwordHash: string | null; role: Role }): Promise<UserRow | undefined> {
    return this.db
      .insertInto('users')
      .values({ username: user.username, password_hash: user.passwordHash, role: user.role, disabled: 0, created_at: now() })
      .onConflict((c) => c.column('username').doNothing())
      .returningAll()
      .executeTakeFirst();
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
