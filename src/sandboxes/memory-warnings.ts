/**
 * A warning on a sandbox's events when its memory use reaches 90% of its limit, so that the
 * owner hears of it before the kernel kills a process for memory (which Jupyter shows only as a
 * kernel restart). Once per crossing: a sandbox that stays high is not warned at every reading,
 * and is warned again only after its use fell back under 80%, so a use that wobbles around 90%
 * does not fill its events either.
 */
import type { EventDetail } from '../contract/event-codes.js';
import type { SandboxRepository } from '../store/sandboxes.js';
import type { SandboxEvents } from './events.js';
import type { LiveSandboxStats } from './live-stats.js';
import type { Logger } from './types.js';

/** The share of the limit at which the hub warns (the home quota's warning uses the same). */
export const MEMORY_WARN_AT = 0.9;
/** The share the use must fall under before the next crossing warns again. */
export const MEMORY_REARM_BELOW = 0.8;

const GiB = 1024 ** 3;
const gib = (bytes: number) => Math.round((bytes / GiB) * 100) / 100;

/** What a crossing says: sizes in GiB with two decimals, the share as a whole percentage (floored). */
export interface MemoryCrossing {
  usedGiB: number;
  limitGiB: number;
  percent: number;
}

/**
 * The once-per-crossing rule, per sandbox, without clocks or I/O. A sandbox is armed until a
 * reading at or over 90% of its limit, which is the crossing; it is armed again by a reading
 * under 80%. Readings in between change nothing.
 */
export class MemoryCrossings {
  private readonly warned = new Set<string>();

  /** The crossing this reading makes, or null (under 90%, already warned, or no limit). */
  observe(sandboxId: string, usedBytes: number, limitBytes: number): MemoryCrossing | null {
    if (!(limitBytes > 0) || !(usedBytes >= 0)) return null;
    const share = usedBytes / limitBytes;
    if (this.warned.has(sandboxId)) {
      if (share < MEMORY_REARM_BELOW) this.warned.delete(sandboxId);
      return null;
    }
    if (share < MEMORY_WARN_AT) return null;
    this.warned.add(sandboxId);
    return { usedGiB: gib(usedBytes), limitGiB: gib(limitBytes), percent: Math.floor(share * 100) };
  }

  /** Forgets every sandbox not in `ids` (ended ones), so the set never outgrows the running sandboxes. */
  keepOnly(ids: ReadonlySet<string>): void {
    for (const id of this.warned) if (!ids.has(id)) this.warned.delete(id);
  }
}

export interface MemoryWarningsDeps {
  repo: Pick<SandboxRepository, 'live'>;
  events: Pick<SandboxEvents, 'record'>;
  stats: Pick<LiveSandboxStats, 'get'>;
  log: Pick<Logger, 'info'>;
}

/** The English message of a `memory_warning` event (the dashboard says it from the code). */
export const memoryWarningMessage = ({ usedGiB, limitGiB, percent }: MemoryCrossing): string =>
  `This sandbox uses ${usedGiB} GiB of memory, ${percent}% of its ${limitGiB} GiB limit: past the limit the kernel ends the process that asks for more (often the notebook's kernel).`;

/**
 * Looks at the latest stats of every running sandbox (read by LiveSandboxStats.refresh, which the
 * hub calls first) and records a `memory_warning` event on each that crossed 90% of its limit.
 */
export class MemoryWarnings {
  private readonly crossings = new MemoryCrossings();

  constructor(private readonly deps: MemoryWarningsDeps) {}

  /** Records the warnings of this round; answers how many sandboxes were warned. */
  async check(): Promise<number> {
    const running = (await this.deps.repo.live()).filter((r) => r.state === 'running');
    this.crossings.keepOnly(new Set(running.map((r) => r.id)));
    let warned = 0;
    for (const row of running) {
      const used = this.deps.stats.get(row.id)?.memoryUsedBytes;
      if (used === null || used === undefined) continue;
      const crossing = this.crossings.observe(row.id, used, row.memory_bytes);
      if (!crossing) continue;
      const detail: EventDetail = { code: 'memory_warning', params: crossing };
      await this.deps.events.record(row.id, row.state, memoryWarningMessage(crossing), null, detail);
      this.deps.log.info({ sandbox: row.id, user: row.username, usedBytes: used, limitBytes: row.memory_bytes }, 'sandbox memory use crossed 90% of its limit');
      warned += 1;
    }
    return warned;
  }
}
