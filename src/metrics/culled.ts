/**
 * shiva_culled_total{reason}: sandboxes the culler stopped, by why (idle, gpu_idle, max_age; the
 * fixed set of src/sandboxes/culling/policy.ts, each present from the start at 0 so that a rate
 * over it never starts from a missing series).
 */
import { Counter, type Registry } from 'prom-client';
import { CULL_REASONS, type CullReason } from '../sandboxes/culling/policy.js';

export class CulledCounts {
  private readonly counter: Counter<'reason'>;

  constructor(registry: Registry) {
    this.counter = new Counter({
      name: 'shiva_culled_total',
      help: 'Sandboxes the hub stopped by itself, by reason: idle, gpu_idle (idle while holding GPUs) or max_age',
      labelNames: ['reason'],
      registers: [registry],
    });
    for (const reason of CULL_REASONS) this.counter.inc({ reason }, 0);
  }

  /** One sandbox stopped for `reason`. */
  culled(reason: CullReason): void {
    this.counter.inc({ reason });
  }
}
