/**
 * The days a usage report covers: whole UTC days, both ends included, as `YYYY-MM-DD`. UTC so
 * that a day means the same to every user and every machine, whatever their time zone.
 */
import { ShivaError } from '../contract/errors.js';

export const DAY_MS = 86_400_000;
/** A year, leap day included: the longest range one request may ask for. */
export const MAX_RANGE_DAYS = 366;
export const DEFAULT_RANGE_DAYS = 30;

export interface DayRange {
  from: string;
  to: string;
}

const DAY_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;

/** The start of a `YYYY-MM-DD` UTC day in milliseconds, or null if it is no real day (2026-02-30). */
export function dayStart(day: string): number | null {
  const match = DAY_PATTERN.exec(day);
  if (!match) return null;
  const ms = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  // Date.UTC rolls 02-30 over into March and maps years below 100 into the 1900s: a day is real
  // only if it reads back the same.
  return dayOf(ms) === day ? ms : null;
}

/** The UTC day a moment falls on. */
export function dayOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/**
 * The range a request asks for: `to` defaults to today, `from` to the 30 days ending at `to`.
 * Throws INVALID_RANGE for a day that is not `YYYY-MM-DD`, `from` after `to`, or over 366 days.
 */
export function resolveRange(asked: { from?: string; to?: string }, now: number): DayRange {
  const to = asked.to ?? dayOf(now);
  const toMs = dayStart(to);
  if (toMs === null) throw new ShivaError('INVALID_RANGE', `to: ${JSON.stringify(to)} is not a day written YYYY-MM-DD.`);
  const from = asked.from ?? dayOf(toMs - (DEFAULT_RANGE_DAYS - 1) * DAY_MS);
  const fromMs = dayStart(from);
  if (fromMs === null) throw new ShivaError('INVALID_RANGE', `from: ${JSON.stringify(from)} is not a day written YYYY-MM-DD.`);
  if (fromMs > toMs) throw new ShivaError('INVALID_RANGE', `from (${from}) is after to (${to}).`);
  const days = (toMs - fromMs) / DAY_MS + 1;
  if (days > MAX_RANGE_DAYS) {
    throw new ShivaError('INVALID_RANGE', `${from} to ${to} is ${days} days; ask for at most ${MAX_RANGE_DAYS} at a time.`);
  }
  return { from, to };
}

/** The range as moments: from the start of its first day to the start of the day after its last. */
export function rangeBounds(range: DayRange): { start: number; end: number } {
  return { start: dayStart(range.from)!, end: dayStart(range.to)! + DAY_MS };
}
