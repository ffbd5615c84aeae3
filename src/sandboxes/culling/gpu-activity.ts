/**
 * GPU utilisation as activity: each reading of a machine's GPUs (src/machines/gpu/inventory.ts, at
 * every health check) is recorded per machine and GPU id with its time, and the latest reading at
 * or above a threshold is that GPU's last activity. A training run that only computes (no
 * traffic, no output) keeps its sandbox alive this way.
 *
 * The threshold is the culling policy's and comes with each question, so what is kept must
 * answer any threshold: per GPU, the readings that are not outdone by a newer one at least as
 * high (a strictly decreasing run of utilisations, newest last). The latest reading at or above
 * T is then the newest kept one at or above T. At most MAX_KEPT per GPU: a whole day of one
 * reading a minute, each lower than the one before, would be needed to reach it.
 */
import type { GpuReading } from '../../machines/gpu/nvidia-smi.js';

const MAX_KEPT = 128;

interface Kept {
  at: number;
  percent: number;
}

/** Records GPU readings and answers when a machine's GPUs were last busy. */
export class GpuActivity {
  /** By machine, then GPU uuid: the readings kept (oldest first). */
  private readonly machines = new Map<string, Map<string, Kept[]>>();
  /** The reading time last recorded per machine, so a list kept over a skipped reading is not recorded twice. */
  private readonly lastAt = new Map<string, number>();

  /**
   * Records the GPUs of `machine` as read at `at` (ms since the epoch). Readings without a
   * utilisation (a static list, a driver that does not say) are left out.
   */
  record(machine: string, at: number, gpus: readonly GpuReading[]): void {
    if ((this.lastAt.get(machine) ?? -Infinity) >= at) return;
    this.lastAt.set(machine, at);
    let byGpu = this.machines.get(machine);
    for (const gpu of gpus) {
      const percent = gpu.utilizationPercent;
      if (percent === null || !Number.isFinite(percent)) continue;
      if (byGpu === undefined) this.machines.set(machine, (byGpu = new Map()));
      let kept = byGpu.get(gpu.uuid);
      if (kept === undefined) byGpu.set(gpu.uuid, (kept = []));
      while (kept.length > 0 && kept[kept.length - 1]!.percent <= percent) kept.pop();
      kept.push({ at, percent });
      if (kept.length > MAX_KEPT) kept.shift();
    }
  }

  /**
   * When any of `gpus` (uuids on `machine`) was last read at or above `thresholdPercent`, not
   * before `since` (ms; readings from before the sandbox held the GPU are someone else's); null
   * when none was.
   */
  lastBusy(machine: string, gpus: readonly string[], thresholdPercent: number, since: number): number | null {
    const byGpu = this.machines.get(machine);
    if (byGpu === undefined) return null;
    let latest: number | null = null;
    for (const gpu of gpus) {
      const kept = byGpu.get(gpu);
      if (kept === undefined) continue;
      for (let i = kept.length - 1; i >= 0; i--) {
        const reading = kept[i]!;
        if (reading.percent < thresholdPercent) continue;
        if (reading.at >= since && (latest === null || reading.at > latest)) latest = reading.at;
        break;
      }
    }
    return latest;
  }

  /** Forgets a machine (removed from the config). */
  forget(machine: string): void {
    this.machines.delete(machine);
    this.lastAt.delete(machine);
  }
}
