/**
 * The culler: every `culling.checkIntervalSeconds` it looks at each running sandbox, warns its
 * owner `warnMinutes` before an idle or maximum-age stop (an idle_warning event, the `idleStop`
 * of its view), calls an idle stop off when the sandbox is used again, and stops it when the time
 * comes, as a user's stop does (home kept), under the system actor hub:culler
 * (docs/culling.md, "Warnings and stops").
 *
 * Last activity is the newest of the ActivityView's answer, the sandbox's start and the last
 * Keep it running press; the maximum age counts from the start alone. A warning always gives the
 * full warnMinutes: its stop time is the later of when the limit is reached and now plus
 * warnMinutes. What it knows lives in memory and in the sandbox's events, from which it is
 * rebuilt the first time a sandbox is seen after a restart (warnings.ts).
 */
import type { Config } from '../../config/schema.js';
import { ACTIVITY_WORDS } from '../../contract/activity-kinds.js';
import type { EventDetail } from '../../contract/event-codes.js';
import { systemActor, type AuditLog } from '../../store/audit.js';
import type { Role } from '../../store/schema.js';
import type { SandboxRepository, SandboxRow } from '../../store/sandboxes.js';
import type { SandboxEvents } from '../events.js';
import type { TransitionEvent } from '../lifecycle.js';
import type { Logger } from '../types.js';
import type { PendingStops } from './pending-stops.js';
import { idleLimit, resolvePolicy, type CullingPolicy, type CullReason } from './policy.js';
import type { ActivityKind, ActivityView } from './types.js';
import { replayCulling } from './warnings.js';

const MINUTE = 60_000;
/** How many ActivityView questions are in flight at once: bounded, since a source may ask an engine. */
const PARALLEL = 8;

export interface CullerDeps {
  config: Readonly<Pick<Config, 'culling' | 'images'>>;
  repo: Pick<SandboxRepository, 'live'>;
  /** The roles of the running sandboxes' owners, read once per check (UserRepository.rolesOf). */
  users: { rolesOf(ids: ReadonlyArray<number>): Promise<ReadonlyMap<number, Role>> };
  activity: ActivityView;
  events: Pick<SandboxEvents, 'record' | 'history'>;
  /** Stops a sandbox as a user's stop does; answers whether that ended it (SandboxService.stopByHub). */
  stop: (id: string, by: string, reason: string, event: TransitionEvent) => Promise<boolean>;
  audit: AuditLog;
  pending: PendingStops;
  /** Counts a stop in shiva_culled_total{reason}. */
  counted: (reason: CullReason) => void;
  log: Logger;
  /** The clock, in ms since the epoch (unit tests move it). */
  now?: () => number;
}

/** What one check did, for the log and the tests. */
export interface CullReport {
  checked: number;
  warned: number;
  cleared: number;
  stopped: number;
}

export class Culler {
  private readonly now: () => number;
  /** Last Keep it running press per sandbox (ms). */
  private readonly keptAt = new Map<string, number>();
  /** Sandboxes whose stored events were replayed in this process. */
  private readonly known = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<CullReport> | null = null;

