/** Following a paged list's `next` from the CLI (paging.ts). */
import { describe, expect, it } from 'vitest';
import type { Page } from '../contract/paging.js';
import type { HubClient } from './client.js';
import { readPages } from './paging.js';

/** A hub whose every answer is `answer(asked)`; records the paths asked for. */
function hubAnswering(answer: (asked: number) => Page<string>) {
  const paths: string[] = [];
  const hub = { request: async (_method: string, path: string) => answer(paths.push(path)) } as unknown as HubClient;
  return { hub, paths };
}

describe('readPages', () => {
  it('follows next until it has the rows asked for, a page of at most 500 at a time', async () => {
    const { hub, paths } = hubAnswering((asked) => ({ items: Array.from({ length: asked === 1 ? 500 : 200 }, (_, i) => `u${asked}.${i}`), total: 2000, next: `c${asked}` }));
    const { items, total } = await readPages<string>(hub, '/api/users', { q: 'a' }, 700);
    expect(items).toHaveLength(700);
    expect(total).toBe(2000);
    expect(paths).toEqual(['/api/users?q=a&limit=500', '/api/users?q=a&limit=200&cursor=c1']);
  });

  it('stops at a page that brings nothing, whatever its next says, rather than asking forever', async () => {
    const { hub, paths } = hubAnswering((asked) => {
      if (asked > 50) throw new Error('still asking');
      return { items: asked === 1 ? ['only'] : [], total: 3, next: 'again' };
    });
    expect(await readPages<string>(hub, '/api/sandboxes', {}, 100)).toEqual({ items: ['only'], total: 3 });
    expect(paths).toHaveLength(2);
  });
});
