/**
 * Where a hub's usage reports read from (report.ts's UsageSource): the daily roll-up, and the
 * rows of live sandboxes and of those that ended today.
 */
import type { Kysely } from 'kysely';
import { SandboxRepository } from '../store/sandboxes.js';
import type { Database } from '../store/schema.js';
import { UsageDayRepository } from '../store/usage-days.js';
import type { UsageSource } from './report.js';

/**
 * The reads of a report over `db`, made consistent by one transaction: the hub's one SQLite
 * connection runs nothing else until the report's reads are done (a few milliseconds), so an
 * ending waits for them rather than falling between them.
 */
export function usageSourceOf(db: Kysely<Database>): UsageSource {
  return { ...readsOf(db), consistent: (read) => db.transaction().execute((tx) => read(readsOf(tx))) };
}

function readsOf(db: Kysely<Database>): UsageSource {
  const days = new UsageDayRepository(db);
  const sandboxes = new SandboxRepository(db);
  return {
    days: (fromDay, untilDay, username) => days.between(fromDay, untilDay, username),
    live: (until, username) => sandboxes.liveLifetimes(until, username),
    endedBetween: (since, until, username) => sandboxes.endedLifetimesBetween(since, until, username),
  };
}