  constructor(private readonly deps: CullerDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** Checks now and then every checkIntervalSeconds, until stop(). */
  start(): void {
    if (this.timer) return;
    const tick = () => void this.check().catch((err: Error) => this.deps.log.warn({ err: err.message }, 'culling check failed'));
    this.timer = setInterval(tick, this.deps.config.culling.checkIntervalSeconds * 1000);
    this.timer.unref();
    tick();
  }

  /** Stops the timer and waits for a check in progress. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running?.catch(() => undefined);
  }

  /** One pass over every running sandbox; a pass asked for while one runs shares it. */
  check(): Promise<CullReport> {
    return (this.running ??= this.pass().finally(() => (this.running = null)));
  }

  /**
   * Someone pressed Keep it running on a running sandbox: idle time counts from now, and an idle
   * warning is called off (a max_age one is not: nothing postpones the maximum age). Recorded as
   * a kept_running event, so a restart remembers it.
   */
  async keep(row: Pick<SandboxRow, 'id'>, by: string): Promise<void> {
    await this.remember(row.id);
    this.keptAt.set(row.id, this.now());
    const pending = this.deps.pending.get(row.id);
    const still = pending?.reason === 'max_age' ? `; it still stops at ${clock(pending.stopAt)}, its maximum age` : '';
    if (pending && pending.reason !== 'max_age') this.deps.pending.delete(row.id);
    await this.deps.events.record(row.id, 'running', `Kept running by ${by}: idle time counts from now${still}`, null, { code: 'kept_running', params: { by } });
  }

  private async pass(): Promise<CullReport> {
    const report: CullReport = { checked: 0, warned: 0, cleared: 0, stopped: 0 };
    const rows = (await this.deps.repo.live()).filter((r) => r.state === 'running');
    const running = new Set(rows.map((r) => r.id));
    for (const id of [...this.deps.pending.ids()]) if (!running.has(id)) this.deps.pending.delete(id);
    for (const id of this.known) if (!running.has(id)) (this.known.delete(id), this.keptAt.delete(id));
    const roles = await this.deps.users.rolesOf(rows.map((r) => r.user_id));
    const images = new Map(this.deps.config.images.catalogue.map((i) => [i.name, i]));
    let next = 0;
    const worker = async () => {
      while (next < rows.length) {
        const row = rows[next++]!;
        const policy = resolvePolicy(this.deps.config, images.get(row.image), { role: roles.get(row.user_id) ?? 'user' });
        try {
          await this.checkOne(row, policy, report);
        } catch (err) {
          this.deps.log.warn({ sandbox: row.id, err: (err as Error).message }, 'culling check of a sandbox failed');
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(PARALLEL, rows.length) }, worker));
    return report;
  }

  private async checkOne(row: SandboxRow, policy: CullingPolicy, report: CullReport): Promise<void> {
    const gpus = JSON.parse(row.gpus) as string[];
    const limit = idleLimit(policy, gpus.length > 0);
    const maxAgeMs = policy.maxAgeHours === null ? null : policy.maxAgeHours * 60 * MINUTE;
    if (!limit && maxAgeMs === null) {
      // Culling is off for it (perhaps since a restart with a new configuration): nothing pending.
      this.deps.pending.delete(row.id);
      return;
    }
    report.checked++;
    await this.remember(row.id);
    const startedAt = Date.parse(row.started_at ?? row.created_at);
    const seen = await this.deps.activity.lastActivity(
      { id: row.id, username: row.username, name: row.name, machine: row.machine, gpus, startedAt: row.started_at },
      { gpuUtilisationPercent: policy.gpuUtilisationPercent },
    );
    const kept = this.keptAt.get(row.id) ?? 0;
    const last: { at: number; kind: ActivityKind | 'start' } =
      seen && seen.at >= kept && seen.at >= startedAt ? seen : kept >= startedAt ? { at: kept, kind: 'keep' } : { at: startedAt, kind: 'start' };
    const t = this.now();
    const pending = this.deps.pending.get(row.id);
    if (pending) {
      if (pending.reason !== 'max_age' && (last.at > pending.warnedAt || !limit)) {
        this.deps.pending.delete(row.id);
        report.cleared++;
        await this.record(row.id, `In use again (${last.kind === 'start' ? 'its start' : ACTIVITY_WORDS[last.kind]}): it no longer stops at ${clock(pending.stopAt)}`, {
          code: 'idle_warning_cleared',
          params: { kind: last.kind },
        });
        return;
      }
      if (t < pending.stopAt) return;
      // A keep pressed while this pass waited on the activity view has deleted the warning.
      if (this.deps.pending.get(row.id) !== pending) return;
      await this.cull(row, pending.reason, t - last.at, policy);
      report.stopped++;
      return;
    }
    const dues: Array<{ at: number; reason: CullReason }> = [];
    if (limit) dues.push({ at: last.at + limit.minutes * MINUTE, reason: limit.reason });
    if (maxAgeMs !== null) dues.push({ at: startedAt + maxAgeMs, reason: 'max_age' });
    const due = dues.reduce((a, b) => (b.at < a.at ? b : a));
    const warnMs = policy.warnMinutes * MINUTE;
    if (t < due.at - warnMs) return;
    const stopAt = Math.max(due.at, t + warnMs);
    const idleMinutes = Math.floor((t - last.at) / MINUTE);
    const idleSeconds = Math.max(0, Math.round((t - last.at) / 1000));
    const maxAgeHours = due.reason === 'max_age' ? policy.maxAgeHours! : 0;
    this.deps.pending.set(row.id, { warnedAt: t, stopAt, reason: due.reason });
    report.warned++;
    const message =
      due.reason === 'max_age'
        ? `It reaches its ${maxAgeHours} h maximum age: it stops at ${clock(stopAt)} whatever happens`
        : `Idle for ${minutes(t - last.at)}: it stops at ${clock(stopAt)} unless it is used`;
    await this.record(row.id, message, { code: 'idle_warning', params: { stopAt: new Date(stopAt).toISOString(), reason: due.reason, idleSeconds, idleMinutes, maxAgeHours } });
    this.deps.log.info({ user: row.username, sandbox: row.id, name: row.name, reason: due.reason, stopAt: new Date(stopAt).toISOString() }, 'idle warning given');
  }

  private async cull(row: SandboxRow, reason: CullReason, idleMs: number, policy: CullingPolicy): Promise<void> {
    const maxAgeHours = reason === 'max_age' ? policy.maxAgeHours! : 0;
    const why =
      reason === 'max_age'
        ? `reached the ${maxAgeHours} h maximum age`
        : `idle for ${minutes(idleMs)}${reason === 'gpu_idle' ? ' while holding GPUs' : ''}`;
    const by = systemActor('culler');
    const ended = await this.deps.stop(row.id, by, why, {
      message: `Stopping: ${why}`,
      detail: { code: 'culled', params: { reason, idleSeconds: Math.max(0, Math.round(idleMs / 1000)), idleMinutes: Math.floor(idleMs / MINUTE), maxAgeHours } },
    });
    this.deps.pending.delete(row.id);
    if (!ended) return;
    this.deps.counted(reason);
    await this.deps.audit.record({
      actor: by,
      action: 'sandbox.stop',
      target: `${row.username}/${row.name}`,
      result: 'ok',
      details: { sandbox: row.id, reason: why, cause: reason },
    });
  }

  /** Replays the stored events of a sandbox the first time this process sees it. */
  private async remember(id: string): Promise<void> {
    if (this.known.has(id)) return;
    const memory = replayCulling(await this.deps.events.history(id));
    this.known.add(id);
    if (memory.pending && !this.deps.pending.get(id)) this.deps.pending.set(id, memory.pending);
    if (memory.keptAt !== null && (this.keptAt.get(id) ?? 0) < memory.keptAt) this.keptAt.set(id, memory.keptAt);
  }

  private async record(id: string, message: string, detail: EventDetail): Promise<void> {
    await this.deps.events.record(id, 'running', message, null, detail);
  }
}

/** "62 minutes", or seconds under two minutes (short test limits), in English. */
function minutes(ms: number): string {
  if (ms < 2 * MINUTE) return `${Math.max(0, Math.round(ms / 1000))} seconds`;
  return `${Math.floor(ms / MINUTE)} minutes`;
}

/** A stop time for messages: HH:MM UTC (the dashboard shows it in the reader's own time zone). */
function clock(ms: number): string {
  return `${new Date(ms).toISOString().slice(11, 16)} UTC`;
}
