/**
 * Last activity per sandbox from what the hub itself sees: proxied traffic that counts (the proxy
 * calls `touch` with `http` for a request that counts once the sandbox answers it, `websocket` for
 * a data frame either way), SSH sessions (`ssh`: the SSH gateway calls `touch` while a session
 * carries data, once it exists) and the dashboard's "Keep it running" (`keep`). `touch` runs on
 * the proxy's hot path, so it only writes numbers into maps; a timer flushes them in one batch.
 * And, through `observe`, what the culler read from the other sources, so that one place holds a
 * sandbox's last activity.
 */
import type { ActivityKind, LastActivity } from './culling/types.js';

/** The kinds of activity that reach the hub as calls to `touch`, rather than being read from a source. */
export type TouchedActivityKind = Extract<ActivityKind, 'http' | 'websocket' | 'ssh' | 'keep'>;

export class ActivityRecorder {
  private pending = new Map<string, number>();
  private readonly latest = new Map<string, number>();
  private readonly kinds = new Map<string, ActivityKind>();

  /**
   * Records activity of `kind` on `sandboxId` now. `http` when not given (the proxy's own
   * callers before kinds existed). Also the hook for the SSH gateway (`ssh`) and for the "Keep
   * it running" button (`keep`).
   */
  touch(sandboxId: string, kind: TouchedActivityKind = 'http'): void {
    const t = Date.now();
    this.pending.set(sandboxId, t);
    this.latest.set(sandboxId, t);
    this.kinds.set(sandboxId, kind);
  }

  /**
   * Records what a source the hub reads found (a busy kernel, a terminal, a GPU at work: the
   * culler's ActivityView), when it is newer than what is known, so that the sandbox's
   * `lastActivityAt` and the database say what the culler goes by, not the proxy's traffic alone.
   */
  observe(sandboxId: string, activity: LastActivity): void {
    if ((this.latest.get(sandboxId) ?? -Infinity) >= activity.at) return;
    this.pending.set(sandboxId, activity.at);
    this.latest.set(sandboxId, activity.at);
    this.kinds.set(sandboxId, activity.kind);
  }

  /**
   * Takes what the database held from before a restart (`last_activity_at`, ISO 8601), unless
   * something newer is known. The database does not keep the kind: it reads as `http`.
   */
  restore(sandboxId: string, at: string | null): void {
    if (at === null) return;
    const t = Date.parse(at);
    if (Number.isNaN(t) || (this.latest.get(sandboxId) ?? -Infinity) >= t) return;
    this.latest.set(sandboxId, t);
    this.kinds.set(sandboxId, 'http');
  }

  /** The last activity seen by this process, newer than what the database may hold. */
  last(sandboxId: string): string | null {
    const t = this.latest.get(sandboxId);
    return t === undefined ? null : new Date(t).toISOString();
  }

  /** The last activity seen by this process with its kind (ms since the epoch), or null. */
  lastActivity(sandboxId: string): LastActivity | null {
    const at = this.latest.get(sandboxId);
    return at === undefined ? null : { at, kind: this.kinds.get(sandboxId) ?? 'http' };
  }

  forget(sandboxId: string): void {
    this.latest.delete(sandboxId);
    this.pending.delete(sandboxId);
    this.kinds.delete(sandboxId);
  }

  /** What was touched since the last drain, as ISO times. */
  drain(): Map<string, string> {
    const out = new Map<string, string>();
    for (const [id, t] of this.pending) out.set(id, new Date(t).toISOString());
    this.pending = new Map();
    return out;
  }
}
