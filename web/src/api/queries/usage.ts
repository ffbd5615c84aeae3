/** Usage per user and UTC day for a range of days (admins see everyone), and the CSV download of the same range. */
import { queryOptions } from '@tanstack/react-query';
import { request } from '../client';
import type { UsageReport } from '../types';

export const usageKey = ['usage'] as const;

/** Whole UTC days, both included, as YYYY-MM-DD: what the hub counts in. */
export interface UsageRange {
  from: string;
  to: string;
}

const DAY_MS = 86_400_000;
/** The hub's limit; checked here too so the form can say so before asking. */
export const MAX_USAGE_DAYS = 366;

const dayOf = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/** The `days` UTC days ending today, as the hub's default. */
export function lastDays(now: number, days = 30): UsageRange {
  return { from: dayOf(now - (days - 1) * DAY_MS), to: dayOf(now) };
}

/** Days in a range, both ends counted; NaN when a day is not a date. */
export function rangeDays(range: UsageRange): number {
  return (Date.parse(`${range.to}T00:00:00Z`) - Date.parse(`${range.from}T00:00:00Z`)) / DAY_MS + 1;
}

export function usageSearch(range: UsageRange, format?: 'csv'): string {
  const params = new URLSearchParams({ from: range.from, to: range.to });
  if (format) params.set('format', format);
  return params.toString();
}

/** A plain link: the browser downloads it with the session cookie, named by the hub. */
export const usageCsvHref = (range: UsageRange): string => `/api/usage?${usageSearch(range, 'csv')}`;

export const usage = (range: UsageRange) =>
  queryOptions({
    queryKey: [...usageKey, range.from, range.to] as const,
    queryFn: ({ signal }) => request<UsageReport>(`/api/usage?${usageSearch(range)}`, { signal }),
  });
