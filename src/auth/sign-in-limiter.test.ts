import { describe, expect, it } from 'vitest';
import type { ShivaError } from '../contract/errors.js';
import { SignInLimiter } from './sign-in-limiter.js';

describe('the sign-in limiter', () => {
  const limits = { perAccount: 3, perAddress: 5, windowMinutes: 1 };

  it('refuses an account after its failures, until the oldest leaves the window', () => {
    let now = 0;
    const limiter = new SignInLimiter(limits, () => now);
    for (let i = 0; i < 3; i++) {
      limiter.check('alice', '10.0.0.1');
      limiter.failed('alice', '10.0.0.1');
      now += 1000;
    }
    let err: ShivaError | undefined;
    try {
      limiter.check('Alice', '10.0.0.2');
    } catch (e) {
      err = e as ShivaError;
    }
    expect(err?.code).toBe('RATE_LIMITED');
    expect(err?.details).toEqual({ retryAfterSeconds: 57 });
    now = 60_001;
    expect(() => limiter.check('alice', '10.0.0.1')).not.toThrow();
  });

  it('refuses an address that tries many accounts, and forgets an account after a success', () => {
    const limiter = new SignInLimiter(limits, () => 0);
    for (const user of ['a', 'b', 'c', 'd', 'e']) limiter.failed(user, '10.0.0.9');
    expect(() => limiter.check('f', '10.0.0.9')).toThrow(/Too many/);
    expect(() => limiter.check('f', '10.0.0.10')).not.toThrow();
    limiter.failed('g', '10.0.0.11');
    limiter.failed('g', '10.0.0.12');
    limiter.succeeded('g');
    limiter.failed('g', '10.0.0.13');
    expect(() => limiter.check('g', '10.0.0.14')).not.toThrow();
  });
});
