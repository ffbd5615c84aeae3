/**
 * Keyset cursors (src/contract/paging.ts): the list's scope (its order and filters) and the key
 * of the last row of a page, carried by the client as an opaque string. The scope is inside so
 * that a cursor taken under one order or search cannot continue another, where it would skip or
 * repeat rows without a word; anything that does not decode to the expected shape is
 * INVALID_CURSOR, never a query with an unchecked value.
 */
import { createHash } from 'node:crypto';
import { ShivaError } from '../contract/errors.js';

/**
 * The scope a cursor is bound to: the order, and a digest of the filters and search (which can be
 * long, and need not be readable in the cursor), so that the cursor stays short whatever they are.
 */
export function cursorScope(order: string, filters: Readonly<Record<string, string | boolean | undefined>>): string {
  const set = Object.entries(filters).filter(([, value]) => value !== undefined && value !== '' && value !== false);
  if (set.length === 0) return order;
  const digest = createHash('sha256').update(JSON.stringify(set.sort(([a], [b]) => (a < b ? -1 : 1)))).digest('base64url').slice(0, 16);
  return `${order}:${digest}`;
}

/** The key of one row under a sort: its sort value(s) and its id, which breaks ties. */
export type CursorKey = ReadonlyArray<string | number>;

/** The cursor that continues after `key` under `sort`: base64url of a small JSON array. */
export function encodeCursor(sort: string, key: CursorKey): string {
  return Buffer.from(JSON.stringify([sort, ...key])).toString('base64url');
}

/**
 * The key in `cursor`, which must have been made under `sort` and hold values of the kinds in
 * `shape`, in order. Throws ShivaError INVALID_CURSOR otherwise.
 */
export function decodeCursor<const S extends ReadonlyArray<'string' | 'number'>>(
  cursor: string,
  sort: string,
  shape: S,
): { [K in keyof S]: S[K] extends 'string' ? string : number } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new ShivaError('INVALID_CURSOR');
  }
  if (!Array.isArray(parsed) || parsed.length !== shape.length + 1 || parsed[0] !== sort) throw new ShivaError('INVALID_CURSOR');
  const key = parsed.slice(1);
  shape.forEach((kind, i) => {
    const value: unknown = key[i];
    const fits = kind === 'number' ? Number.isSafeInteger(value) : typeof value === 'string' && value.length <= 256;
    if (!fits) throw new ShivaError('INVALID_CURSOR');
  });
  return key as { [K in keyof S]: S[K] extends 'string' ? string : number };
}

/**
 * The cursor of the page after `rows`, or null when they are the last page: a page shorter than
 * `limit` ends the list (a full last page costs one more ask, answered empty).
 */
export function nextCursor<T>(rows: readonly T[], limit: number, scope: string, keyOf: (row: T) => CursorKey): string | null {
  const last = rows.at(-1);
  return rows.length === limit && last !== undefined ? encodeCursor(scope, keyOf(last)) : null;
}
