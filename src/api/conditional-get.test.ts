import { describe, expect, it } from 'vitest';
import { entityTag, noneMatchHits } from './conditional-get.js';

describe('conditional GETs', () => {
  it('tags the same bytes alike and different bytes differently, as a quoted strong tag', () => {
    expect(entityTag('[{"name":"one"}]')).toBe(entityTag(Buffer.from('[{"name":"one"}]')));
    expect(entityTag('[{"name":"one"}]')).not.toBe(entityTag('[{"name":"two"}]'));
    expect(entityTag('x')).toMatch(/^"[A-Za-z0-9_-]{22}"$/);
  });

  it('matches If-None-Match by any tag of its list, weakly, or by *', () => {
    const tag = entityTag('body');
    expect(noneMatchHits(undefined, tag)).toBe(false);
    expect(noneMatchHits(tag, tag)).toBe(true);
    expect(noneMatchHits(`"other", ${tag}`, tag)).toBe(true);
    expect(noneMatchHits(`W/${tag}`, tag)).toBe(true);
    expect(noneMatchHits(' * ', tag)).toBe(true);
    expect(noneMatchHits('"other"', tag)).toBe(false);
    expect(noneMatchHits(tag.slice(1, -1), tag)).toBe(false);
  });
});
