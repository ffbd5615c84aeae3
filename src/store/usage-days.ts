/**
 * The usage_days table: the daily roll-up of ended sandboxes (src/usage/rollup.ts). Only the
 * sandboxes repository adds to it, inside the transaction that ends a sandbox, so each ended
 * sandbox is in it exactly once; usage reports read whole days back from it.
 */
import type { Kysely } from 'kysely';
import type { UsageDayRow } from '../usage/rollup.js';
import type { Db } from './database.js';
import type { Database } from './schema.js';

/** Rows per insert: far under SQLite's bound on statement variables (8 per row). */
const CHUNK = 500;

/**
 * Adds `rows` to the roll-up, summing into the rows of the same day, user and size. Call it with
 * the transaction that ends the sandbox (src/store/sandboxes.ts), never on its own.
 */
export async function addUsageDays(tx: Kysely<Database>, rows: readonly UsageDayRow[]): Promise<void> {
  for (let i = 0; i < rows.length; i += CHUNK) {
    await tx
      .insertInto('usage_days')
      .values(rows.slice(i, i + CHUNK))
      .onConflict((oc) =>
        oc.columns(['day', 'username', 'cpu_request', 'memory_bytes', 'gpus']).doUpdateSet((eb) => ({
          sandboxes: eb('usage_days.sandboxes', '+', eb.ref('excluded.sandboxes')),
          started: eb('usage_days.started', '+', eb.ref('excluded.started')),
          ms: eb('usage_days.ms', '+', eb.ref('excluded.ms')),
        })),
      )
      .execute();
  }
}

export class UsageDayRepository {
  constructor(private readonly db: Db) {}

  /** The roll-up's rows of the UTC days from `fromDay` up to but not including `untilDay` (`YYYY-MM-DD`), of one user or everyone. */
  between(fromDay: string, untilDay: string, username?: string): Promise<UsageDayRow[]> {
    let q = this.db.selectFrom('usage_days').selectAll().where('day', '>=', fromDay).where('day', '<', untilDay);
    if (username !== undefined) q = q.where('username', '=', username);
    return q.execute();
  }
}
