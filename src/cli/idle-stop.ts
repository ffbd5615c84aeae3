/** How `shiva ls` shows a sandbox's announced stop (docs/culling.md): "in 8m (idle)", or "-". */
import type { IdleStop } from '../contract/api.js';

const WHY: Record<IdleStop['reason'], string> = { idle: 'idle', gpu_idle: 'idle, GPUs', max_age: 'max age' };

/** The STOPS column: how long until the stop and why; `-` when none is announced. */
export function idleStopText(stop: IdleStop | null | undefined, at = Date.now()): string {
  if (!stop) return '-';
  const s = Math.max(0, Math.round((Date.parse(stop.at) - at) / 1000));
  const left = s < 60 ? `${s}s` : s < 3600 ? `${Math.round(s / 60)}m` : `${Math.round(s / 3600)}h`;
  return `in ${left} (${WHY[stop.reason]})`;
}
