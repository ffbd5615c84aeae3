/**
 * What the hub's series are made of, read once per scrape: the live sandboxes and who was active
 * lately. One read serves every series, so a scrape costs two small queries whatever the number
 * of series, and all series of one scrape agree with each other.
 */
import type { ActivityRecorder } from '../sandboxes/activity.js';
import type { SandboxRepository, SandboxRow } from '../store/sandboxes.js';

/** The windows of shiva_active_users, as JupyterHub counts them. */
export const ACTIVE_PERIODS = { '24h': 1, '7d': 7, '30d': 30 } as const;
export type ActivePeriod = keyof typeof ACTIVE_PERIODS;

const DAY_MS = 86_400_000;

export interface ScrapeState {
  live: SandboxRow[];
  /** Each live sandbox's last activity, the newest of the database's and this process's memory (not yet flushed). */
  lastActivity: Map<string, string>;
  activeUsers: Record<ActivePeriod, number>;
}

export const EMPTY_STATE: ScrapeState = { live: [], lastActivity: new Map(), activeUsers: { '24h': 0, '7d': 0, '30d': 0 } };

export async function readScrapeState(
  repo: Pick<SandboxRepository, 'live' | 'lastActivityByUser'>,
  activity: Pick<ActivityRecorder, 'last'>,
  now = Date.now(),
): Promise<ScrapeState> {
  const longest = Math.max(...Object.values(ACTIVE_PERIODS));
  const [live, byUser] = await Promise.all([repo.live(), repo.lastActivityByUser(new Date(now - longest * DAY_MS).toISOString())]);
  const latestByUser = new Map<number, number>();
  for (const { user_id, last } of byUser) if (last) latestByUser.set(user_id, Date.parse(last));
  const lastActivity = new Map<string, string>();
  for (const row of live) {
    const inMemory = activity.last(row.id);
    const last = [row.last_activity_at, inMemory].filter((t): t is string => t !== null).sort().at(-1);
    if (!last) continue;
    lastActivity.set(row.id, last);
    const t = Date.parse(last);
    if (t > (latestByUser.get(row.user_id) ?? 0)) latestByUser.set(row.user_id, t);
  }
  const activeUsers = { ...EMPTY_STATE.activeUsers };
  for (const [period, days] of Object.entries(ACTIVE_PERIODS) as Array<[ActivePeriod, number]>) {
    const since = now - days * DAY_MS;
    for (const t of latestByUser.values()) if (t >= since) activeUsers[period]++;
  }
  return { live, lastActivity, activeUsers };
}
