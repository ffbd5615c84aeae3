/**
 * Path rules for host folders the configuration mounts into sandboxes: what counts as an overlap,
 * and the folders of a container's system that a mount must never hide or replace.
 */
import { posix } from 'node:path';

/** `path` without trailing slashes ("/" stays "/"); callers refuse ".." before asking. */
export function plainPath(path: string): string {
  return posix.normalize(path).replace(/\/+$/, '') || '/';
}

/** Whether one path is the other or lies inside it: mounting one would show or hide the other. */
export function pathsOverlap(a: string, b: string): boolean {
  const x = plainPath(a);
  const y = plainPath(b);
  if (x === y || x === '/' || y === '/') return true;
  return x.startsWith(`${y}/`) || y.startsWith(`${x}/`);
}

/**
 * The folders of a Linux system (the Filesystem Hierarchy Standard's, and the kernel's virtual
 * ones) that a mount may neither be nor lie inside: in a container it would hide the image's
 * programs, libraries or configuration (or the engine's own /proc, /sys and /dev mounts); on a
 * host it would hand sandboxes the machine's own files.
 */
export const SYSTEM_PATHS: readonly string[] = ['/bin', '/boot', '/dev', '/etc', '/lib', '/lib32', '/lib64', '/libx32', '/proc', '/root', '/run', '/sbin', '/sys', '/usr', '/var'];

/** Folders a mount may lie inside but not be: "/" itself, /tmp (every program writes there), /opt (conda lives there). */
export const SYSTEM_ROOTS: readonly string[] = ['/', '/tmp', '/opt'];

/** The system folder `path` is or lies inside, or null when it is free for a mount. */
export function systemPathOf(path: string): string | null {
  const p = plainPath(path);
  if (SYSTEM_ROOTS.includes(p)) return p;
  return SYSTEM_PATHS.find((s) => p === s || p.startsWith(`${s}/`)) ?? null;
}

/** Why `path` cannot name a mount's folder ("must be absolute", …), or null when it can. */
export function unsafePathReason(path: string): string | null {
  if (!posix.isAbsolute(path)) return 'must be absolute';
  // The engine reads ":" as the separator of a bind's fields.
  if (path.includes(':')) return 'must not contain ":"';
  if (path.split('/').includes('..')) return 'must not contain ".."';
  return null;
}
