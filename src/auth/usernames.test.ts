import { describe, expect, it } from 'vitest';
import { isValidName } from '../contract/names.js';
import { baseUsername, freeUsername } from './usernames.js';

describe('user names from email addresses', () => {
  it('derives a valid name from any address', () => {
    const cases: Array<[string, string]> = [
      ['Alice.Smith@example.com', 'alice-smith'],
      ['bob+ml@example.com', 'bob'],
      ['2fast@example.com', 'u-2fast'],
      ['___@example.com', 'u'],
      ['josé.garcía@example.com', 'jos-garc-a'],
      ['a'.repeat(60) + '@example.com', 'a'.repeat(32)],
      ['x--y..z@example.com', 'x-y-z'],
    ];
    for (const [email, name] of cases) {
      expect(baseUsername(email), email).toBe(name);
      expect(isValidName(baseUsername(email)), email).toBe(true);
    }
  });

  it('appends -2, -3 … when the name is taken, staying within 32 characters', async () => {
    const taken = new Set(['alice', 'alice-2']);
    expect(await freeUsername('alice@a.com', async (n) => taken.has(n))).toBe('alice-3');
    const long = 'b'.repeat(40);
    const name = await freeUsername(`${long}@a.com`, async (n) => n === 'b'.repeat(32));
    expect(name).toBe(`${'b'.repeat(30)}-2`);
    expect(isValidName(name)).toBe(true);
  });
});
