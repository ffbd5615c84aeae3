/** Numbers, sizes and times as a person reads them, in the chosen language. */
export const GiB = 1024 ** 3;

/** `value` rounded to `digits` decimals: the number a formatted figure shows, for plural rules. */
export const roundTo = (value: number, digits: number): number => {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
};

/** Intl formatters are slow to make and quick to use: the machines page formats thousands of values. */
const cache = new Map<string, Intl.NumberFormat | Intl.RelativeTimeFormat | Intl.DateTimeFormat>();

function cached<T extends Intl.NumberFormat | Intl.RelativeTimeFormat | Intl.DateTimeFormat>(
  key: string,
  make: () => T,
  is: (f: Intl.NumberFormat | Intl.RelativeTimeFormat | Intl.DateTimeFormat) => f is T,
): T {
  const found = cache.get(key);
  if (found && is(found)) return found;
  const made = make();
  cache.set(key, made);
  return made;
}

const numberFormat = (locale: string, digits: number) =>
  cached(`n:${locale}:${digits}`, () => new Intl.NumberFormat(locale, { maximumFractionDigits: digits }), (f) => f instanceof Intl.NumberFormat);
const relativeFormat = (locale: string) =>
  cached(`r:${locale}`, () => new Intl.RelativeTimeFormat(locale, { numeric: 'auto' }), (f) => f instanceof Intl.RelativeTimeFormat);
const dateTimeFormat = (locale: string) =>
  cached(`d:${locale}`, () => new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }), (f) => f instanceof Intl.DateTimeFormat);

export function formatNumber(value: number, locale: string, maximumFractionDigits = 1): string {
  return numberFormat(locale, maximumFractionDigits).format(roundTo(value, maximumFractionDigits));
}

/** Bytes in GiB (or TiB from 1024 GiB), the units the limits are given in; MiB below 1 GiB. */
export function formatBytes(bytes: number, locale: string): string {
  const gib = bytes / GiB;
  if (gib >= 1024) return `${formatNumber(gib / 1024, locale)} TiB`;
  if (bytes > 0 && gib < 1) return `${formatNumber(bytes / (1024 * 1024), locale, 0)} MiB`;
  return `${formatNumber(gib, locale, gib < 10 ? 1 : 0)} GiB`;
}

const RATE_UNITS = ['B/s', 'KiB/s', 'MiB/s', 'GiB/s'];

/** A transfer rate in the largest binary unit that keeps it at 1 or more: "12.6 MiB/s". */
export function formatRate(bytesPerSecond: number, locale: string): string {
  let value = Math.max(0, bytesPerSecond);
  let unit = 0;
  while (value >= 1024 && unit < RATE_UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${formatNumber(value, locale, value < 10 && unit > 0 ? 1 : 0)} ${RATE_UNITS[unit]}`;
}

/**
 * Bytes in GiB to one decimal, rounded down: "23.5 GiB" for 25276026880 bytes (23.54 GiB); whole
 * MiB below 1 GiB. The
 * Machines page's one rule for memory, the same as `shiva machines`: a capacity or a free figure
 * is never shown larger than it is, and the figures on one card are comparable (held 4 GiB of
 * 23.5, 19.5 free). The 1e-9 keeps a whole tenth from falling to the one below by float error.
 */
export function formatGiBDown(bytes: number, locale: string): string {
  // Below 1 GiB a tenth is too coarse (a 60 MiB sandbox is not "0 GiB"): whole MiB, also down.
  if (bytes > 0 && bytes < GiB) return `${formatNumber(Math.floor(bytes / (1024 * 1024) + 1e-9), locale, 0)} MiB`;
  return `${formatNumber(Math.floor((bytes / GiB) * 10 + 1e-9) / 10, locale, 1)} GiB`;
}

export function formatGiB(gib: number, locale: string): string {
  return `${formatNumber(gib, locale, 2)} GiB`;
}

export function percentOf(used: number, total: number): number {
  if (!(total > 0)) return 0;
  return Math.min(100, Math.max(0, (used / total) * 100));
}

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 365 * 86_400_000],
  ['month', 30 * 86_400_000],
  ['day', 86_400_000],
  ['hour', 3_600_000],
  ['minute', 60_000],
  ['second', 1_000],
];

/**
 * "3 minutes ago", "in 2 days", "now": for times that may lie ahead (an expiry). A time ahead is
 * rounded to the nearest unit: a token made to last 30 days reads "in 30 days" a minute later,
 * not "in 29 days". A time past is truncated, as "3 hours ago" is said until it is four.
 */
export function formatRelative(iso: string, now: number, locale: string): string {
  return relative(new Date(iso).getTime() - now, locale);
}

/**
 * "3 minutes ago", or "now" for a moment that has passed but that the browser's clock puts
 * ahead: the hub's clock and the browser's differ by a second or more, and an event that has
 * happened must never read "in 1 second".
 */
export function formatPast(iso: string, now: number, locale: string): string {
  return relative(Math.min(0, new Date(iso).getTime() - now), locale);
}

function relative(diff: number, locale: string): string {
  const format = relativeFormat(locale);
  for (const [unit, ms] of UNITS) {
    if (Math.abs(diff) >= ms) return format.format(diff > 0 ? Math.round(diff / ms) : Math.trunc(diff / ms), unit);
  }
  return format.format(0, 'second');
}

export function formatDateTime(iso: string, locale: string): string {
  return dateTimeFormat(locale).format(new Date(iso));
}
