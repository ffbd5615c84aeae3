import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { base32, MAX_LABEL_LENGTH, parseDirectLabel, sandboxLabel } from './sandbox-host.js';

describe('sandbox host labels', () => {
  it('spells a plain sandbox as <name>--<user> and reads it back', () => {
    expect(sandboxLabel('alice', 'main')).toBe('main--alice');
    expect(parseDirectLabel('main--alice')).toEqual({ user: 'alice', name: 'main' });
    for (const [user, name] of [['a', 'b'], ['bob-smith', 'train-2'], ['x'.repeat(30), 'y'.repeat(31)]] as const) {
      expect(parseDirectLabel(sandboxLabel(user, name))).toEqual({ user, name });
    }
  });

  it('hashes names that hold -- so that a-- / b and a / --b cannot share a label', () => {
    const first = sandboxLabel('a--b', 'c');
    const second = sandboxLabel('b', 'c--a');
    expect(first).toMatch(/^s-[a-z2-7]{20}$/);
    expect(second).toMatch(/^s-[a-z2-7]{20}$/);
    expect(first).not.toBe(second);
    expect(first).not.toContain('--');
    expect(parseDirectLabel(first)).toBeNull();
    // The direct form of c--a / b would read back as another sandbox: it is never produced.
    expect(sandboxLabel('b', 'c--a')).not.toBe('c--a--b');
  });

  it('hashes sandboxes whose direct label would pass 63 characters (RFC 1035)', () => {
    const user = 'u'.repeat(32);
    const name = 'n'.repeat(30);
    expect(`${name}--${user}`.length).toBe(64);
    const label = sandboxLabel(user, name);
    expect(label.length).toBeLessThanOrEqual(MAX_LABEL_LENGTH);
    expect(label.startsWith('s-')).toBe(true);
    expect(sandboxLabel('u'.repeat(31), name)).toBe(`${name}--${'u'.repeat(31)}`);
  });

  it('takes the hashed form from base32 of sha256("<user>/<name>")', () => {
    const digest = createHash('sha256').update('a--b/c').digest();
    expect(sandboxLabel('a--b', 'c')).toBe(`s-${base32(digest).slice(0, 20)}`);
  });

  it('encodes base32 as RFC 4648 §10 does, in lowercase without padding', () => {
    const vectors: Array<[string, string]> = [['', ''], ['f', 'my'], ['fo', 'mzxq'], ['foo', 'mzxw6'], ['foob', 'mzxw6yq'], ['fooba', 'mzxw6ytb'], ['foobar', 'mzxw6ytboi']];
    for (const [input, output] of vectors) expect(base32(Buffer.from(input))).toBe(output);
  });

  it('reads no sandbox from labels that are not of the direct form', () => {
    for (const label of ['main', 'main--', '--alice', 'a--b--c', 'Main--alice', 'main--al_ice', 's-abcdefghijklmnopqrst', '']) {
      expect(parseDirectLabel(label)).toBeNull();
    }
  });
});
