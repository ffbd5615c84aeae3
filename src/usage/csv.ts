/**
 * A usage report as CSV (RFC 4180): a header row, then one row per user and day, CRLF line
 * ends, fixed decimals so that spreadsheets read every figure the same way. Written here rather
 * than with a CSV library: one fixed table of names and numbers needs a ten-line escaper, not a
 * dependency.
 */
import type { UsageReport } from '../contract/api.js';

export const USAGE_CSV_COLUMNS = ['day', 'user', 'sandboxes', 'sandbox_hours', 'cpu_hours', 'gpu_hours', 'memory_gib_hours'] as const;

/** A field quoted when it holds a comma, a quote or a line break; quotes inside are doubled. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

const hours = (value: number): string => value.toFixed(4);

export function usageCsv(report: UsageReport): string {
  const lines = [USAGE_CSV_COLUMNS.join(',')];
  for (const d of report.days) {
    lines.push(
      [csvField(d.day), csvField(d.user), String(d.sandboxes), hours(d.sandboxHours), hours(d.cpuHours), hours(d.gpuHours), hours(d.memoryGiBHours)].join(','),
    );
  }
  return lines.map((line) => `${line}\r\n`).join('');
}

/** The file name a download is saved as. */
export const usageCsvFilename = (report: Pick<UsageReport, 'from' | 'to'>): string => `shiva-usage-${report.from}-${report.to}.csv`;
