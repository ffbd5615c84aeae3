import { describe, expect, it } from 'vitest';
import { parseBasic, readCookie } from './authenticator.js';
import { hashPassword, verifyPassword } from './passwords.js';

describe('passwords', () => {
  it('are stored salted: the same password hashes differently and verifies', async () => {
    const a = await hashPassword('correct horse');
    const b = await hashPassword('correct horse');
    expect(a).not.toBe(b);
    expect(a).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(a).not.toContain('correct');
    expect(await verifyPassword('correct horse', a)).toBe(true);
    expect(await verifyPassword('correct horsf', a)).toBe(false);
    expect(await verifyPassword('anything', null)).toBe(false);
    expect(await verifyPassword('anything', 'garbage')).toBe(false);
  });
});

describe('reading credentials from headers', () => {
  it('finds one cookie among others without being fooled by prefixes', () => {
    expect(readCookie('a=1; shiva_session=abc; b=2', 'shiva_session')).toBe('abc');
    expect(readCookie('xshiva_session=no; shiva_session=yes', 'shiva_session')).toBe('yes');
    expect(readCookie('shiva_session_old=no', 'shiva_session')).toBeNull();
    expect(readCookie(undefined, 'shiva_session')).toBeNull();
    expect(readCookie('shiva_session=', 'shiva_session')).toBeNull();
  });

  it('parses HTTP Basic, refusing malformed values', () => {
    const header = `Basic ${Buffer.from('alice:pa:ss').toString('base64')}`;
    expect(parseBasic(header)).toEqual({ username: 'alice', password: 'pa:ss' });
    expect(parseBasic('Basic !!!')).toBeNull();
    expect(parseBasic('Bearer x')).toBeNull();
  });
});
