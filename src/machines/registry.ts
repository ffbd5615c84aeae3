/**
 * The machines a hub runs sandboxes on, each with its runtime, and what was last heard of each:
 * health, engine facts, usage, GPUs and a short history. `refresh()` is the health check; a
 * machine that does not answer within the timeout is down from then on, and listeners hear of
 * every change between up and down (the hub marks sandboxes unknown, then reconciles them).
 */
import type { MachineUsage } from '../contract/api.js';
import type { Config, MachineEntry } from '../config/schema.js';
import type { MachineCapacity } from '../scheduler/place.js';
import { presentImages } from '../images/local-images.js';
import type { EngineInfo, LocalImage, Runtime } from '../runtime/types.js';
import { GpuInventory, staticGpus, type GpuSource } from './gpu/inventory.js';
import type { GpuReading } from './gpu/nvidia-smi.js';
import { MachineHistory, SampleSequence, sampleOf } from './history.js';
import { HostUsageReader } from './host-usage.js';
import { jobImageOf, MachineJobs, type JobRunner } from './jobs.js';

const GiB = 1024 ** 3;
/**
 * An engine that refuses the connection is down at once; one that is only slow (an engine busy
 * extracting a large image answers /info late) gets a second chance before its users lose it.
 */
const SLOW_CHECKS_BEFORE_DOWN = 2;
/**
 * How often a machine's images are listed: what it holds changes with pulls (after which they
 * are listed at once) and rarely otherwise, so not every health check pays for a listing.
 */
const IMAGES_EVERY_MS = 60_000;

export interface Machine {
  name: string;
  /** The machine as configured: its engine, address (where sandbox ports are published and reached), reserve, caps and GPUs. */
  entry: MachineEntry;
  runtime: Runtime;
  /** Where the hub's short jobs run on this machine: each pulls its image when the machine lacks it (jobs.ts). */
  jobs: JobRunner;
  /** The engine is on the hub's own machine: /proc, /sys and nvidia-smi here describe it. */
  local: boolean;
  status: 'up' | 'down';
  info: EngineInfo | null;
  lastSeenAt: string | null;
  error: string | null;
  /** What the machine uses, where the hub can read it (its own machine, or Prometheus); else null. */
  usage: MachineUsage | null;
  usageError: string | null;
  /** The GPUs last read; a failed reading keeps the last good list (a GPU does not vanish). */
  gpus: GpuReading[];
  gpusAt: string | null;
  gpuSource: GpuSource | null;
  /** Why the GPUs could not be read, if they could not. */
  gpuError: string | null;
  /**
   * Whether the machine sees the shared homes (homes-check.ts), as last checked: a machine that
   * does not is not ready and gets no launches. Null while unchecked or with `homes.check: none`.
   */
  homes: HomesReadiness | null;
  history: MachineHistory;
  /** The catalogue images it held at its last image listing, by reference; null before the first. */
  images: MachineImages | null;
}

export interface MachineImages {
  at: string;
  /** Each catalogue reference the machine holds, with the image the engine lists under it. */
  present: Map<string, LocalImage>;
}

export interface HomesReadiness {
  ready: boolean;
  /** Why not, for an admin; null when ready. */
  reason: string | null;
  checkedAt: string;
}

/** What checks a machine's view of homes.root (HomesCheck). */
export interface HomesChecker {
  /** Null when the machine sees the hub's homes, else why not. */
  check(machine: Pick<Machine, 'name' | 'jobs'>): Promise<string | null>;
  /** How long a verdict stands: a job costs engine time, so not every health check runs one. */
  readonly intervalMs: number;
}

/** What a Prometheus server knows of machines (sources/prometheus.ts reads it through PromQL). */
export interface PrometheusReader {
  /** From the node_exporter series whose instance label is `instance`. */
  readUsage(instance: string): Promise<MachineUsage>;
  /** From the DCGM exporter series whose Hostname label is `hostname`. */
  readGpus(hostname: string): Promise<GpuReading[]>;
}

export interface MachineRegistryOptions {
  entries: readonly MachineEntry[];
  makeRuntime: (entry: MachineEntry) => Runtime;
  /** Where the hub's own disk usage is read (its data directory). */
  diskPath: string;
  timeoutSeconds: number;
  /** How many samples each machine's history keeps. */
  historySamples: number;
  /** CPUs each machine may hand out per CPU it has (limits are time shares; see docs). */
  cpuOvercommit: number;
  /** The image every job runs in on every machine (jobImageOf; nvidia-smi there is the toolkit's). */
  jobImage: string;
  nvidiaSmi?: string;
  prometheus?: PrometheusReader | null;
  /** How long a GPU list read through a container is good for (default a minute). */
  containerGpuReadEveryMs?: number;
  /** Checks each machine's view of homes.root; none with `homes.check: none`. */
  homes?: HomesChecker | null;
  /** Hears each machine's homes verdict when it changes (the hub logs it). */
  onHomesChange?: (machine: Machine) => void;
  /** The catalogue's references: which of a machine's images are kept (none without it). */
  imageRefs?: () => Iterable<string>;
}

