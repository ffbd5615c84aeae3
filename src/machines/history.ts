/**
 * A machine's recent usage, one sample per health check, kept in memory for the dashboard's
 * small charts. A fixed ring: the oldest sample goes when a new one comes, so memory stays flat
 * however long the hub runs. Nothing here is worth a database: after a restart the charts refill.
 *
 * Every sample gets a number from a sequence all of a hub's machines share, so one number says
 * "everything up to here" for the whole fleet: GET /api/machines/history answers only what came
 * after the number a client last saw (history-page.ts) instead of the hour again.
 */
import { randomBytes } from 'node:crypto';
import type { MachineSample } from '../contract/api.js';
import type { GpuReading } from './gpu/nvidia-smi.js';
import type { HostUsage } from './host-usage.js';

/**
 * Numbers samples in the order they were added, across machines. `run` tells this sequence from
 * the one of an earlier start of the hub (which counted from 0 too), so a number a client kept
 * over a restart is recognised as stale rather than taken to mean "nothing newer yet".
 */
export class SampleSequence {
  /** 8 hex digits, random per sequence. */
  readonly run = randomBytes(4).toString('hex');
  private last = 0;

  /** The number of the newest sample added so far; 0 before the first. */
  get current(): number {
    return this.last;
  }

  next(): number {
    return ++this.last;
  }
}

interface Numbered {
  seq: number;
  sample: MachineSample;
}

export class MachineHistory {
  private readonly samples: Numbered[] = [];
  private next = 0;

  /** `sequence` is shared by a registry's machines; a history on its own counts by itself. */
  constructor(
    readonly capacity: number,
    private readonly sequence: SampleSequence = new SampleSequence(),
  ) {}

  add(sample: MachineSample): void {
    const numbered = { seq: this.sequence.next(), sample };
    if (this.samples.length < this.capacity) this.samples.push(numbered);
    else this.samples[this.next] = numbered;
    this.next = (this.next + 1) % this.capacity;
  }

  /** Oldest first. */
  list(): MachineSample[] {
    return this.ordered().map((n) => n.sample);
  }

  /** The samples numbered after `seq`, oldest first: all of them for 0. */
  since(seq: number): MachineSample[] {
    // Numbers grow with each add, so the newer samples are the newest few: walked back from the
    // newest (just before `next`), a poll that brings one new sample reads one, not the window.
    const newer: MachineSample[] = [];
    for (let back = 1; back <= this.samples.length; back++) {
      const numbered = this.samples[(this.next - back + this.capacity) % this.capacity]!;
      if (numbered.seq <= seq) break;
      newer.push(numbered.sample);
    }
    return newer.reverse();
  }

  private ordered(): Numbered[] {
    if (this.samples.length < this.capacity) return this.samples;
    return [...this.samples.slice(this.next), ...this.samples.slice(0, this.next)];
  }
}

/** One sample from what a check read; GPU figures are the mean utilisation and the memory in use. */
export function sampleOf(at: string, usage: Pick<HostUsage, 'cpuPercent' | 'memoryUsedBytes'> | null, gpus: readonly GpuReading[]): MachineSample {
  const utilisations = gpus.map((g) => g.utilizationPercent).filter((u): u is number => u !== null);
  const memories = gpus.map((g) => g.memoryUsedBytes).filter((m): m is number => m !== null);
  return {
    at,
    cpuPercent: usage?.cpuPercent ?? null,
    memoryUsedBytes: usage?.memoryUsedBytes ?? null,
    gpuUtilizationPercent: utilisations.length > 0 ? Math.round((utilisations.reduce((a, b) => a + b, 0) / utilisations.length) * 10) / 10 : null,
    gpuMemoryUsedBytes: memories.length > 0 ? memories.reduce((a, b) => a + b, 0) : null,
  };
}
