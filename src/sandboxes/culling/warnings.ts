/**
 * What a sandbox's stored events say about its culling, so that nothing is lost or repeated when
 * the hub restarts: the warning still pending (idle_warning with no later idle_warning_cleared
 * or kept_running calling it off) and the last Keep it running press. Pure.
 */
import type { SandboxEvent } from '../../contract/api.js';
import { readEventDetail } from '../../contract/event-codes.js';
import type { PendingStop } from './pending-stops.js';
import { CULL_REASONS, type CullReason } from './policy.js';

export interface CullingMemory {
  pending: PendingStop | null;
  /** The last Keep it running press (ms since the epoch), or null. */
  keptAt: number | null;
}

/** Replays the events of one sandbox (oldest first) into what the culler knew. */
export function replayCulling(events: readonly SandboxEvent[]): CullingMemory {
  const memory: CullingMemory = { pending: null, keptAt: null };
  for (const event of events) {
    const detail = readEventDetail(event.code, event.params);
    if (!detail) continue;
    const at = Date.parse(event.at);
    if (detail.code === 'idle_warning' && isReason(detail.params.reason)) {
      memory.pending = { warnedAt: at, stopAt: Date.parse(detail.params.stopAt), reason: detail.params.reason };
    } else if (detail.code === 'idle_warning_cleared') {
      memory.pending = null;
    } else if (detail.code === 'kept_running') {
      memory.keptAt = at;
      if (memory.pending?.reason !== 'max_age') memory.pending = null;
    }
  }
  return memory;
}

const isReason = (value: string): value is CullReason => (CULL_REASONS as readonly string[]).includes(value);
