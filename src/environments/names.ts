/**
 * What a saved environment may be called, and where it goes in the team's registry:
 * `<prefix>envs/<user>/<name>:<time of the save>`.
 */

// The name rule and the tag's form are shared with the CLI and the dashboard.
export { isValidEnvironmentName, saveTag } from '../contract/environments.js';

/** The repository of `user`'s environment `name` under `prefix` (which ends in `/` or is empty). */
export function environmentRepository(prefix: string, user: string, name: string): string {
  return `${prefix}envs/${user}/${name}`;
}

/** What users launch an environment by: `<owner>/<name>` (no catalogue name has a `/`). */
export function environmentImageName(owner: string, name: string): string {
  return `${owner}/${name}`;
}
