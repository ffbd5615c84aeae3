/**
 * What a saved environment may be called, and where it goes in the team's registry:
 * `<prefix>envs/<user>/<name>:<time of the save>`.
 */

/**
 * A name is one path component of distribution's reference grammar (`[a-z0-9]+` parts joined by
 * one `.`, `_`, `__` or dashes), 64 characters at most: so no `/`, no `..`, no uppercase, and it
 * always makes a valid repository.
 */
const NAME = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
export const ENVIRONMENT_NAME_MAX_LENGTH = 64;

export function isValidEnvironmentName(name: unknown): name is string {
  return typeof name === 'string' && name.length <= ENVIRONMENT_NAME_MAX_LENGTH && NAME.test(name);
}

/** The repository of `user`'s environment `name` under `prefix` (which ends in `/` or is empty). */
export function environmentRepository(prefix: string, user: string, name: string): string {
  return `${prefix}envs/${user}/${name}`;
}

/** The tag of a save at `at`: its UTC time to the second, `20261130T195012Z`, so tags sort by time. */
export function saveTag(at: Date): string {
  return at.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
}

/** What users launch an environment by: `<owner>/<name>` (no catalogue name has a `/`). */
export function environmentImageName(owner: string, name: string): string {
  return `${owner}/${name}`;
}
