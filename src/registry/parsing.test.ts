import { describe, expect, it } from 'vitest';
import { parseChallenges } from './challenge.js';
import { nextPage } from './link.js';
import { isDigest, isRepository, isTag } from './reference.js';

describe("a registry's WWW-Authenticate", () => {
  it("reads distribution's bearer challenge with quoted values, and a basic one", () => {
    expect(parseChallenges('Bearer realm="https://auth.example/token",service="registry.example",scope="repository:shiva/ml:pull"')).toEqual([
      { scheme: 'bearer', params: { realm: 'https://auth.example/token', service: 'registry.example', scope: 'repository:shiva/ml:pull' } },
    ]);
    expect(parseChallenges('Basic realm="Registry Realm"')).toEqual([{ scheme: 'basic', params: { realm: 'Registry Realm' } }]);
  });

  it('reads several challenges, token values and escapes, and stops at what it cannot read', () => {
    expect(parseChallenges('Basic realm=x, Bearer realm="a\\"b", error=insufficient_scope')).toEqual([
      { scheme: 'basic', params: { realm: 'x' } },
      { scheme: 'bearer', params: { realm: 'a"b', error: 'insufficient_scope' } },
    ]);
    expect(parseChallenges('Bearer realm="unterminated')).toEqual([{ scheme: 'bearer', params: {} }]);
    expect(parseChallenges(undefined)).toEqual([]);
    expect(parseChallenges('   ')).toEqual([]);
  });
});

describe("a registry listing's next page", () => {
  const asked = new URL('http://127.0.0.1:5000/v2/_catalog?n=2');
  it('follows rel="next" on the same origin, relative or absolute', () => {
    expect(nextPage('</v2/_catalog?last=b&n=2>; rel="next"', asked)?.href).toBe('http://127.0.0.1:5000/v2/_catalog?last=b&n=2');
    expect(nextPage('<http://127.0.0.1:5000/v2/_catalog?last=c>; rel=next', asked)?.href).toBe('http://127.0.0.1:5000/v2/_catalog?last=c');
    expect(nextPage('</v2/x>; rel="prev", </v2/_catalog?last=d>; rel="next"', asked)?.pathname).toBe('/v2/_catalog');
  });

  it('follows nothing to another origin, and nothing when there is no next', () => {
    expect(nextPage('<http://evil.example/v2/_catalog?last=b>; rel="next"', asked)).toBeNull();
    expect(nextPage('<//127.0.0.1:5001/v2/_catalog>; rel="next"', asked)).toBeNull();
    expect(nextPage('</v2/x>; rel="prev"', asked)).toBeNull();
    expect(nextPage(undefined, asked)).toBeNull();
  });
});

describe('names that may go into a registry URL', () => {
  it("takes distribution's grammar and nothing that could reach another endpoint", () => {
    for (const ok of ['shiva/ml', 'shiva/envs/alice/my-env', 'a', 'a__b/c.d-e']) expect(isRepository(ok), ok).toBe(true);
    for (const bad of ['../x', 'Shiva/ml', 'a//b', 'a/', '/a', 'a b', 'a?n=1', 'a/../b', 'x'.repeat(256)]) expect(isRepository(bad), bad).toBe(false);
    for (const ok of ['latest', '20261130T120000Z', 'v1.2_3-x']) expect(isTag(ok), ok).toBe(true);
    for (const bad of ['', '.x', 'a/b', 'a:b', 'x'.repeat(129)]) expect(isTag(bad), bad).toBe(false);
    expect(isDigest(`sha256:${'a'.repeat(64)}`)).toBe(true);
    expect(isDigest(`sha256:${'A'.repeat(64)}`)).toBe(false);
    expect(isDigest('sha256:abc')).toBe(false);
  });
});
