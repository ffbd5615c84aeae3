/** Hub-wide facts kept with the database, such as the deployment id. */
import { randomBytes } from 'node:crypto';
import type { Db } from './database.js';

/** The value kept under `key`, made by `make` on first use; two hubs racing keep the first one written. */
async function keptValue(db: Db, key: string, make: () => string): Promise<string> {
  const row = await db.selectFrom('meta').select('value').where('key', '=', key).executeTakeFirst();
  if (row) return row.value;
  await db.insertInto('meta').values({ key, value: make() }).onConflict((c) => c.doNothing()).execute();
  return (await db.selectFrom('meta').select('value').where('key', '=', key).executeTakeFirstOrThrow()).value;
}

/** The id every container of this hub carries; made once and kept, so restarts adopt their own. */
export function deploymentId(db: Db): Promise<string> {
  return keptValue(db, 'deployment_id', () => randomBytes(6).toString('hex'));
}

/**
 * The HMAC key of sandbox cookies (32 random bytes, hex): kept, so that sandbox sign-ins
 * survive a restart of the hub as the hub sessions they come from do.
 */
export async function sandboxCookieKey(db: Db): Promise<Buffer> {
  return Buffer.from(await keptValue(db, 'sandbox_cookie_key', () => randomBytes(32).toString('hex')), 'hex');
}
