/**
 * The smallest resources a sandbox may ask for, shared by the config schema, the API and the
 * dashboard. Below them the engine either refuses with its own words or, worse, sees 0.
 */

/**
 * The fewest CPUs: 0.01, Docker's minimum for `--cpus` (its error "Range of CPUs is from 0.01
 * to …"). Docker turns `NanoCpus` into a CFS quota per 100 ms period, and the kernel and runc
 * refuse a quota under 1 ms, i.e. under 0.01 CPU; and `NanoCpus: 0`, which 1e-10 rounds to,
 * means no limit at all.
 */
export const MIN_CPUS = 0.01;

/**
 * The least memory, in GiB (128 MiB): far above Docker's own floor of 6 MiB, and about what a
 * Jupyter server needs to start at all; a smaller limit only gets the sandbox killed at start.
 */
export const MIN_MEMORY_GIB = 0.125;

/** Bytes in a GiB. */
export const GiB = 1024 ** 3;

/** The most a sandbox may ask for (sandboxes.limits in the configuration). */
export interface ResourceLimits {
  cpus: number;
  memoryGiB: number;
  gpus: number;
}

/**
 * What is wrong with a request for resources, one plain sentence per field, naming the field
 * and the allowed range; empty when the request is fine. The checks are on what reaches the
 * engine: `NanoCpus` (cpus × 1e9, rounded) and memory in whole bytes.
 */
export function resourceProblems(request: { cpus: number; memoryGiB: number; gpus: number }, limits: ResourceLimits): string[] {
  const problems: string[] = [];
  const { cpus, memoryGiB, gpus } = request;
  if (!Number.isFinite(cpus) || Math.round(cpus * 1e9) < MIN_CPUS * 1e9 || cpus > limits.cpus) {
    problems.push(`cpus must be from ${MIN_CPUS} to ${limits.cpus}`);
  }
  if (!Number.isFinite(memoryGiB) || Math.round(memoryGiB * GiB) < MIN_MEMORY_GIB * GiB || memoryGiB > limits.memoryGiB) {
    problems.push(`memoryGiB must be from ${MIN_MEMORY_GIB} to ${limits.memoryGiB}`);
  }
  if (!Number.isInteger(gpus) || gpus < 0 || gpus > limits.gpus) {
    problems.push(limits.gpus === 0 ? 'gpus must be 0: this hub gives no GPUs' : `gpus must be a whole number from 0 to ${limits.gpus}`);
  }
  return problems;
}