type StatusListener = (machine: Machine) => void;

export class MachineRegistry {
  private readonly machines = new Map<string, Machine>();
  private readonly hostUsage: HostUsageReader;
  private readonly gpus: GpuInventory;
  private readonly listeners: StatusListener[] = [];
  private readonly gpuListeners: StatusListener[] = [];
  private readonly checked = new Set<string>();
  private readonly slowChecks = new Map<string, number>();
  /** Numbers every machine's samples, so one cursor covers the fleet (history-page.ts). */
  readonly samples = new SampleSequence();

  /** The registry a configuration describes. */
  static fromConfig(
    config: Readonly<Config>,
    makeRuntime: (entry: MachineEntry) => Runtime,
    extras: Pick<MachineRegistryOptions, 'nvidiaSmi' | 'prometheus' | 'containerGpuReadEveryMs' | 'homes' | 'onHomesChange' | 'imageRefs'> = {},
  ): MachineRegistry {
    const { health, scheduler } = config;
    return new MachineRegistry({
      entries: config.machines,
      makeRuntime,
      diskPath: config.dataDir,
      timeoutSeconds: health.timeoutSeconds,
      historySamples: Math.ceil((health.historyMinutes * 60) / health.intervalSeconds),
      cpuOvercommit: scheduler.cpuOvercommit,
      jobImage: jobImageOf(config),
      ...extras,
    });
  }

  constructor(private readonly options: MachineRegistryOptions) {
    this.hostUsage = new HostUsageReader(options.diskPath);
    this.gpus = new GpuInventory({
      nvidiaSmi: options.nvidiaSmi,
      prometheus: options.prometheus,
      containerReadEveryMs: options.containerGpuReadEveryMs,
    });
    for (const entry of options.entries) {
      const runtime = options.makeRuntime(entry);
      this.machines.set(entry.name, {
        name: entry.name,
        entry,
        runtime,
        jobs: new MachineJobs(runtime, options.jobImage),
        local: entry.docker.startsWith('unix://'),
        status: 'down',
        info: null,
        lastSeenAt: null,
        error: 'not checked yet',
        usage: null,
        usageError: null,
        gpus: entry.gpus.source === 'static' ? staticGpus(entry) : [],
        gpusAt: null,
        gpuSource: null,
        gpuError: null,
        homes: null,
        history: new MachineHistory(options.historySamples, this.samples),
        images: null,
      });
    }
  }

  /**
   * The machine that runs jobs over homes.root (measuring homes): the one named, else the first
   * that answers and sees the shared homes (a machine whose view lacks the marker would measure
   * an empty folder and clear everyone's figures). Throws when there is none.
   */
  homesMachine(name?: string): Machine {
    const machine = name ? this.machines.get(name) : this.list().find((m) => m.status === 'up' && m.homes?.ready !== false);
    if (!machine) throw new Error(name ? `storage.quota.machine names ${name}, which is not a machine` : 'no machine answers to measure the homes on');
    return machine;
  }

  /** How many samples each machine's history keeps. */
  get historySamples(): number {
    return this.options.historySamples;
  }

  get(name: string): Machine | undefined {
    return this.machines.get(name);
  }

  list(): Machine[] {
    return [...this.machines.values()];
  }

  /** Calls `listener` whenever a machine goes from up to down or back. */
  onStatusChange(listener: StatusListener): void {
    this.listeners.push(listener);
  }

  /** Called after each new reading of a machine's GPUs (its `gpus` and `gpusAt`), e.g. to keep their utilisation over time. */
  onGpuReading(listener: StatusListener): void {
    this.gpuListeners.push(listener);
  }

  /** What each machine may give sandboxes in all, for the scheduler. */
  capacities(): MachineCapacity[] {
    return this.list().map((m) => capacityOf(m, this.options.cpuOvercommit));
  }

  /** Checks every machine at once: engine facts within the timeout, then usage and GPUs. */
  async refresh(): Promise<void> {
    // Engines on this host (there may be several) share one reading of it per check: rates
    // taken over the milliseconds between two reads would mean nothing.
    let hostReading: ReturnType<HostUsageReader['read']> | null = null;
    const readHost = () => (hostReading ??= this.hostUsage.read());
    await Promise.all(this.list().map((m) => this.check(m, readHost)));
  }

