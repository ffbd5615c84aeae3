/** The homes table: which users' homes were made, for which owner (src/sandboxes/homes.ts). */
import { now, type Db } from './database.js';

/** The numeric owner a home is made for. */
export interface HomeOwner {
  uid: number;
  gid: number;
}

export class HomeRepository {
  constructor(private readonly db: Db) {}

  /** The owner the user's home was last made for, or null when no job has made it. */
  async madeFor(username: string): Promise<HomeOwner | null> {
    const row = await this.db.selectFrom('homes').select(['uid', 'gid']).where('username', '=', username).executeTakeFirst();
    return row ?? null;
  }

  /** Records that a job made (or found) the home with this owner. */
  async recordMade(username: string, owner: HomeOwner): Promise<void> {
    const values = { username, uid: owner.uid, gid: owner.gid, made_at: now() };
    await this.db
      .insertInto('homes')
      .values(values)
      .onConflict((oc) => oc.column('username').doUpdateSet({ uid: values.uid, gid: values.gid, made_at: values.made_at }))
      .execute();
  }

  /** Forgets the home (it was found missing): the next launch makes it again. */
  async forget(username: string): Promise<void> {
    await this.db.deleteFrom('homes').where('username', '=', username).execute();
  }
}
