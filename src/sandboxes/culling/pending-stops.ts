/**
 * The stops the culler has warned of, by sandbox id, in memory: what the Sandbox view shows as
 * `idleStop` and what the proxy may answer without the database. The culler is its only writer
 * and rebuilds it from the stored events after a restart (src/sandboxes/culling/warnings.ts).
 */
import type { IdleStop } from '../../contract/api.js';
import type { CullReason } from './policy.js';

/** A warned stop: when it was announced and when (ms since the epoch) it is due. */
export interface PendingStop {
  /** When the warning was given (ms since the epoch); activity after it calls an idle stop off. */
  warnedAt: number;
  stopAt: number;
  reason: CullReason;
}

export class PendingStops {
  private readonly stops = new Map<string, PendingStop>();

  get(id: string): PendingStop | undefined {
    return this.stops.get(id);
  }

  /** The stop as the API shows it, or null. */
  view(id: string): IdleStop | null {
    const stop = this.stops.get(id);
    return stop ? { at: new Date(stop.stopAt).toISOString(), reason: stop.reason } : null;
  }

  set(id: string, stop: PendingStop): void {
    this.stops.set(id, stop);
  }

  delete(id: string): void {
    this.stops.delete(id);
  }

  ids(): IterableIterator<string> {
    return this.stops.keys();
  }
}
