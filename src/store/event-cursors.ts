/**
 * Where the exit watcher of each machine is in its engine's events (src/sandboxes/exits.ts), kept
 * in the meta table so that after a reconnect or a restart of the hub it resumes from the last
 * event it handled and loses none the engine still keeps.
 */
import type { Db } from './database.js';

const keyOf = (machine: string): string => `events_cursor:${machine}`;

export class EventCursors {
  constructor(private readonly db: Db) {}

  /** The cursor of the last event handled on `machine`, or null when none was ever kept. */
  async get(machine: string): Promise<string | null> {
    const row = await this.db.selectFrom('meta').select('value').where('key', '=', keyOf(machine)).executeTakeFirst();
    return row?.value ?? null;
  }

  /** Keeps `cursor` as the last event handled on `machine`. */
  async set(machine: string, cursor: string): Promise<void> {
    await this.db
      .insertInto('meta')
      .values({ key: keyOf(machine), value: cursor })
      .onConflict((c) => c.column('key').doUpdateSet({ value: cursor }))
      .execute();
  }
}
