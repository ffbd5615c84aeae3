/**
 * Slows down password guessing without letting anyone lock an account out for its owner.
 *
 * Failures are counted per (account, source) pair and per source. A pair past `perAccount`
 * failures, or a source past `perAddress` failures (one address trying many accounts), is
 * locked out: first for `windowMinutes`, then twice as long at each further lockout, up to a
 * day. The account itself is never locked as a whole, so a source that has not failed always
 * gets its password checked: one address cannot keep the owner out (the weakness of
 * per-account lockouts that OWASP's Authentication Cheat Sheet warns about). The price is that
 * guesses spread over many addresses are limited per address only.
 *
 * An attempt is reserved before the password check is awaited and counts as a failure until
 * it is known to have succeeded, so concurrent wrong passwords cannot pass the limit. Entries
 * are forgotten once quiet for as long as their last lockout (or the window), and their
 * number is capped, so memory stays bounded whatever the number of sources.
 */
import { ShivaError } from '../contract/errors.js';

export interface SignInLimits {
  /** Failures one source may make against one account before it is locked out of it. */
  perAccount: number;
  /** Failures one source may make against all accounts together before it is locked out. */
  perAddress: number;
  /** How long failures are remembered, and the first lockout's length, in minutes. */
  windowMinutes: number;
}

/** One reserved attempt: say how it ended, exactly once. */
export interface SignInAttempt {
  /** The password was right: the reservation is given back and the pair's failures forgotten. */
  succeeded(): void;
  /** The password was wrong: the reservation stays a failure, and may start a lockout. */
  failed(): void;
  /** The check could not be made (an error): the reservation is given back, nothing counted. */
  abandoned(): void;
}

interface Entry {
  /** Failures (with attempts still in flight) since the last lockout, within the window. */
  failures: number;
  /** When the last failure was reserved, in ms since the epoch. */
  lastAt: number;
  /** Until when the key is locked out, in ms since the epoch; 0 when it is not. */
  lockedUntil: number;
  /** How many lockouts the key has had; each doubles the next. */
  lockouts: number;
}

/** The longest lockout, however often a source failed: one day. */
export const MAX_LOCKOUT_MS = 24 * 3600_000;
/** The most keys kept; past it the least recently failed are dropped first. */
export const MAX_ENTRIES = 100_000;
/** How long a refusal asks to wait while only attempts in flight fill the limit, in seconds. */
const IN_FLIGHT_RETRY_SECONDS = 1;

export class SignInLimiter {
  /** In order of last failure (an updated key moves to the end), so the oldest come first. */
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly limits: SignInLimits,
    private readonly clock: () => number = Date.now,
    private readonly maxEntries = MAX_ENTRIES,
  ) {}

  /**
   * Reserves one attempt of `source` (an address) at `account`, synchronously, before any
   * await. Throws RATE_LIMITED, with `details.retryAfterSeconds`, when the pair or the source
   * is locked out or at its limit.
   */
  reserve(account: string, source: string): SignInAttempt {
    const t = this.clock();
    this.prune(t);
    const keys = [
      { key: pairKey(account, source), limit: this.limits.perAccount },
      { key: `s:${source}`, limit: this.limits.perAddress },
    ];
    const wait = Math.max(...keys.map(({ key, limit }) => this.waitSeconds(key, limit, t)));
    if (wait > 0) throw new ShivaError('RATE_LIMITED', `Too many failed sign-ins; try again in ${wait} s.`, { retryAfterSeconds: wait });
    for (const { key } of keys) this.touch(key, t).failures++;

    let settled = false;
    const settle = (then: () => void) => {
      if (settled) return;
      settled = true;
      then();
    };
    return {
      succeeded: () =>
        settle(() => {
          this.entries.delete(keys[0]!.key);
          this.giveBack(keys[1]!.key);
        }),
      failed: () =>
        settle(() => {
          const now = this.clock();
          for (const { key, limit } of keys) {
            const entry = this.entries.get(key);
            if (entry && entry.failures >= limit) this.lockOut(entry, now);
          }
        }),
      abandoned: () => settle(() => keys.forEach(({ key }) => this.giveBack(key))),
    };
  }

  /** How many keys are remembered (for tests of the memory bound). */
  get size(): number {
    return this.entries.size;
  }

  private waitSeconds(key: string, limit: number, t: number): number {
    const entry = this.entries.get(key);
    if (!entry) return 0;
    if (entry.lockedUntil > t) return Math.max(1, Math.ceil((entry.lockedUntil - t) / 1000));
    return entry.failures >= limit ? IN_FLIGHT_RETRY_SECONDS : 0;
  }

  private lockOut(entry: Entry, t: number): void {
    const length = Math.min(MAX_LOCKOUT_MS, this.windowMs * 2 ** entry.lockouts);
    entry.lockedUntil = t + length;
    entry.lockouts++;
    entry.failures = 0;
  }

  private touch(key: string, t: number): Entry {
    const entry = this.entries.get(key) ?? { failures: 0, lastAt: t, lockedUntil: 0, lockouts: 0 };
    // Failures older than the window no longer count towards a lockout.
    if (t - entry.lastAt > this.windowMs) entry.failures = 0;
    entry.lastAt = t;
    this.entries.delete(key);
    this.entries.set(key, entry);
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    return entry;
  }

  private giveBack(key: string): void {
    const entry = this.entries.get(key);
    if (entry && entry.failures > 0) entry.failures--;
  }

  /** Drops keys that are quiet: unlocked, and no failure for as long as their last lockout (or the window). */
  private prune(t: number): void {
    for (const [key, entry] of this.entries) {
      // Entries are ordered by lastAt: once one is recent, the rest are too, bar lockouts checked below.
      if (t - entry.lastAt <= this.windowMs) break;
      if (entry.lockedUntil > t) continue;
      const quiet = entry.lockouts > 0 ? Math.min(MAX_LOCKOUT_MS, this.windowMs * 2 ** (entry.lockouts - 1)) : this.windowMs;
      if (t - Math.max(entry.lastAt, entry.lockedUntil) > quiet) this.entries.delete(key);
    }
  }

  private get windowMs(): number {
    return this.limits.windowMinutes * 60_000;
  }
}

/** Accounts are matched case-insensitively, as user names are. */
function pairKey(account: string, source: string): string {
  return `p:${account.toLowerCase()}\n${source}`;
}
