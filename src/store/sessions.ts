/** The sessions table: one row per signed-in browser, keyed by the hash of its cookie. */
import type { Db } from './database.js';

export class SessionRepository {
  constructor(private readonly db: Db) {}

  async create(session: { id: string; userId: number; createdAt: string; expiresAt: string }): Promise<void> {
    await this.db
      .insertInto('sessions')
      .values({
        id: session.id,
        user_id: session.userId,
        created_at: session.createdAt,
        expires_at: session.expiresAt,
        last_seen_at: session.createdAt,
      })
      .execute();
  }

  find(id: string) {
    return this.db.selectFrom('sessions').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Ends one session; true if it existed. */
  async delete(id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('sessions').where('id', '=', id).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  /** Ends every session of a user (sign-out everywhere, password change, disabling); returns their ids. */
  async deleteForUser(userId: number, except?: string): Promise<string[]> {
    let q = this.db.deleteFrom('sessions').where('user_id', '=', userId);
    if (except) q = q.where('id', '!=', except);
    return (await q.returning('id').execute()).map((r) => r.id);
  }

  /** Records use in one transaction per flush, not one write per request. */
  async touch(lastSeen: Map<string, string>): Promise<void> {
    if (lastSeen.size === 0) return;
    await this.db.transaction().execute(async (tx) => {
      for (const [id, at] of lastSeen) await tx.updateTable('sessions').set({ last_seen_at: at }).where('id', '=', id).execute();
    });
  }

  /** Ends sessions past their absolute lifetime or unused since `idleSince`. */
  async deleteExpired(at: string, idleSince: string): Promise<void> {
    await this.db
      .deleteFrom('sessions')
      .where((eb) => eb.or([eb('expires_at', '<=', at), eb('last_seen_at', '<=', idleSince)]))
      .execute();
  }
}
