/** Hub-wide facts kept with the database, such as the deployment id. */
import { randomBytes } from 'node:crypto';
import type { Db } from './database.js';

/** The id every container of this hub carries; made once and kept, so restarts adopt their own. */
export async function deploymentId(db: Db): Promise<string> {
  const row = await db.selectFrom('meta').select('value').where('key', '=', 'deployment_id').executeTakeFirst();
  if (row) return row.value;
  const id = randomBytes(6).toString('hex');
  await db.insertInto('meta').values({ key: 'deployment_id', value: id }).onConflict((c) => c.doNothing()).execute();
  return (await db.selectFrom('meta').select('value').where('key', '=', 'deployment_id').executeTakeFirstOrThrow()).value;
}
