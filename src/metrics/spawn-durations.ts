/**
 * How long launches take, from the sandbox events: a launch begins with `queued` (recorded as
 * the sandbox's row is made, so at its created_at) and ends with `running` or `failed`. Only
 * launches this hub saw begin are measured, so a launch that a restart interrupted, and that the
 * reconciler marks failed afterwards, does not count with the hours it was left.
 */
import { Histogram, type Registry } from 'prom-client';
import type { SandboxEvents } from '../sandboxes/events.js';

/** Seconds; launches of a present image take about one, pulls of large images minutes. */
const BUCKETS = [0.25, 0.5, 1, 2, 3, 5, 10, 20, 30, 60, 120, 300, 600];

/** Starts measuring; returns the function that stops listening. */
export function watchSpawnDurations(registry: Registry, events: SandboxEvents): () => void {
  const histogram = new Histogram({
    name: 'shiva_server_spawn_duration_seconds',
    help: 'Time from a launch request to its sandbox answering (success) or the launch failing (failure)',
    labelNames: ['status'],
    buckets: BUCKETS,
    registers: [registry],
  });
  // Both series exist from the start, so rates and ratios over them are never "no data".
  histogram.zero({ status: 'success' });
  histogram.zero({ status: 'failure' });
  const begun = new Map<string, number>();
  return events.subscribe('*', (event) => {
    switch (event.state) {
      case 'queued':
        begun.set(event.sandboxId, Date.parse(event.at));
        break;
      case 'running':
      case 'failed': {
        const since = begun.get(event.sandboxId);
        if (since === undefined) return;
        begun.delete(event.sandboxId);
        histogram.observe({ status: event.state === 'running' ? 'success' : 'failure' }, Math.max(0, Date.parse(event.at) - since) / 1000);
        break;
      }
      case 'stopping':
      case 'stopped':
        // Stopped while launching: neither a success nor a failure of the launch.
        begun.delete(event.sandboxId);
        break;
      default:
        break;
    }
  });
}
