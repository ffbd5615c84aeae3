/** How CLI verbs print: a table for people, JSON with --json for scripts. */

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Rows as lines with each column as wide as its widest cell, two spaces apart. */
export function alignColumns(rows: string[][]): string[] {
  const columns = Math.max(0, ...rows.map((r) => r.length));
  const widths = Array.from({ length: columns }, (_, i) => Math.max(0, ...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((cells) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd());
}

export function printTable(headers: string[], rows: string[][]): void {
  // Cells carry text from elsewhere (a stop reason may quote a container's signal or exit): no
  // control character reaches the terminal.
  const cells = rows.map((row) => row.map((cell) => cell.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?')));
  for (const line of alignColumns([headers, ...cells])) process.stdout.write(`${line}\n`);
}

/** "3 min ago"-style age of an ISO time. */
export function ago(iso: string | null, at = Date.now()): string {
  if (!iso) return '-';
  const s = Math.max(0, Math.round((at - Date.parse(iso)) / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.round(s / 60)}m ago`;
  if (s < 86400) return `${Math.round(s / 3600)}h ago`;
  return `${Math.round(s / 86400)}d ago`;
}

/** Bytes as GiB to two decimals at most, without the unit: "3.21". */
export const gib = (bytes: number): string => String(Math.round((bytes / 1024 ** 3) * 100) / 100);
