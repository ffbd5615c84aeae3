/**
 * The search of paged lists (`q`, src/contract/paging.ts): rows whose columns contain a text, in
 * any case (SQLite's LIKE is case-insensitive for ASCII, which names and emails are matched in),
 * with LIKE's own wildcards taken literally. A substring cannot use an index: it scans what the
 * other filters leave.
 */
import { sql, type RawBuilder } from 'kysely';

/**
 * A condition true for rows where any of `columns` contains `text`. False for a text with a NUL,
 * which no escape can carry: SQLite reads a LIKE pattern only up to its first NUL, so `%\0%`
 * would be `%` and match every row; no name or email holds one.
 */
export function anyContains(columns: readonly string[], text: string): RawBuilder<boolean> {
  if (text.includes('\0')) return sql<boolean>`0`;
  const pattern = `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  return sql<boolean>`(${sql.join(
    columns.map((column) => sql`${sql.ref(column)} like ${pattern} escape '\\'`),
    sql` or `,
  )})`;
}
