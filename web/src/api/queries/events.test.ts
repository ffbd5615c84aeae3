// @vitest-environment happy-dom
import { QueryClient } from '@tanstack/react-query';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { recentEvents } from './events';

afterEach(() => vi.unstubAllGlobals());

describe('recentEvents', () => {
  it('asks for the newest page, then for the page before the last entry while the hub says there is one', async () => {
    const asked: string[] = [];
    vi.stubGlobal(
      'fetch',
      vi.fn(async (path: string) => {
        asked.push(path);
        const body = path.includes('before=') ? { entries: [], nextBefore: null } : { entries: [], nextBefore: 4711 };
        return new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });
      }),
    );
    const client = new QueryClient();
    const options = recentEvents(100);
    const loaded = await client.fetchInfiniteQuery({ ...options, pages: 3 });
    // The second page said there is nothing older: no third is asked for.
    expect(asked).toEqual(['/api/events?limit=100', '/api/events?limit=100&before=4711']);
    expect(loaded.pageParams).toEqual([null, 4711]);
    // With older pages open it no longer refreshes every page every ten seconds.
    const interval = options.refetchInterval as (query: { state: { data: typeof loaded | undefined } }) => number | false;
    expect(interval({ state: { data: loaded } })).toBe(false);
    expect(interval({ state: { data: { ...loaded, pages: loaded.pages.slice(0, 1) } } })).toBe(10_000);
    client.clear();
  });
});
