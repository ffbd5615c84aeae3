/**
 * How the CLI prints a size in bytes, one way in every command (`shiva images ls`, `shiva images
 * pull`, `shiva environments ls|rm`), so one image reads the same wherever it is listed.
 */

const UNITS = ['KiB', 'MiB', 'GiB', 'TiB'] as const;

/**
 * Bytes in binary units (1024-based: KiB, MiB, GiB, TiB), one decimal and the unit after a space:
 * "151.7 MiB", "2.4 GiB"; under 1 KiB the whole number of bytes, "512 B". The unit is the smallest
 * in which the rounded figure stays under 1024 (TiB beyond that).
 */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  let value = bytes / 1024;
  let unit = 0;
  while (unit < UNITS.length - 1 && Number(value.toFixed(1)) >= 1024) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(1)} ${UNITS[unit]}`;
}
