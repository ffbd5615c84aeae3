import { describe, expect, it } from 'vitest';
import { isRepository } from '../registry/reference.js';
import { environmentRepository, isValidEnvironmentName, saveTag } from './names.js';

describe('environment names', () => {
  it('take lowercase parts joined by one separator, 64 characters at most, and always make a repository', () => {
    for (const good of ['torch', 'torch-2.1', 'my_env', 'a', '9lives', 'x'.repeat(64)]) {
      expect(isValidEnvironmentName(good)).toBe(true);
      expect(isRepository(environmentRepository('shiva/', 'alice', good))).toBe(true);
    }
    for (const bad of ['', 'a/b', '..', 'a..b', '../alice', 'Torch', 'x'.repeat(300), '-x', 'x-', 'a b', 'é', 42, null]) expect(isValidEnvironmentName(bad)).toBe(false);
  });

  it('tag a save with its UTC time to the millisecond', () => {
    expect(saveTag(new Date('2026-11-30T19:50:12.345Z'))).toBe('20261130T195012345Z');
  });
});
