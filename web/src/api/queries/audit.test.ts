import { describe, expect, it } from 'vitest';
import { auditSearch } from './audit';

describe('auditSearch', () => {
  it('asks only for the filters that are set, and the page size', () => {
    expect(auditSearch({}, null)).toBe('limit=50');
    expect(auditSearch({ actor: 'alice', action: '', result: 'refused' }, null, 10)).toBe('actor=alice&result=refused&limit=10');
  });

  it('continues after the last entry of the page before', () => {
    expect(auditSearch({ action: 'auth.login' }, 4711)).toBe('action=auth.login&before=4711&limit=50');
  });
});
