/**
 * Reading paged lists (src/contract/paging.ts) from the CLI: as the GitHub CLI's `--limit`, a
 * command asks for at most that many rows and follows `next` until it has them or the list
 * ends, one page of at most MAX_PAGE_LIMIT at a time.
 */
import { InvalidArgumentError } from 'commander';
import { MAX_PAGE_LIMIT, type Page } from '../contract/paging.js';
import type { HubClient } from './client.js';

/** Rows a list command shows when no --limit is given. */
export const DEFAULT_CLI_LIMIT = 100;

/** Commander's parser for --limit: a whole number from 1. */
export function limitFlag(value: string): number {
  const n = Number(value);
  if (!/^[0-9]+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('Give a whole number of rows, like 50.');
  return n;
}

/**
 * Up to `limit` rows of the list at `path` with `params` (search, sort, filters), following
 * each page's `next`; `total` is the hub's count of every matching row. A page that brings no
 * row ends the walk whatever its `next` says: a hub that answered so (broken, or not a Shiva
 * hub) would otherwise be asked again forever.
 */
export async function readPages<T>(hub: HubClient, path: string, params: Record<string, string>, limit: number): Promise<{ items: T[]; total: number }> {
  const items: T[] = [];
  let cursor: string | null = null;
  let total = 0;
  let got: number;
  do {
    const query = new URLSearchParams({ ...params, limit: String(Math.min(MAX_PAGE_LIMIT, limit - items.length)), ...(cursor ? { cursor } : {}) });
    const page: Page<T> = await hub.request<Page<T>>('GET', `${path}?${query}`);
    items.push(...page.items);
    got = page.items.length;
    total = page.total;
    cursor = page.next;
  } while (cursor !== null && got > 0 && items.length < limit);
  return { items, total };
}

/** What to say on stderr when `shown` rows are fewer than the `total` that match; undefined when all are shown. */
export function moreThanShown(shown: number, total: number, what: string): string | undefined {
  if (shown >= total) return undefined;
  return `Showing ${shown} of ${total} ${what}; narrow with --search, or show more with --limit.`;
}
