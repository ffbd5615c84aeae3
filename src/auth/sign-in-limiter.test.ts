import { describe, expect, it } from 'vitest';
import { ShivaError } from '../contract/errors.js';
import { SignInLimiter, type SignInAttempt } from './sign-in-limiter.js';

const limits = { perAccount: 3, perAddress: 5, windowMinutes: 1 };

function refusal(fn: () => unknown): ShivaError | null {
  try {
    fn();
    return null;
  } catch (err) {
    if (err instanceof ShivaError) return err;
    throw err;
  }
}

describe('the sign-in limiter', () => {
  it('locks a source out of an account after its failures, with the seconds to wait, until the lockout ends', () => {
    let now = 0;
    const limiter = new SignInLimiter(limits, () => now);
    for (let i = 0; i < 3; i++) {
      limiter.reserve('alice', '10.0.0.1').failed();
      now += 1000;
    }
    const err = refusal(() => limiter.reserve('Alice', '10.0.0.1'));
    expect(err?.code).toBe('RATE_LIMITED');
    // Locked at the third failure (t = 2 s) for the window of 60 s.
    expect(err?.details).toEqual({ retryAfterSeconds: 59 });
    now = 2000 + 60_001;
    expect(refusal(() => limiter.reserve('alice', '10.0.0.1').failed())).toBeNull();
  });

  it('never refuses a source that has not failed, so one address cannot lock the owner out', () => {
    const limiter = new SignInLimiter(limits, () => 0);
    for (let i = 0; i < 3; i++) limiter.reserve('alice', '203.0.113.9').failed();
    expect(refusal(() => limiter.reserve('alice', '203.0.113.9'))?.code).toBe('RATE_LIMITED');
    expect(refusal(() => limiter.reserve('alice', '10.0.0.2').succeeded())).toBeNull();
    // The owner's success does not unlock the attacker.
    expect(refusal(() => limiter.reserve('alice', '203.0.113.9'))?.code).toBe('RATE_LIMITED');
  });

  it('lets through at most the limit of attempts in flight at once, before any has ended', () => {
    const limiter = new SignInLimiter(limits, () => 0);
    const passed: SignInAttempt[] = [];
    let refused = 0;
    for (let i = 0; i < 20; i++) {
      try {
        passed.push(limiter.reserve('alice', '10.0.0.1'));
      } catch {
        refused++;
      }
    }
    expect(passed).toHaveLength(3);
    expect(refused).toBe(17);
    for (const attempt of passed) attempt.failed();
    expect(refusal(() => limiter.reserve('alice', '10.0.0.1'))?.details).toEqual({ retryAfterSeconds: 60 });
  });

  it('gives back an attempt that succeeded or could not be checked', () => {
    const limiter = new SignInLimiter(limits, () => 0);
    for (let i = 0; i < 10; i++) limiter.reserve('alice', '10.0.0.1').abandoned();
    limiter.reserve('alice', '10.0.0.1').failed();
    limiter.reserve('alice', '10.0.0.1').failed();
    limiter.reserve('alice', '10.0.0.1').succeeded();
    // The success forgot the pair's two failures: three more are allowed.
    for (let i = 0; i < 3; i++) limiter.reserve('alice', '10.0.0.1').failed();
    expect(refusal(() => limiter.reserve('alice', '10.0.0.1'))?.code).toBe('RATE_LIMITED');
  });

  it('locks out a source that tries many accounts', () => {
    const limiter = new SignInLimiter(limits, () => 0);
    for (const user of ['a', 'b', 'c', 'd', 'e']) limiter.reserve(user, '10.0.0.9').failed();
    expect(refusal(() => limiter.reserve('f', '10.0.0.9'))?.code).toBe('RATE_LIMITED');
    expect(refusal(() => limiter.reserve('f', '10.0.0.10'))).toBeNull();
  });

  it('doubles each further lockout, up to a day', () => {
    let now = 0;
    const limiter = new SignInLimiter({ ...limits, perAddress: 1000, windowMinutes: 10 }, () => now);
    const lockouts: number[] = [];
    for (let round = 0; round < 10; round++) {
      for (let i = 0; i < 3; i++) limiter.reserve('alice', '10.0.0.1').failed();
      const wait = (refusal(() => limiter.reserve('alice', '10.0.0.1'))?.details as { retryAfterSeconds: number }).retryAfterSeconds;
      lockouts.push(wait);
      now += wait * 1000;
    }
    expect(lockouts.slice(0, 4)).toEqual([600, 1200, 2400, 4800]);
    expect(Math.max(...lockouts)).toBe(86_400);
  });

  it('forgets quiet sources, and never holds more than its bound however many sources fail', () => {
    let now = 0;
    const limiter = new SignInLimiter(limits, () => now, 1000);
    for (let i = 0; i < 5000; i++) limiter.reserve('alice', `10.1.${i >> 8}.${i & 255}`).failed();
    expect(limiter.size).toBeLessThanOrEqual(1000);
    now += 61_000;
    limiter.reserve('bob', '10.2.0.1').failed();
    expect(limiter.size).toBe(2);
  });
});
