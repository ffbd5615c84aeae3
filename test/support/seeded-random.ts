/**
 * A seeded pseudo-random source for tests that explore interleavings (the sandbox churn), so a
 * failing run can be replayed: its seed is printed, and SHIVA_CHURN_SEED runs that seed again.
 * mulberry32: 32 bits of state, fast, and good enough to pick operations and delays; nothing
 * here needs cryptographic quality.
 */
import { randomInt } from 'node:crypto';

export class SeededRandom {
  private state: number;

  constructor(readonly seed: number) {
    this.state = seed >>> 0;
  }

  /** A number in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer from `min` to `max`, both included. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[Math.floor(this.next() * items.length)]!;
  }

  /** A second source, independent of this one's sequence, for another actor of the same run. */
  derive(salt: number): SeededRandom {
    return new SeededRandom((this.seed ^ Math.imul(salt, 0x9e3779b1)) >>> 0);
  }
}

/**
 * The seeds a churn test runs: the one in SHIVA_CHURN_SEED (a replay) or `count` fresh ones,
 * so each run explores other interleavings and prints what it ran.
 */
export function churnSeeds(count: number): number[] {
  const replay = process.env.SHIVA_CHURN_SEED;
  if (replay !== undefined && replay !== '') {
    const seed = Number(replay);
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new Error(`SHIVA_CHURN_SEED ${JSON.stringify(replay)} is not a 32-bit unsigned integer`);
    return [seed];
  }
  return Array.from({ length: count }, () => randomInt(0, 0xffffffff));
}
