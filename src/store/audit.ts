/** The audit log: who did what, when, from where, and how it ended. */
import type { Selectable } from 'kysely';
import { now, type Db } from './database.js';
import type { AuditTable } from './schema.js';

export type AuditRow = Selectable<AuditTable>;

/** What writes to the audit log need of it (the sandboxes core records what the hub does by itself). */
export type AuditLog = Pick<AuditRepository, 'record'>;

/**
 * The actor of what the hub does by itself, such as `hub:reconciler` (DESIGN.md: a system actor
 * for culling and reconciling). A `:` never appears in a user name (src/contract/names.ts), so
 * it cannot be mistaken for one, and `GET /api/audit?actor=hub:reconciler` finds its actions.
 */
export const systemActor = (part: 'reconciler' | 'culler' | 'exits' | 'images'): string => `hub:${part}`;

export interface AuditEntry {
  /** The user who acted, or null when nobody was signed in (a refused sign-in). */
  actor: string | null;
  action: string;
  /** What it was done to: a user name, a sandbox `user/name`, a token id. */
  target?: string | null;
  result: 'ok' | 'refused' | 'failed';
  address?: string | null;
  details?: Record<string, unknown>;
}

export interface AuditQuery {
  actor?: string;
  action?: string;
  result?: AuditEntry['result'];
  since?: string;
  until?: string;
  /** Rows older than this id (paging backwards from the newest). */
  before?: number;
  limit: number;
}

export class AuditRepository {
  constructor(private readonly db: Db) {}

  async record(entry: AuditEntry): Promise<void> {
    await this.db
      .insertInto('audit_events')
      .values({
        at: now(),
        actor: entry.actor,
        action: entry.action,
        target: entry.target ?? null,
        result: entry.result,
        address: entry.address ?? null,
        details: entry.details ? JSON.stringify(entry.details) : null,
      })
      .execute();
  }

  /** Newest first. */
  find(query: AuditQuery): Promise<AuditRow[]> {
    let q = this.db.selectFrom('audit_events').selectAll();
    if (query.actor) q = q.where('actor', '=', query.actor);
    if (query.action) q = q.where('action', '=', query.action);
    if (query.result) q = q.where('result', '=', query.result);
    if (query.since) q = q.where('at', '>=', query.since);
    if (query.until) q = q.where('at', '<', query.until);
    if (query.before) q = q.where('id', '<', query.before);
    return q.orderBy('id', 'desc').limit(query.limit).execute();
  }

  async deleteOlderThan(at: string): Promise<void> {
    await this.db.deleteFrom('audit_events').where('at', '<', at).execute();
  }
}
