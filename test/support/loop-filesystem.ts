/**
 * A small real ext4 filesystem for tests: a sparse file made into ext4 and mounted through a
 * loop device in a temporary folder. Needs root and a free loop device (CI runs as root).
 * `remove()` unmounts, detaches the loop device and deletes the folder, whatever state the
 * test left it in; call it in afterAll.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface LoopFilesystem {
  /** Where the filesystem is mounted. */
  dir: string;
  /** The loop device it is mounted from, e.g. /dev/loop3. */
  device: string;
  /** Unmounts, detaches and deletes; safe to call twice. */
  remove(): void;
}

const run = (cmd: string, args: string[]): string => execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000 });

/** Why a loop-mounted filesystem cannot be made here, or null when it can. */
export function loopFilesystemUnavailableReason(): string | null {
  if (process.getuid?.() !== 0) return 'mounting a loop filesystem needs root';
  for (const [cmd, args] of [['losetup', ['-f']], ['mkfs.ext4', ['-V']]] as const) {
    try {
      run(cmd, [...args]);
    } catch (err) {
      return `${cmd} ${args.join(' ')} fails (${(err as Error).message.split('\n')[0]})`;
    }
  }
  return null;
}

/**
 * Makes and mounts an ext4 filesystem of `sizeMiB`. `mkfs.ext4`'s defaults are kept, 5% of the
 * blocks reserved for root included, as on a real disk.
 */
export function mountLoopFilesystem(sizeMiB: number): LoopFilesystem {
  const base = mkdtempSync(path.join(os.tmpdir(), 'shiva-loopfs-'));
  const image = path.join(base, 'filesystem.img');
  const dir = path.join(base, 'mnt');
  mkdirSync(dir);
  let removed = false;
  const remove = () => {
    if (removed) return;
    removed = true;
    for (const attempt of [['umount', dir], ['umount', '-l', dir]]) {
      try {
        run(attempt[0]!, attempt.slice(1));
        break;
      } catch {
        // Not mounted (the mount failed), or busy: the lazy unmount comes next.
      }
    }
    // mount -o loop sets autoclear, but a failed or lazy unmount can leave the device attached.
    try {
      for (const line of run('losetup', ['-j', image]).split('\n').filter(Boolean)) run('losetup', ['-d', line.split(':')[0]!]);
    } catch {
      // No device is attached to the image.
    }
    rmSync(base, { recursive: true, force: true });
  };
  try {
    run('truncate', ['-s', `${sizeMiB}M`, image]);
    run('mkfs.ext4', ['-q', '-F', image]);
    run('mount', ['-o', 'loop', image, dir]);
    const device = run('losetup', ['-j', image]).split(':')[0]!.trim();
    return { dir, device, remove };
  } catch (err) {
    remove();
    throw err;
  }
}
