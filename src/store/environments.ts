/** The environments table: saved environments, one per user and name (src/environments/). */
import type { Selectable } from 'kysely';
import type { Db } from './database.js';
import type { EnvironmentsTable } from './schema.js';

export type EnvironmentRow = Selectable<EnvironmentsTable>;

export class EnvironmentRepository {
  constructor(private readonly db: Db) {}

  /** Every saved environment, oldest first. */
  all(): Promise<EnvironmentRow[]> {
    return this.db.selectFrom('environments').selectAll().orderBy('created_at').orderBy('id').execute();
  }

  /**
   * Records `row` as the user's environment of its name, replacing the one saved before under
   * that name (whose row is returned, so its manifest can be deleted), in one transaction.
   */
  async put(row: EnvironmentRow): Promise<EnvironmentRow | null> {
    return this.db.transaction().execute(async (tx) => {
      const before = await tx.selectFrom('environments').selectAll().where('user_id', '=', row.user_id).where('name', '=', row.name).executeTakeFirst();
      if (before) await tx.deleteFrom('environments').where('id', '=', before.id).execute();
      await tx.insertInto('environments').values(row).execute();
      return before ?? null;
    });
  }

  async setShared(id: string, shared: boolean): Promise<void> {
    await this.db.updateTable('environments').set({ shared: shared ? 1 : 0 }).where('id', '=', id).execute();
  }

  async remove(id: string): Promise<void> {
    await this.db.deleteFrom('environments').where('id', '=', id).execute();
  }
}
