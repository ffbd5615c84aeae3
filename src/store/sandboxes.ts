/** The sandboxes table and its events. */
import { sql, type Insertable, type Selectable, type Updateable } from 'kysely';
import { anyContains } from './search.js';
import { now, type Db } from './database.js';
import { isTerminal, LIVE_STATES } from '../contract/sandbox-states.js';
import { usageDaysOf } from '../usage/rollup.js';
import type { SandboxEventsTable, SandboxesTable, SandboxState } from './schema.js';
import { addUsageDays } from './usage-days.js';

export type SandboxRow = Selectable<SandboxesTable>;
export type SandboxEventRow = Selectable<SandboxEventsTable>;
/** What usage accounting reads of a sandbox: its lifetime and what it was given. */
export type SandboxLifetime = Pick<SandboxRow, 'id' | 'username' | 'cpus' | 'cpu_request' | 'memory_bytes' | 'gpus' | 'state' | 'started_at' | 'stopped_at'>;
const LIFETIME_COLUMNS = ['id', 'username', 'cpus', 'cpu_request', 'memory_bytes', 'gpus', 'state', 'started_at', 'stopped_at'] as const;
/** A launch to record; without `cpu_request` the sandbox holds its whole limit (as rows from before requests do). */
export type NewSandbox = Omit<Insertable<SandboxesTable>, 'cpu_request' | 'version'> & { cpu_request?: number };
/** What a change of state may write besides the state (never the id, owner, name or version). */
export type SandboxChanges = Omit<Updateable<SandboxesTable>, 'id' | 'user_id' | 'username' | 'name' | 'version'>;

export interface SandboxPageQuery {
  /** Only this user's; undefined: everyone's. */
  userId?: number;
  /** false: live sandboxes, oldest first; true: live and ended, newest first. */
  ended: boolean;
  limit: number;
  /** The (created_at, id) of the last row of the previous page. */
  after?: readonly [createdAt: string, id: string];
  q?: string;
}

export class SandboxRepository {
  constructor(private readonly db: Db) {}

