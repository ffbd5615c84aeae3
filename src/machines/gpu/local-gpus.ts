/**
 * The GPUs of the hub's own machine, from nvidia-smi when it is installed there. A machine
 * without NVIDIA's tools simply has no GPUs; a broken driver is reported, not hidden.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { NVIDIA_SMI_ARGS, parseNvidiaSmi, type GpuReading } from './nvidia-smi.js';

const run = promisify(execFile);

/** The GPUs, an empty list when nvidia-smi is not installed; throws when it fails. */
export async function readLocalGpus(command = 'nvidia-smi'): Promise<GpuReading[]> {
  try {
    const { stdout } = await run(command, NVIDIA_SMI_ARGS, { timeout: 5000, maxBuffer: 1 << 20 });
    return parseNvidiaSmi(stdout);
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stdout?: string };
    if (e.code === 'ENOENT') return [];
    // nvidia-smi exits non-zero with its reason on stdout (no driver, no device).
    if (e.stdout) return parseNvidiaSmi(e.stdout);
    throw err;
  }
}
