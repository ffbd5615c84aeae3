/**
 * Last activity per sandbox from real traffic. The proxy calls `touch` on every request and
 * WebSocket chunk, so it only writes a number into a map; a timer flushes the map in one batch.
 */
import type { ActivityKind } from './culling/types.js';

export class ActivityRecorder {
  private pending = new Map<string, number>();
  private readonly latest = new Map<string, number>();

  /** Notes activity now; `kind` says where it came from (a Keep it running press is 'keep'). */
  touch(sandboxId: string, _kind: ActivityKind = 'http'): void {
    const t = Date.now();
    this.pending.set(sandboxId, t);
    this.latest.set(sandboxId, t);
  }

  /** The last activity seen by this process, newer than what the database may hold. */
  last(sandboxId: string): string | null {
    const t = this.latest.get(sandboxId);
    return t === undefined ? null : new Date(t).toISOString();
  }

  forget(sandboxId: string): void {
    this.latest.delete(sandboxId);
    this.pending.delete(sandboxId);
  }

  /** What was touched since the last drain, as ISO times. */
  drain(): Map<string, string> {
    const out = new Map<string, string>();
    for (const [id, t] of this.pending) out.set(id, new Date(t).toISOString());
    this.pending = new Map();
    return out;
  }
}
