import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CODE_LIFETIME_MS, sandboxCookieValues, SandboxSignIn } from './sandbox-sign-in.js';

const grant = { label: 'main--alice', userId: 2, sessionId: 'session-a', next: '/user/alice/main/tree' };

describe('sandbox sign-in codes and cookies', () => {
  it('redeems a code once, on the host it was issued for', () => {
    const signIn = new SandboxSignIn(randomBytes(32));
    const code = signIn.issue(grant);
    expect(code).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(signIn.redeem(code, 'main--alice')).toEqual(grant);
    expect(signIn.redeem(code, 'main--alice')).toBeNull();
  });

  it('spends a code shown on another sandbox host without granting anything', () => {
    const signIn = new SandboxSignIn(randomBytes(32));
    const code = signIn.issue(grant);
    expect(signIn.redeem(code, 'lab--bob')).toBeNull();
    expect(signIn.redeem(code, 'main--alice')).toBeNull();
  });

  it('refuses a code after 60 seconds', () => {
    let now = 1_000_000;
    const signIn = new SandboxSignIn(randomBytes(32), () => now);
    const late = signIn.issue(grant);
    const inTime = signIn.issue(grant);
    now += CODE_LIFETIME_MS - 1;
    expect(signIn.redeem(inTime, 'main--alice')).toEqual(grant);
    now += 1;
    expect(signIn.redeem(late, 'main--alice')).toBeNull();
  });

  it('reads back the session of a cookie made for the same sandbox only', () => {
    const key = randomBytes(32);
    const signIn = new SandboxSignIn(key);
    const value = signIn.cookieValue('main--alice', 'session-a');
    expect(signIn.sessionOf('main--alice', value)).toBe('session-a');
    expect(signIn.sessionOf('lab--bob', value)).toBeNull();
    expect(new SandboxSignIn(randomBytes(32)).sessionOf('main--alice', value)).toBeNull();
    expect(new SandboxSignIn(key).sessionOf('main--alice', value)).toBe('session-a');
  });

  it('reads no session from forged or malformed cookies', () => {
    const signIn = new SandboxSignIn(randomBytes(32));
    const value = signIn.cookieValue('main--alice', 'session-a');
    const mac = value.slice(value.indexOf('.') + 1);
    for (const forged of ['', '.', 'session-a', 'session-a.', `session-b.${mac}`, `.${mac}`, `session-a.${mac.slice(1)}`, `session-a.${mac}x`]) {
      expect(signIn.sessionOf('main--alice', forged)).toBeNull();
    }
  });

  it('reads every shiva_sandbox value of a Cookie header, so a tossed one cannot hide the real one', () => {
    expect(sandboxCookieValues('a=1; shiva_sandbox=tossed; b=2;shiva_sandbox=real')).toEqual(['tossed', 'real']);
    expect(sandboxCookieValues('my_shiva_sandbox=x; shiva_sandbox_2=y')).toEqual([]);
    expect(sandboxCookieValues(undefined)).toEqual([]);
  });
});
