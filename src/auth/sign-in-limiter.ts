/**
 * Failed sign-ins per account and per address within a sliding window. Past either limit,
 * sign-in is refused without checking the password (so guessing stays slow) until the oldest
 * failure leaves the window. A success clears the account's count.
 */
import { ShivaError } from '../contract/errors.js';

export interface SignInLimits {
  perAccount: number;
  perAddress: number;
  windowMinutes: number;
}

export class SignInLimiter {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly limits: SignInLimits,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Throws RATE_LIMITED (with the seconds to wait in details) when either key is over its limit. */
  check(account: string, address: string): void {
    const wait = Math.max(this.waitFor(`a:${account.toLowerCase()}`, this.limits.perAccount), this.waitFor(`i:${address}`, this.limits.perAddress));
    if (wait > 0) {
      throw new ShivaError('RATE_LIMITED', `Too many failed sign-ins; try again in ${wait} s.`, { retryAfterSeconds: wait });
    }
  }

  failed(account: string, address: string): void {
    for (const key of [`a:${account.toLowerCase()}`, `i:${address}`]) {
      const list = this.recent(key);
      list.push(this.clock());
      this.failures.set(key, list);
    }
  }

  succeeded(account: string): void {
    this.failures.delete(`a:${account.toLowerCase()}`);
  }

  private waitFor(key: string, limit: number): number {
    const list = this.recent(key);
    if (list.length < limit) return 0;
    const windowMs = this.limits.windowMinutes * 60_000;
    return Math.max(1, Math.ceil((list[list.length - limit]! + windowMs - this.clock()) / 1000));
  }

  private recent(key: string): number[] {
    const since = this.clock() - this.limits.windowMinutes * 60_000;
    const list = (this.failures.get(key) ?? []).filter((t) => t > since);
    if (list.length === 0) this.failures.delete(key);
    else this.failures.set(key, list);
    return list;
  }
}
