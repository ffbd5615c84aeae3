/**
 * What the hub does with home quotas, whatever the backend: the quota that applies to each user
 * (an admin's, else storage.quota.defaultGiB), the measurements (one at a time, on a timer and on
 * an admin's demand, each figure kept with its time), the warnings on a user's running sandboxes
 * when their home reaches 90% and 100% of the quota, and the launch check (409 QUOTA_EXCEEDED at
 * or over 100%). Running sandboxes are never stopped for a quota: their owner is told instead.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config/schema.js';
import type { EventDetail } from '../contract/event-codes.js';
import { ShivaError } from '../contract/errors.js';
import { GiB } from '../contract/resources.js';
import type { SandboxEvents } from '../sandboxes/events.js';
import type { Logger } from '../sandboxes/types.js';
import type { SandboxRepository } from '../store/sandboxes.js';
import type { UserRepository, UserRow } from '../store/users.js';
import { QuotaCommandError } from './command.js';
import type { HomeOwner, QuotaEnforcer } from './types.js';

/** The share of the quota at which a user is warned (the 90%). */
export const WARN_AT = 0.9;

/** What the API shows of a user's home: bytes and quota, null when unknown or none. */
export interface HomeFigures {
  homeBytes: number | null;
  quotaBytes: number | null;
  measuredAt: string | null;
}

/** The outcome of one measurement of every home. */
export interface MeasureReport {
  at: string;
  measured: number;
  /** Homes left out (their last figure stays); their backend's reason is logged. */
  failed: number;
}

type Level = 'ok' | 'warn' | 'over';

/** GiB with two decimals: what messages and events say. */
export const gib = (bytes: number): number => Math.round((bytes / GiB) * 100) / 100;

export interface HomeQuotasDeps {
  config: Readonly<Config>;
  users: UserRepository;
  enforcer: QuotaEnforcer;
  repo: Pick<SandboxRepository, 'live'>;
  events: Pick<SandboxEvents, 'record'>;
  log: Logger;
}

export class HomeQuotas {
  private running: Promise<MeasureReport> | null = null;
  /** The last level each user was told of, so a warning is given once per crossing, not per measurement. */
  private readonly told = new Map<number, Level>();

  constructor(private readonly deps: HomeQuotasDeps) {}

  /** storage.quota.defaultGiB in bytes; null when unset. */
  get defaultBytes(): number | null {
    const gb = this.deps.config.storage.quota.defaultGiB;
    return gb === undefined ? null : Math.round(gb * GiB);
  }

  /** The quota that applies to a user, in bytes; null: none. */
  quotaOf(row: Pick<UserRow, 'quota_bytes'>): number | null {
    return row.quota_bytes ?? this.defaultBytes;
  }

  figures(row: UserRow): HomeFigures {
    return { homeBytes: row.home_bytes, quotaBytes: this.quotaOf(row), measuredAt: row.home_measured_at };
  }

  /** Throws QUOTA_EXCEEDED when the user's last measured home is at or over their quota. */
  async checkLaunch(userId: number): Promise<void> {
    const row = await this.deps.users.byId(userId);
    if (!row) return;
    const quota = this.quotaOf(row);
    if (quota === null || row.home_bytes === null || row.home_bytes < quota) return;
    throw new ShivaError(
      'QUOTA_EXCEEDED',
      `Your home uses ${gib(row.home_bytes)} GiB of your ${gib(quota)} GiB quota (measured ${row.home_measured_at}); delete files from it, or ask an admin for more, then launch again.`,
      { homeBytes: row.home_bytes, quotaBytes: quota, measuredAt: row.home_measured_at },
    );
  }

  /**
   * Sets an admin's quota for a user in GiB (kept in whole bytes), or with null removes it so
   * the default applies; returns the user as recorded now. A hard backend sets the new limit on
   * the home first, so a filesystem that refuses it leaves the record unchanged, and the refusal
   * is QUOTA_BACKEND_FAILED naming the command that failed (command.ts).
   */
  async setQuota(row: UserRow, quotaGiB: number | null): Promise<UserRow | undefined> {
    const quotaBytes = quotaGiB === null ? null : Math.round(quotaGiB * GiB);
    if (this.deps.enforcer.backend !== 'measure' && (await this.homeExists(row.username))) {
      try {
        await this.deps.enforcer.apply(owner(row), quotaBytes ?? this.defaultBytes);
      } catch (err) {
        if (err instanceof QuotaCommandError) throw new ShivaError('QUOTA_BACKEND_FAILED', err.message);
        throw err;
      }
    }
    return this.deps.users.setQuota(row.id, quotaBytes);
  }

