/**
 * The hub's Prometheus series, in a registry of its own (several hubs may live in one process,
 * as in tests, and must not mix their series). Nothing here runs on a timer: counters are bumped
 * where things happen, and everything else is read from the hub's state when /metrics is scraped.
 */
import { Counter, Histogram, Registry } from 'prom-client';
import type { Config } from '../config/schema.js';
import type { MachineRegistry } from '../machines/registry.js';
import type { RouteTable } from '../proxy/route-table.js';
import type { ActivityRecorder } from '../sandboxes/activity.js';
import type { SandboxEvents } from '../sandboxes/events.js';
import type { LiveSandboxStats } from '../sandboxes/live-stats.js';
import type { HomesFilesystem } from '../storage/homes-filesystem.js';
import type { SandboxRepository } from '../store/sandboxes.js';
import { registerMachineSeries, type Allocation } from './machine-series.js';
import { ProxyCounts, registerProxySeries } from './proxy-counts.js';
import { registerSandboxSeries } from './sandbox-series.js';
import { registerStorageSeries } from './storage-series.js';
import { CulledCounts } from './culled.js';
import { SshCounts } from './ssh-series.js';
import { registerHomeSeries, type HomeSeriesRow } from './home-series.js';
import { EMPTY_STATE, readScrapeState, type ScrapeState } from './scrape-state.js';
import { watchSpawnDurations } from './spawn-durations.js';

export interface HubMetricsDeps {
  config: Readonly<Config>;
  repo: SandboxRepository;
  machines: MachineRegistry;
  routes: RouteTable;
  events: SandboxEvents;
  activity: ActivityRecorder;
  liveStats: LiveSandboxStats;
  /** The homes filesystem's last reading. */
  homesFilesystem: Pick<HomesFilesystem, 'reading'>;
  /** What sandboxes hold on a machine, as the scheduler counts it (the same figures /api/machines shows). */
  allocation: (machine: string) => Allocation;
  /** Each user's home figures, read once per scrape. */
  homes: () => Promise<HomeSeriesRow[]>;
}

export class HubMetrics {
  readonly registry = new Registry();
  /** Hand this to the proxy: it counts answers in plain memory. */
  readonly proxy = new ProxyCounts();
  /** The culler's stops, by reason. */
  readonly culled: CulledCounts;
  /** The SSH gateway's sessions and refused sign-ins. */
  readonly ssh: SshCounts;
  private readonly requestDuration: Histogram<'method' | 'handler' | 'code'>;
  private readonly oomKills: Counter<'user' | 'machine'>;
  private readonly stopWatching: () => void;
  private state: ScrapeState = EMPTY_STATE;
  private homes: HomeSeriesRow[] = [];

  constructor(private readonly deps: HubMetricsDeps) {
    this.requestDuration = new Histogram({
      name: 'shiva_request_duration_seconds',
      help: 'API requests by method, route pattern (handler) and status code',
      labelNames: ['method', 'handler', 'code'],
      registers: [this.registry],
    });
    this.culled = new CulledCounts(this.registry);
    this.ssh = new SshCounts(this.registry);
    this.oomKills = new Counter({
      name: 'shiva_sandbox_oom_kills_total',
      help: 'Processes of sandboxes the kernel killed for memory at the sandbox limit (the engine oom events), by owner and machine',
      labelNames: ['user', 'machine'],
      registers: [this.registry],
    });
    this.stopWatching = watchSpawnDurations(this.registry, deps.events);
    registerProxySeries(this.registry, this.proxy, deps.routes);
    registerSandboxSeries(this.registry, () => this.state, deps.liveStats);
    registerMachineSeries(this.registry, deps.machines, deps.allocation);
    registerStorageSeries(this.registry, deps.homesFilesystem, deps.config.storage.minFreePercent);
    registerHomeSeries(this.registry, () => this.homes);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** One answered API request; `handler` is its route pattern, so ids in paths do not make new series. */
  observeRequest(method: string, handler: string, code: number, seconds: number): void {
    this.requestDuration.observe({ method, handler, code: String(code) }, seconds);
  }

  /** One process of a sandbox killed for memory (src/sandboxes/exits.ts). */
  countOomKill(user: string, machine: string): void {
    this.oomKills.inc({ user, machine });
  }

  /** The text exposition, from the hub's state as it is now. */
  async exposition(): Promise<string> {
    [this.state, this.homes] = await Promise.all([readScrapeState(this.deps.repo, this.deps.activity), this.deps.homes()]);
    return this.registry.metrics();
  }

  /** Every series name this hub exposes (histograms under their base name). */
  names(): string[] {
    return this.registry.getMetricsAsArray().map((m) => m.name);
  }

  close(): void {
    this.stopWatching();
  }
}
