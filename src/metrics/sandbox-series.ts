/**
 * Series of sandboxes and users, made on scrape from the scrape's state and the latest engine
 * readings. Per-sandbox series carry user, sandbox (its name), machine and gpus (the GPU ids it
 * holds, comma-joined), so a dashboard can table them or sum them by any of these.
 */
import { Gauge, type Registry } from 'prom-client';
import type { LiveSandboxStats } from '../sandboxes/live-stats.js';
import type { SandboxRow } from '../store/sandboxes.js';
import { LIVE_STATES } from '../contract/sandbox-states.js';
import { ACTIVE_PERIODS, type ActivePeriod, type ScrapeState } from './scrape-state.js';

const SANDBOX_LABELS = ['user', 'sandbox', 'machine', 'gpus'] as const;
type SandboxLabel = (typeof SANDBOX_LABELS)[number];

export function sandboxLabels(row: SandboxRow): Record<SandboxLabel, string> {
  return { user: row.username, sandbox: row.name, machine: row.machine, gpus: (JSON.parse(row.gpus) as string[]).join(',') };
}

const seconds = (iso: string): number => Date.parse(iso) / 1000;

export function registerSandboxSeries(registry: Registry, state: () => ScrapeState, liveStats: Pick<LiveSandboxStats, 'get'>): void {
  const registers = [registry];
  new Gauge({
    name: 'shiva_running_servers',
    help: 'Sandboxes that are running (their server answered)',
    registers,
    collect() {
      this.set(state().live.filter((r) => r.state === 'running').length);
    },
  });
  new Gauge({
    name: 'shiva_sandboxes',
    help: 'Live sandboxes by state (queued, pulling, creating, starting, waiting, running, unknown, stopping)',
    labelNames: ['state'],
    registers,
    collect() {
      this.reset();
      for (const s of LIVE_STATES) this.set({ state: s }, 0);
      for (const row of state().live) this.inc({ state: row.state });
    },
  });
  new Gauge({
    name: 'shiva_active_users',
    help: 'Users with sandbox activity (traffic through the proxy) in the period',
    labelNames: ['period'],
    registers,
    collect() {
      const { activeUsers } = state();
      for (const period of Object.keys(ACTIVE_PERIODS) as ActivePeriod[]) this.set({ period }, activeUsers[period]);
    },
  });

  /** A per-sandbox gauge: `value` of each live sandbox, or null to leave the sandbox out. */
  const perSandbox = (name: string, help: string, value: (row: SandboxRow, s: ScrapeState) => number | null | undefined) =>
    new Gauge({
      name,
      help,
      labelNames: SANDBOX_LABELS,
      registers,
      collect() {
        this.reset();
        const s = state();
        for (const row of s.live) {
          const v = value(row, s);
          if (v !== null && v !== undefined) this.set(sandboxLabels(row), v);
        }
      },
    });
  perSandbox('shiva_sandbox_started_time_seconds', 'When the sandbox began running, in Unix seconds', (row) =>
    row.started_at ? seconds(row.started_at) : null,
  );
  perSandbox('shiva_sandbox_last_activity_time_seconds', 'Last activity the hub recorded itself for the sandbox (proxied traffic that counts, the Keep button, SSH), in Unix seconds', (row, s) => {
    const last = s.lastActivity.get(row.id);
    return last ? seconds(last) : null;
  });
  perSandbox('shiva_sandbox_cpu_percent', 'CPU the sandbox uses, 100 per busy CPU as docker stats counts (mean over the last refresh period)', (row) =>
    liveStats.get(row.id)?.cpuPercent,
  );
  perSandbox('shiva_sandbox_memory_used_bytes', 'Memory the sandbox uses, less the file cache the kernel can drop', (row) =>
    liveStats.get(row.id)?.memoryUsedBytes,
  );
  perSandbox('shiva_sandbox_cpus', 'CPUs the sandbox may use (its limit)', (row) => row.cpus);
  perSandbox('shiva_sandbox_cpu_request', 'CPUs the sandbox is guaranteed and holds of its machine (its request)', (row) => row.cpu_request);
  perSandbox('shiva_sandbox_memory_limit_bytes', 'Memory the sandbox may use (its limit)', (row) => row.memory_bytes);
}
