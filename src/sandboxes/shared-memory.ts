/**
 * How much shared memory (`/dev/shm`) a sandbox gets. Docker's default is 64 MB, which kills
 * PyTorch's DataLoader workers ("insufficient shared memory (shm)": they pass batches through
 * /dev/shm; PyTorch's docs ask for `--shm-size` or `--ipc=host`). /dev/shm is a tmpfs charged to
 * the container's memory cgroup, so it can never be more than the sandbox's memory limit.
 */
import { GiB } from '../contract/resources.js';

/** The share of its memory a sandbox gets as /dev/shm when the configuration names no size. */
export const SHM_MEMORY_FRACTION = 0.25;
/** The least a sandbox gets (unless its memory is smaller): enough for a few DataLoader workers. */
export const SHM_FLOOR_BYTES = 1 * GiB;

/**
 * The /dev/shm size in bytes for a sandbox with `memoryBytes` of memory: `shmGiB` when the
 * configuration sets it (`sandboxes.shmGiB`), else a quarter of the memory and at least 1 GiB;
 * never above the memory itself. Whole bytes, as Docker's ShmSize takes them.
 */
export function sharedMemoryBytes(memoryBytes: number, shmGiB?: number): number {
  const wanted = shmGiB === undefined ? Math.max(SHM_FLOOR_BYTES, memoryBytes * SHM_MEMORY_FRACTION) : shmGiB * GiB;
  return Math.floor(Math.min(wanted, memoryBytes));
}
