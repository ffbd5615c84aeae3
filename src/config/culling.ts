/**
 * The culling keys: when idle sandboxes are warned and stopped (docs/culling.md, "Policy"). The
 * hub-wide block is `culling`; an image (`images.catalogue[].culling`) and a role
 * (`culling.roles.admin`, `culling.roles.user`) may override any limit but the check interval.
 * Later layers win: hub, then image, then role, so an exemption by role holds for every image.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { Config } from './schema.js';

const strict = { additionalProperties: false } as const;

/** The limits that an image or a role may override; absent keys keep what the layer below says. */
const overridable = {
  idleMinutes: Type.Number({
    minimum: 0,
    description: 'A sandbox with no activity for this long is stopped (home kept); 0 turns idle stops off, for GPU holders too. Fractions allowed',
  }),
  gpuIdleMinutes: Type.Number({
    minimum: 0,
    description: 'The idle limit of a sandbox holding GPUs (usually shorter); 0: idleMinutes applies to them too',
  }),
  maxAgeHours: Type.Number({
    minimum: 0,
    description: 'A sandbox running this long is stopped whatever its activity; Keep it running does not postpone it; 0 or unset: no maximum age',
  }),
  warnMinutes: Type.Number({
    minimum: 0,
    description: 'How long before a stop the owner is warned (an idle_warning event, the dashboard banner); below every idle limit it applies to',
  }),
  gpuUtilisationPercent: Type.Number({
    minimum: 0,
    maximum: 100,
    description: 'A GPU of the sandbox at or above this utilisation in a reading counts as activity',
  }),
};

/** An override of the culling limits, for an image or a role. */
export const CullingOverride = Type.Object(
  {
    idleMinutes: Type.Optional(overridable.idleMinutes),
    gpuIdleMinutes: Type.Optional(overridable.gpuIdleMinutes),
    maxAgeHours: Type.Optional(overridable.maxAgeHours),
    warnMinutes: Type.Optional(overridable.warnMinutes),
    gpuUtilisationPercent: Type.Optional(overridable.gpuUtilisationPercent),
  },
  strict,
);
export type CullingOverride = Static<typeof CullingOverride>;

/** The hub-wide `culling` block with its defaults. */
export const CullingSettings = Type.Object(
  {
    idleMinutes: Type.Number({ ...overridable.idleMinutes, default: 60 }),
    gpuIdleMinutes: Type.Number({ ...overridable.gpuIdleMinutes, default: 30 }),
    maxAgeHours: Type.Optional(overridable.maxAgeHours),
    warnMinutes: Type.Number({ ...overridable.warnMinutes, default: 10 }),
    gpuUtilisationPercent: Type.Number({ ...overridable.gpuUtilisationPercent, default: 5 }),
    checkIntervalSeconds: Type.Number({
      exclusiveMinimum: 0,
      default: 60,
      description: 'How often every running sandbox is checked; a stop may come this much after its time',
    }),
    roles: Type.Object(
      {
        admin: Type.Optional(CullingOverride),
        user: Type.Optional(CullingOverride),
      },
      { ...strict, default: {}, description: 'Overrides by role; admins are culled like everyone unless roles.admin says otherwise' },
    ),
  },
  { ...strict, default: {} },
);
export type CullingSettings = Static<typeof CullingSettings>;

/**
 * A problem with the culling keys that the schema cannot see, as "<key path>: <what>", or null.
 * Checked for the hub-wide block, each image and each role on its own and for every image with
 * every role, since a warning as long as the limit it applies to would never leave time to act.
 */
export function cullingProblem(config: Pick<Config, 'culling' | 'images'>): string | null {
  const base = config.culling;
  const layers: Array<{ path: string; over: CullingOverride | undefined }> = [{ path: 'culling', over: undefined }];
  const roles = (['admin', 'user'] as const).filter((r) => base.roles[r] !== undefined);
  for (const role of roles) layers.push({ path: `culling.roles.${role}`, over: base.roles[role] });
  for (const image of config.images.catalogue) {
    if (!image.culling) continue;
    const path = `images.catalogue.${image.name}.culling`;
    layers.push({ path, over: image.culling });
    for (const role of roles) {
      layers.push({ path: `${path} with culling.roles.${role}`, over: { ...image.culling, ...stripUndefined(base.roles[role]!) } });
    }
  }
  for (const { path, over } of layers) {
    const merged = { ...base, ...stripUndefined(over ?? {}) };
    const warn = merged.warnMinutes;
    if (merged.idleMinutes > 0 && warn >= merged.idleMinutes) {
      return `${path}.warnMinutes (${warn}) must be below idleMinutes (${merged.idleMinutes}): the warning would leave no time to act`;
    }
    if (merged.idleMinutes > 0 && merged.gpuIdleMinutes > 0 && warn >= merged.gpuIdleMinutes) {
      return `${path}.warnMinutes (${warn}) must be below gpuIdleMinutes (${merged.gpuIdleMinutes}): the warning would leave no time to act`;
    }
    if (merged.maxAgeHours !== undefined && merged.maxAgeHours > 0 && warn >= merged.maxAgeHours * 60) {
      return `${path}.warnMinutes (${warn}) must be below maxAgeHours (${merged.maxAgeHours} h): the warning would leave no time to act`;
    }
  }
  return null;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