  byId(id: string): Promise<SandboxRow | undefined> {
    return this.db.selectFrom('sandboxes').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Live sandboxes, optionally of one user, oldest first. */
  live(userId?: number): Promise<SandboxRow[]> {
    let q = this.db.selectFrom('sandboxes').selectAll().where('state', 'in', LIVE_STATES);
    if (userId !== undefined) q = q.where('user_id', '=', userId);
    return q.orderBy('created_at').execute();
  }

  /** Recent sandboxes, live and ended, newest first. */
  recent(options: { userId?: number; limit: number }): Promise<SandboxRow[]> {
    let q = this.db.selectFrom('sandboxes').selectAll();
    if (options.userId !== undefined) q = q.where('user_id', '=', options.userId);
    return q.orderBy('created_at', 'desc').limit(options.limit).execute();
  }

  /**
   * One page of sandboxes and how many match in all (src/contract/paging.ts). `ended: false`:
   * live ones, oldest first; `ended: true`: live and ended, newest first. Pages by
   * (created_at, id), on sandboxes_user_created for one user and sandboxes_created for everyone
   * (src/store/query-plans.test.ts). `q` matches sandbox names and, among everyone's, owners'
   * names containing it, in any case.
   */
  async page(query: SandboxPageQuery): Promise<{ rows: SandboxRow[]; total: number }> {
    const matching = this.db.selectFrom('sandboxes').where((eb) => {
      const filters = [];
      if (query.userId !== undefined) filters.push(eb('user_id', '=', query.userId));
      if (!query.ended) filters.push(eb('state', 'in', LIVE_STATES));
      // Owners' names too among everyone's; in one user's own they would match them all.
      if (query.q) filters.push(anyContains(query.userId === undefined ? ['name', 'username'] : ['name'], query.q));
      return eb.and(filters);
    });
    const direction = query.ended ? 'desc' : 'asc';
    let page = matching.selectAll();
    if (query.after) {
      const [createdAt, id] = query.after;
      page = page.where(query.ended ? sql<boolean>`(created_at, id) < (${createdAt}, ${id})` : sql<boolean>`(created_at, id) > (${createdAt}, ${id})`);
    }
    const [rows, counted] = await Promise.all([
      page.orderBy('created_at', direction).orderBy('id', direction).limit(query.limit).execute(),
      matching.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { rows, total: Number(counted.n) };
  }

  /**
   * Inserts a launch if the user is under `maxLive` live sandboxes and the name is free, in one
   * transaction so concurrent launches cannot both pass the checks.
   */
  async insertLaunch(row: NewSandbox, maxLive: number): Promise<'ok' | 'name_taken' | 'limit'> {
    return this.db.transaction().execute(async (tx) => {
      const live = await tx
        .selectFrom('sandboxes')
        .select(['name'])
        .where('user_id', '=', row.user_id)
        .where('state', 'in', LIVE_STATES)
        .execute();
      if (live.some((s) => s.name === row.name)) return 'name_taken';
      if (live.length >= maxLive) return 'limit';
      const cpuRequest = row.cpu_request ?? row.cpus;
      await tx.insertInto('sandboxes').values({ ...row, cpu_request: cpuRequest }).execute();
      // A launch is never written ended; a history written straight into the table (tests, an
      // import) is, and its usage goes into the roll-up like that of any sandbox that ended.
      if (isTerminal(row.state)) {
        const { id, username, cpus, memory_bytes, state } = row;
        await addUsageDays(tx, usageDaysOf({ id, username, cpus, cpu_request: cpuRequest, memory_bytes, gpus: row.gpus ?? '[]', state, started_at: row.started_at ?? null, stopped_at: row.stopped_at ?? null }));
      }
      return 'ok';
    });
  }

  /**
   * Writes a change of state as a compare-and-set: only while the row is still at `version`, and
   * bumping it. Returns whether it changed. Only src/sandboxes/lifecycle.ts calls this, under its
   * per-sandbox serialisation; the version makes a decision taken on a stale read a no-op.
   *
   * A change that ends the sandbox (to stopped or failed, from a live state) adds its lifetime to
   * the daily usage roll-up in the same transaction: whichever way a sandbox ends (a stop, its
   * container found gone, a failed launch, a hub that restarted), it is counted once, and a crash
   * can neither count it without ending it nor end it without counting it.
   */
  async transition(id: string, version: number, changes: SandboxChanges & { state: SandboxState }): Promise<boolean> {
    return this.db.transaction().execute(async (tx) => {
      const before = await tx.selectFrom('sandboxes').select(['state']).where('id', '=', id).where('version', '=', version).executeTakeFirst();
      if (!before) return false;
      await tx
        .updateTable('sandboxes')
        .set((eb) => ({ ...changes, version: eb('version', '+', 1) }))
        .where('id', '=', id)
        .where('version', '=', version)
        .execute();
      if (!isTerminal(before.state) && isTerminal(changes.state)) {
        const after = await tx.selectFrom('sandboxes').select(LIFETIME_COLUMNS).where('id', '=', id).executeTakeFirstOrThrow();
        await addUsageDays(tx, usageDaysOf(after));
      }
      return true;
    });
  }

  /** Each user's latest sandbox activity at or after `since` (an ISO time); users without any are left out. */
  lastActivityByUser(since: string): Promise<Array<{ user_id: number; last: string | null }>> {
    return this.db
      .selectFrom('sandboxes')
      .select((eb) => ['user_id', eb.fn.max('last_activity_at').as('last')])
      .where('last_activity_at', '>=', since)
      .groupBy('user_id')
      .execute();
  }

  /** When each sandbox was last used: bookkeeping beside its state, so no version is bumped. */
  async recordActivity(lastActivity: Map<string, string>): Promise<void> {
    if (lastActivity.size === 0) return;
    await this.db.transaction().execute(async (tx) => {
      for (const [id, at] of lastActivity) {
        await tx.updateTable('sandboxes').set({ last_activity_at: at }).where('id', '=', id).execute();
      }
    });
  }

  /** One more process of the sandbox killed for memory, at `at`: bookkeeping beside its state, so no version is bumped. */
  async recordOomKill(id: string, at: string): Promise<void> {
    await this.db
      .updateTable('sandboxes')
      .set((eb) => ({ oom_kills: eb('oom_kills', '+', 1), last_oom_at: at }))
      .where('id', '=', id)
      .execute();
  }

  async addEvent(event: {
    sandboxId: string;
    state: SandboxState;
    message: string;
    percent?: number | null;
    code?: string | null;
    params?: string | null;
  }): Promise<SandboxEventRow> {
    return this.db
      .insertInto('sandbox_events')
      .values({
        sandbox_id: event.sandboxId,
        at: now(),
        state: event.state,
        message: event.message,
        percent: event.percent ?? null,
        code: event.code ?? null,
        params: event.params ?? null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  /** The newest events of every sandbox (older than the event `before`, when given), with whose sandbox each is. */
  recentEvents(limit: number, before?: number) {
    let q = this.db
      .selectFrom('sandbox_events')
      .innerJoin('sandboxes', 'sandboxes.id', 'sandbox_events.sandbox_id')
      .select([
        'sandbox_events.id',
        'sandbox_events.sandbox_id',
        'sandbox_events.at',
        'sandbox_events.state',
        'sandbox_events.message',
        'sandbox_events.percent',
        'sandbox_events.code',
        'sandbox_events.params',
        'sandboxes.username',
        'sandboxes.name',
      ]);
    if (before !== undefined) q = q.where('sandbox_events.id', '<', before);
    return q.orderBy('sandbox_events.id', 'desc').limit(limit).execute();
  }

  events(sandboxId: string, afterId = 0): Promise<SandboxEventRow[]> {
    return this.db
      .selectFrom('sandbox_events')
      .selectAll()
      .where('sandbox_id', '=', sandboxId)
      .where('id', '>', afterId)
      .orderBy('id')
      .execute();
  }

  /**
   * Sandboxes that were running at some moment between `since` and `until` (ISO times), or may
   * have been: started before `until` and not stopped by `since`. Optionally of one user. Every
   * row of the range: what usage was worked out from before the roll-up, kept as its reference.
   */
  lifetimesBetween(since: string, until: string, username?: string): Promise<SandboxLifetime[]> {
    let q = this.db
      .selectFrom('sandboxes')
      .select(LIFETIME_COLUMNS)
      .where('started_at', 'is not', null)
      .where('started_at', '<', until)
      .where((eb) => eb.or([eb('stopped_at', 'is', null), eb('stopped_at', '>', since)]));
    if (username !== undefined) q = q.where('username', '=', username);
    return q.execute();
  }

  /** Live sandboxes that started before `until` (an ISO time), optionally of one user: the few usage counts from rows. */
  liveLifetimes(until: string, username?: string): Promise<SandboxLifetime[]> {
    let q = this.db
      .selectFrom('sandboxes')
      .select(LIFETIME_COLUMNS)
      .where('state', 'in', LIVE_STATES)
      .where('started_at', 'is not', null)
      .where('started_at', '<', until);
    if (username !== undefined) q = q.where('username', '=', username);
    return q.execute();
  }

  /** Ended sandboxes that stopped after `since` and started before `until` (ISO times), optionally of one user. */
  async endedLifetimesBetween(since: string, until: string, username?: string): Promise<SandboxLifetime[]> {
    // Only an ending records a stop, so `stopped_at` finds the few that ended since; the state is
    // checked here rather than in SQL, where it would tempt SQLite into the state index and every
    // sandbox that ever ended.
    let q = this.db.selectFrom('sandboxes').select(LIFETIME_COLUMNS).where('stopped_at', '>', since).where('started_at', '<', until);
    if (username !== undefined) q = q.where('username', '=', username);
    return (await q.execute()).filter((row) => isTerminal(row.state));
  }
}