  private async check(machine: Machine, readHost: () => ReturnType<HostUsageReader['read']>): Promise<void> {
    const before = machine.status;
    const at = new Date().toISOString();
    try {
      machine.info = await withTimeout(machine.runtime.info(), this.options.timeoutSeconds * 1000, `no answer within ${this.options.timeoutSeconds} s`);
      machine.status = 'up';
      machine.lastSeenAt = at;
      machine.error = null;
      this.slowChecks.delete(machine.name);
    } catch (err) {
      const slow = err instanceof SlowAnswer ? (this.slowChecks.get(machine.name) ?? 0) + 1 : SLOW_CHECKS_BEFORE_DOWN;
      this.slowChecks.set(machine.name, slow);
      machine.error = (err as Error).message;
      if (before === 'down' || slow >= SLOW_CHECKS_BEFORE_DOWN) machine.status = 'down';
    }
    if (machine.status === 'up') {
      try {
        machine.usage = await this.readUsage(machine, readHost);
        machine.usageError = null;
      } catch (err) {
        machine.usage = null;
        machine.usageError = (err as Error).message;
      }
      const gpusReadAt = machine.gpusAt;
      await this.gpus.refresh(machine);
      if (machine.gpusAt !== gpusReadAt) for (const listener of this.gpuListeners) listener(machine);
      machine.history.add(sampleOf(at, machine.usage, machine.gpus));
      await this.checkHomes(machine, before === 'down', at);
      const last = machine.images;
      if (!last || before === 'down' || Date.now() - Date.parse(last.at) >= IMAGES_EVERY_MS) await this.refreshImages(machine);
    }
    // The first check only learns the state; changes after it are news (down, or back up).
    const first = !this.checked.has(machine.name);
    this.checked.add(machine.name);
    if (!first && machine.status !== before) for (const listener of this.listeners) listener(machine);
  }

  /**
   * Lists the machine's images now (after a pull, say). A listing that fails keeps the last one,
   * whose time says how old it is; the health check reports the engine's trouble.
   */
  async refreshImages(machine: Machine): Promise<void> {
    const at = new Date().toISOString();
    try {
      const listed = await withTimeout(machine.runtime.listImages(), this.options.timeoutSeconds * 1000, `no answer within ${this.options.timeoutSeconds} s`);
      machine.images = { at, present: presentImages(listed, this.options.imageRefs?.() ?? []) };
    } catch {
      // Kept as it was.
    }
  }

  /**
   * Runs the homes check when it is due: at the first check, when the machine comes back up,
   * then at most once per interval (a job per machine every health check would cost engine
   * time for an answer that rarely changes).
   */
  private async checkHomes(machine: Machine, cameUp: boolean, at: string): Promise<void> {
    const checker = this.options.homes;
    if (!checker) return;
    const last = machine.homes;
    if (last && !cameUp && Date.now() - Date.parse(last.checkedAt) < checker.intervalMs) return;
    const reason = await checker.check(machine).catch((err: Error) => `the homes could not be checked: ${err.message}`);
    machine.homes = { ready: reason === null, reason, checkedAt: at };
    if (last?.ready !== machine.homes.ready || last?.reason !== reason) this.options.onHomesChange?.(machine);
  }

  private async readUsage(machine: Machine, readHost: () => ReturnType<HostUsageReader['read']>): Promise<MachineUsage | null> {
    if (machine.local) {
      const { memoryTotalBytes: _total, ...usage } = await readHost();
      return { ...usage, source: 'host' };
    }
    if (machine.entry.prometheus && this.options.prometheus) return this.options.prometheus.readUsage(machine.entry.prometheus.instance);
    return null;
  }
}

/** What a machine may give sandboxes: its engine's figures less the reserve, within the caps. */
export function capacityOf(
  machine: Pick<Machine, 'name' | 'entry' | 'status' | 'info' | 'gpus'> & Partial<Pick<Machine, 'homes'>>,
  cpuOvercommit: number,
): MachineCapacity {
  const { reserved, max, gpus } = machine.entry;
  const cpus = Math.max(0, (machine.info?.cpus ?? 0) - reserved.cpus) * cpuOvercommit;
  const memoryBytes = Math.max(0, (machine.info?.memoryBytes ?? 0) - reserved.memoryGiB * GiB);
  return {
    name: machine.name,
    // A machine that does not see the shared homes would hand out empty homes: no launches there.
    up: machine.status === 'up' && machine.info !== null && machine.homes?.ready !== false,
    cpus: max.cpus === undefined ? cpus : Math.min(cpus, max.cpus),
    memoryBytes: max.memoryGiB === undefined ? memoryBytes : Math.min(memoryBytes, max.memoryGiB * GiB),
    gpus: machine.gpus.map((g) => g.uuid),
    shareGpus: gpus.share,
    ...(max.sandboxes === undefined ? {} : { sandboxes: max.sandboxes }),
    ...(machine.info ? { cpusPerSandbox: machine.info.cpus } : {}),
  };
}

class SlowAnswer extends Error {}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new SlowAnswer(message)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}
