/**
 * The culling policy of one sandbox: the hub-wide `culling` block, then its image's `culling`
 * block, then its owner's role's (`culling.roles.<role>`), each key of a later layer replacing
 * the earlier one (src/config/culling.ts; docs/culling.md, "Policy"). Pure: no clock, no I/O.
 */
import type { CullingOverride } from '../../config/culling.js';
import type { Config, ImageEntry } from '../../config/schema.js';
import type { Role } from '../../store/schema.js';

/** What applies to one sandbox. Minutes and hours may be fractional. */
export interface CullingPolicy {
  /** No activity for this long stops a sandbox without GPUs; 0: no idle stops at all (GPU holders included). */
  idleMinutes: number;
  /** The idle limit of a sandbox holding GPUs; 0: idleMinutes applies to it. */
  gpuIdleMinutes: number;
  /** Running this long stops it whatever its activity; null: no maximum age. */
  maxAgeHours: number | null;
  /** How long before a stop the owner is warned. */
  warnMinutes: number;
  /** A GPU reading at or above this percent (0-100) counts as activity. */
  gpuUtilisationPercent: number;
}

/** Why a sandbox is stopped: the label values of shiva_culled_total. */
export const CULL_REASONS = ['idle', 'gpu_idle', 'max_age'] as const;
export type CullReason = (typeof CULL_REASONS)[number];

/**
 * The policy of a sandbox of `image` (undefined: an image no longer in the catalogue, which
 * gets the hub-wide block) owned by a user of `user.role`.
 */
export function resolvePolicy(config: Pick<Config, 'culling'>, image: Pick<ImageEntry, 'culling'> | undefined, user: { role: Role }): CullingPolicy {
  const base = config.culling;
  const merged = { ...base, ...defined(image?.culling), ...defined(base.roles[user.role]) };
  return {
    idleMinutes: merged.idleMinutes,
    gpuIdleMinutes: merged.gpuIdleMinutes,
    maxAgeHours: merged.maxAgeHours !== undefined && merged.maxAgeHours > 0 ? merged.maxAgeHours : null,
    warnMinutes: merged.warnMinutes,
    gpuUtilisationPercent: merged.gpuUtilisationPercent,
  };
}

/**
 * The idle limit of a sandbox under `policy` with its reason, or null when idleness never stops
 * it: gpuIdleMinutes for one holding GPUs (when set), else idleMinutes.
 */
export function idleLimit(policy: CullingPolicy, holdsGpus: boolean): { minutes: number; reason: 'idle' | 'gpu_idle' } | null {
  if (policy.idleMinutes <= 0) return null;
  if (holdsGpus && policy.gpuIdleMinutes > 0) return { minutes: policy.gpuIdleMinutes, reason: 'gpu_idle' };
  return { minutes: policy.idleMinutes, reason: 'idle' };
}

function defined(over: CullingOverride | undefined): CullingOverride {
  if (!over) return {};
  return Object.fromEntries(Object.entries(over).filter(([, v]) => v !== undefined)) as CullingOverride;
}
