/**
 * The rule of `storage.minFreePercent`: a filesystem is too full for new sandboxes while the
 * bytes users may still write are less than that share of its size. Pure figures, no I/O, so
 * the rule is tested on its own (homes-filesystem.ts reads the figures).
 */
import { ShivaError } from '../contract/errors.js';
import { GiB } from '../contract/resources.js';

/** A filesystem's size and what unprivileged users may still write on it, in bytes. */
export interface FilesystemFigures {
  /** statfs f_bavail × block size: what a non-root writer can still use (root-reserved blocks excluded). */
  freeBytes: number;
  /** statfs f_blocks × block size: the whole filesystem, reserved blocks included. */
  sizeBytes: number;
  /**
   * statfs f_files and f_ffree: its inodes and those free. Millions of empty files fill a
   * filesystem's inodes long before its blocks, and then nobody can make a file; absent or 0
   * where the filesystem has no fixed count (CephFS, btrfs report 0).
   */
  inodes?: number;
  freeInodes?: number;
}

/**
 * Whether the free share is strictly below `minFreePercent` (0-100). A threshold of 0 never
 * refuses; a filesystem that reports no size at all (some pseudo filesystems) is never judged full.
 */
export function belowMinimum(figures: FilesystemFigures, minFreePercent: number): boolean {
  return bytesBelowMinimum(figures, minFreePercent) || inodesBelowMinimum(figures, minFreePercent);
}

function bytesBelowMinimum(figures: FilesystemFigures, minFreePercent: number): boolean {
  if (figures.sizeBytes <= 0) return false;
  // Multiplied, not divided, so nothing rounds at the boundary.
  return figures.freeBytes * 100 < minFreePercent * figures.sizeBytes;
}

/** The same rule for inodes, where the filesystem counts them. */
function inodesBelowMinimum(figures: FilesystemFigures, minFreePercent: number): boolean {
  const { inodes = 0, freeInodes = 0 } = figures;
  return inodes > 0 && freeInodes * 100 < minFreePercent * inodes;
}

/** The free share in percent, 0-100, for messages and the dashboard. */
export function freePercent(figures: FilesystemFigures): number {
  return figures.sizeBytes > 0 ? (figures.freeBytes / figures.sizeBytes) * 100 : 100;
}

/**
 * The 503 STORAGE_FULL a launch gets: free and total in GiB and the threshold, so the user
 * knows it is not their doing and an admin knows what to free. It names no path: where the
 * homes live is the admins' business (GET /api/storage shows it to them).
 */
export function storageFullError(figures: FilesystemFigures, minFreePercent: number): ShivaError {
  if (!bytesBelowMinimum(figures, minFreePercent) && inodesBelowMinimum(figures, minFreePercent)) {
    return new ShivaError(
      'STORAGE_FULL',
      `The homes filesystem has nearly run out of files (inodes): ${figures.freeInodes} free of ${figures.inodes}, ` +
        `below the ${minFreePercent}% this hub keeps free. New sandboxes cannot start until an admin frees space (sandboxes already running keep running).`,
      { freeBytes: figures.freeBytes, sizeBytes: figures.sizeBytes, minFreePercent },
    );
  }
  return new ShivaError(
    'STORAGE_FULL',
    `The homes filesystem is nearly full: ${gib(figures.freeBytes)} GiB free of ${gib(figures.sizeBytes)} GiB (${percent(freePercent(figures))}%), ` +
      `below the ${minFreePercent}% this hub keeps free. New sandboxes cannot start until an admin frees space (sandboxes already running keep running).`,
    { freeBytes: figures.freeBytes, sizeBytes: figures.sizeBytes, minFreePercent },
  );
}

/** GiB with as many decimals as a small filesystem needs to show anything: 812, 9.5, 0.063. */
export function gib(bytes: number): string {
  const value = bytes / GiB;
  if (value === 0) return '0';
  const decimals = value >= 100 ? 0 : value >= 10 ? 1 : value >= 1 ? 2 : 3;
  return String(Number(value.toFixed(decimals)));
}

function percent(value: number): string {
  return String(Number(value.toFixed(value >= 10 ? 0 : 1)));
}
