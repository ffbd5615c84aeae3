/** The tokens table: API tokens, stored as hashes of their secrets. */
import type { Selectable } from 'kysely';
import type { Db } from './database.js';
import type { TokensTable } from './schema.js';

export type TokenRow = Selectable<TokensTable>;

export class TokenRepository {
  constructor(private readonly db: Db) {}

  async create(row: TokenRow): Promise<void> {
    await this.db.insertInto('tokens').values(row).execute();
  }

  byHash(hash: string): Promise<TokenRow | undefined> {
    return this.db.selectFrom('tokens').selectAll().where('hash', '=', hash).executeTakeFirst();
  }

  byId(id: string): Promise<TokenRow | undefined> {
    return this.db.selectFrom('tokens').selectAll().where('id', '=', id).executeTakeFirst();
  }

  listByUser(userId: number): Promise<TokenRow[]> {
    return this.db.selectFrom('tokens').selectAll().where('user_id', '=', userId).orderBy('created_at', 'desc').execute();
  }

  async delete(id: string, userId: number): Promise<TokenRow | undefined> {
    return this.db.deleteFrom('tokens').where('id', '=', id).where('user_id', '=', userId).returningAll().executeTakeFirst();
  }

  /** Deletes every token of a user (when they are disabled), so that enabling them again brings none back; returns how many. */
  async deleteForUser(userId: number): Promise<number> {
    const result = await this.db.deleteFrom('tokens').where('user_id', '=', userId).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /** Records use in one statement per flush, not one per request. */
  async touch(lastUsed: Map<string, { at: string; address: string | null }>): Promise<void> {
    if (lastUsed.size === 0) return;
    await this.db.transaction().execute(async (tx) => {
      for (const [id, use] of lastUsed) {
        await tx.updateTable('tokens').set({ last_used_at: use.at, last_used_address: use.address }).where('id', '=', id).execute();
      }
    });
  }
}