  /** Measures every home now; a measurement already under way is shared, never doubled. */
  measureNow(): Promise<MeasureReport> {
    return (this.running ??= this.measureAll().finally(() => (this.running = null)));
  }

  private async measureAll(): Promise<MeasureReport> {
    const rows = await this.deps.users.list();
    const { enforcer } = this.deps;
    let owners: HomeOwner[] = rows.map(owner);
    const missing: HomeOwner[] = [];
    if (enforcer.backend !== 'measure') {
      // The hard backends run on the hub, which sees the homes: a home not made yet is 0 bytes
      // and has nothing to set a limit on; the others get theirs set again (a new home, a
      // changed default).
      const present: HomeOwner[] = [];
      for (const o of owners) ((await this.homeExists(o.username)) ? present : missing).push(o);
      owners = present;
      // By id, once: a company's ten thousand accounts would otherwise be searched once each.
      const byId = new Map(rows.map((r) => [r.id, r]));
      for (const o of owners) {
        const row = byId.get(o.userId)!;
        await enforcer.apply(o, this.quotaOf(row)).catch((err: Error) => this.deps.log.warn({ user: o.username, err: err.message }, 'could not set the quota of a home'));
      }
    }
    const at = new Date().toISOString();
    const figures = owners.length > 0 ? await enforcer.measure(owners) : new Map<string, number>();
    for (const o of missing) figures.set(o.username, 0);
    const measured = rows.filter((r) => figures.has(r.username)).map((r) => ({ id: r.id, bytes: figures.get(r.username)! }));
    await this.deps.users.recordHomeBytes(measured, at);
    const failed = rows.length - measured.length;
    if (failed > 0) this.deps.log.warn({ failed, backend: enforcer.backend }, 'some homes could not be measured; their last figures stay');
    for (const r of rows) {
      const bytes = figures.get(r.username);
      if (bytes !== undefined) await this.tell(r, bytes);
    }
    this.deps.log.debug({ measured: measured.length, at }, 'homes measured');
    return { at, measured: measured.length, failed };
  }

  /** A warning event on each running sandbox of a user whose home crossed into 90% or 100%. */
  private async tell(row: UserRow, bytes: number): Promise<void> {
    const quota = this.quotaOf(row);
    const level: Level = quota === null ? 'ok' : bytes >= quota ? 'over' : bytes >= WARN_AT * quota ? 'warn' : 'ok';
    const before = this.told.get(row.id) ?? 'ok';
    this.told.set(row.id, level);
    if (level === 'ok' || level === before || (before === 'over' && level === 'warn') || quota === null) return;
    const usedGiB = gib(bytes);
    const quotaGiB = gib(quota);
    const percent = Math.floor((bytes / quota) * 100);
    const detail: EventDetail =
      level === 'over' ? { code: 'quota_exceeded', params: { usedGiB, quotaGiB } } : { code: 'quota_warning', params: { usedGiB, quotaGiB, percent } };
    const message =
      level === 'over'
        ? `Your home uses ${usedGiB} GiB, at or over your ${quotaGiB} GiB quota: this sandbox keeps running, but no new one can be launched until you delete files.`
        : `Your home uses ${usedGiB} GiB, ${percent}% of your ${quotaGiB} GiB quota.`;
    for (const s of await this.deps.repo.live(row.id)) {
      if (s.state === 'running') await this.deps.events.record(s.id, s.state, message, null, detail);
    }
    this.deps.log.info({ user: row.username, bytes, quota, level }, 'home quota level changed');
  }

  private async homeExists(username: string): Promise<boolean> {
    return stat(path.join(this.deps.config.homes.root!, username)).then(
      (s) => s.isDirectory(),
      () => false,
    );
  }
}

const owner = (row: Pick<UserRow, 'id' | 'username'>): HomeOwner => ({ userId: row.id, username: row.username });
