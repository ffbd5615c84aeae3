/** The ssh_keys table: public keys that sign in to the SSH gateway (src/ssh/). */
import type { Selectable } from 'kysely';
import type { Db } from './database.js';
import type { SshKeysTable } from './schema.js';

export type SshKeyRow = Selectable<SshKeysTable>;

export class SshKeyRepository {
  constructor(private readonly db: Db) {}

  /**
   * Adds `row` unless its user has `max` keys already (answers 'limit') or its fingerprint is
   * taken (answers 'in_use'), in one transaction so that concurrent adds cannot pass either.
   */
  async add(row: SshKeyRow, max: number): Promise<'added' | 'limit' | 'in_use'> {
    return this.db.transaction().execute(async (tx) => {
      const taken = await tx.selectFrom('ssh_keys').select('id').where('fingerprint', '=', row.fingerprint).executeTakeFirst();
      if (taken) return 'in_use';
      const { count } = await tx.selectFrom('ssh_keys').select((eb) => eb.fn.countAll<number>().as('count')).where('user_id', '=', row.user_id).executeTakeFirstOrThrow();
      if (Number(count) >= max) return 'limit';
      await tx.insertInto('ssh_keys').values(row).execute();
      return 'added';
    });
  }

  listByUser(userId: number): Promise<SshKeyRow[]> {
    return this.db.selectFrom('ssh_keys').selectAll().where('user_id', '=', userId).orderBy('created_at').orderBy('id').execute();
  }

  byFingerprint(fingerprint: string): Promise<SshKeyRow | undefined> {
    return this.db.selectFrom('ssh_keys').selectAll().where('fingerprint', '=', fingerprint).executeTakeFirst();
  }

  byId(id: string): Promise<SshKeyRow | undefined> {
    return this.db.selectFrom('ssh_keys').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Deletes the key when it belongs to `userId`; the row, or undefined when there was none. */
  delete(id: string, userId: number): Promise<SshKeyRow | undefined> {
    return this.db.deleteFrom('ssh_keys').where('id', '=', id).where('user_id', '=', userId).returningAll().executeTakeFirst();
  }

  /** Whether the key exists and its owner is enabled (the credential sweep's question). */
  async stands(id: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('ssh_keys')
      .innerJoin('users', 'users.id', 'ssh_keys.user_id')
      .select('ssh_keys.id')
      .where('ssh_keys.id', '=', id)
      .where('users.disabled', '=', 0)
      .executeTakeFirst();
    return row !== undefined;
  }

  async touch(id: string, at: string, address: string | null): Promise<void> {
    await this.db.updateTable('ssh_keys').set({ last_used_at: at, last_used_address: address }).where('id', '=', id).execute();
  }
}
