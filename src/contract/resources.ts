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

/**
 * Docker's CPU shares per CPU: the weight a container gets under contention, relative to the
 * others. 1024 is Docker's default for one container and what Kubernetes gives per CPU of
 * request (the kubelet's `MilliCPUToShares`, see Kubernetes' "Resource Management for Pods and
 * Containers"), so a sandbox that asked for 0.5 CPU gets half the weight of one that asked for 1.
 */
export const CPU_SHARES_PER_CPU = 1024;

/**
 * The CPU shares (`HostConfig.CpuShares`) of a sandbox with this CPU request. Never below 2, the
 * kernel's least weight, and never 0, which Docker reads as "the default, 1024".
 */
export function cpuShares(cpuRequest: number): number {
  return Math.max(2, Math.round(cpuRequest * CPU_SHARES_PER_CPU));
}

/**
 * The CPU request of a sandbox that named only its limit: `fraction` of the limit, in whole
 * millicores (Kubernetes' smallest CPU unit) and never under MIN_CPUS, never over the limit.
 * The idea is OpenShift's cluster resource override (`cpuRequestToLimitPercent`): a notebook
 * mostly waits for its user, so what it is guaranteed can be a fraction of what it may burst to.
 */
export function defaultCpuRequest(cpus: number, fraction: number): number {
  const request = Math.round(cpus * fraction * 1000) / 1000;
  return Math.min(cpus, Math.max(MIN_CPUS, request));
}

/** The most a sandbox may ask for (sandboxes.limits in the configuration). */
export interface ResourceLimits {
  cpus: number;
  memoryGiB: number;
  gpus: number;
}

/**
 * What is wrong with a request for resources, one plain sentence per field, naming the field
 * and the allowed range; empty when the request is fine. The checks are on what reaches the
 * engine: `NanoCpus` (cpus × 1e9, rounded) and memory in whole bytes. `cpuRequest`, when given,
 * is from MIN_CPUS to `cpus`: a guarantee above the limit could never be used (Kubernetes
 * refuses a request over its limit the same way).
 */
export function resourceProblems(request: { cpus: number; cpuRequest?: number; memoryGiB: number; gpus: number }, limits: ResourceLimits): string[] {
  const problems: string[] = [];
  const { cpus, cpuRequest, memoryGiB, gpus } = request;
  const cpusOk = Number.isFinite(cpus) && Math.round(cpus * 1e9) >= MIN_CPUS * 1e9 && cpus <= limits.cpus;
  if (!cpusOk) problems.push(`cpus must be from ${MIN_CPUS} to ${limits.cpus}`);
  if (cpuRequest !== undefined) {
    const most = cpusOk ? cpus : limits.cpus;
    if (!Number.isFinite(cpuRequest) || Math.round(cpuRequest * 1e9) < MIN_CPUS * 1e9 || cpuRequest > most) {
      problems.push(`cpuRequest must be from ${MIN_CPUS} to cpus (${most})`);
    }
  }
  if (!Number.isFinite(memoryGiB) || Math.round(memoryGiB * GiB) < MIN_MEMORY_GIB * GiB || memoryGiB > limits.memoryGiB) {
    problems.push(`memoryGiB must be from ${MIN_MEMORY_GIB} to ${limits.memoryGiB}`);
  }
  if (!Number.isInteger(gpus) || gpus < 0 || gpus > limits.gpus) {
    problems.push(limits.gpus === 0 ? 'gpus must be 0: this hub gives no GPUs' : `gpus must be a whole number from 0 to ${limits.gpus}`);
  }
  return problems;
}
