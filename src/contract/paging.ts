/**
 * Paged lists of things (users, sandboxes): one page of `items` in a stable order, the `total`
 * that match the filters, and `next`, an opaque cursor for the page after (null on the last).
 * Paging is by key, not by offset (as Kubernetes' `continue` and GitHub's cursors), so a row
 * added or removed while someone pages neither repeats nor hides another: each page starts
 * strictly after the sort key of the previous page's last row.
 *
 * Logs (audit, events) page the same way by id, newest first, with `before`/`nextBefore`.
 */
import { Type, type TSchema } from '@sinclair/typebox';

/** Rows a page holds when the request names no limit. */
export const DEFAULT_PAGE_LIMIT = 100;
/** The most rows one page may hold: a browser or script asking for more gets a 400. */
export const MAX_PAGE_LIMIT = 500;

/** What `limit` may be: 1 to MAX_PAGE_LIMIT, in digits without a leading zero. */
export const PAGE_LIMIT_PATTERN = '^([1-9][0-9]?|[1-4][0-9]{2}|500)$';

/** One page of a list. */
export interface Page<T> {
  items: T[];
  /** How many rows match the filters and search in all, across every page. */
  total: number;
  /** The `cursor` that asks for the next page; null when this page is the last. */
  next: string | null;
}

/** The JSON Schema of a page of `item`s. */
export const PageSchema = <T extends TSchema>(item: T) =>
  Type.Object({
    items: Type.Array(item),
    total: Type.Integer({ minimum: 0, description: 'Rows that match, across every page' }),
    next: Type.Union([Type.String(), Type.Null()], { description: 'Pass as `cursor` for the next page; null on the last page' }),
  });

/** What a log's `limit` may be (the audit log, events): 1 to 999, in digits without a leading zero. */
export const LOG_LIMIT_PATTERN = '^[1-9][0-9]{0,2}$';

/** The query parameters of a log read newest first: its page size and the entry to continue before. */
/** What a log's `before` may be: an entry id, as `nextBefore` gave it. */
export const BEFORE_PATTERN = '^[0-9]{1,15}$';

export const LogPageQuery = {
  before: Type.Optional(Type.String({ pattern: BEFORE_PATTERN, description: 'Continue after this entry id (from nextBefore)' })),
  limit: Type.Optional(Type.String({ pattern: LOG_LIMIT_PATTERN, description: '1-999, default 100' })),
};

/** The JSON Schema of a page of a log: its `entries`, newest first, and the id to continue before (null on the last page). */
export const LogPageSchema = <T extends TSchema>(entry: T) =>
  Type.Object({ entries: Type.Array(entry), nextBefore: Type.Union([Type.Integer(), Type.Null()]) });

/** The `nextBefore` of a page of log `rows` asked for with `limit`: the last id, or null when the page was not full. */
export const nextBefore = (rows: ReadonlyArray<{ id: number }>, limit: number): number | null => (rows.length === limit ? (rows.at(-1)?.id ?? null) : null);

/** The query parameters every paged list takes. */
export const PageQuery = {
  limit: Type.Optional(Type.String({ pattern: PAGE_LIMIT_PATTERN, description: `Rows per page, 1-${MAX_PAGE_LIMIT}; default ${DEFAULT_PAGE_LIMIT}` })),
  cursor: Type.Optional(Type.String({ maxLength: 512, description: '`next` of the previous page' })),
  q: Type.Optional(Type.String({ maxLength: 128, description: 'Search: rows whose names contain this text, in any case' })),
};
