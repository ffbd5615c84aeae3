/**
 * Shared datasets (`storage.datasets`): who gets which, and the mounts a sandbox gets for them.
 * The one access rule, for launches and for the listing: a dataset with neither `users` nor
 * `admins` is everyone's; otherwise it is the listed users', plus every admin's when `admins`
 * is true.
 */
import { pathsOverlap } from '../config/paths.js';
import type { DatasetEntry } from '../config/schema.js';
import type { Mount } from '../runtime/types.js';

/** Who a dataset is checked for: a sandbox's owner, or the user asking for the listing. */
export interface DatasetUser {
  username: string;
  admin: boolean;
}

/** Whether `user` gets `dataset` (see the rule above). */
export function mayUseDataset(dataset: DatasetEntry, user: DatasetUser): boolean {
  if (dataset.users === undefined && dataset.admins === undefined) return true;
  return (dataset.users ?? []).includes(user.username) || (dataset.admins === true && user.admin);
}

/** The datasets `user` gets, in configuration order. */
export function datasetsFor(datasets: readonly DatasetEntry[], user: DatasetUser): DatasetEntry[] {
  return datasets.filter((d) => mayUseDataset(d, user));
}

/**
 * A dataset that cannot be mounted into this sandbox; its message is the hub's own words, shown
 * to the user as the launch's reason.
 */
export class DatasetConflict extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DatasetConflict';
  }
}

/**
 * The mounts for `datasets` in a sandbox whose home is mounted at `homeInside`. The configuration
 * refused overlaps with every home it knows; an image's own label may name another home, checked
 * here: a dataset there would hide the user's home (or be hidden by it). Throws DatasetConflict.
 */
export function datasetMounts(datasets: readonly DatasetEntry[], homeInside: string): Mount[] {
  return datasets.map((d) => {
    if (pathsOverlap(d.containerPath, homeInside)) {
      throw new DatasetConflict(`The dataset ${d.name} is mounted at ${d.containerPath}, which overlaps this image's home ${homeInside}; an admin must move the dataset's containerPath.`);
    }
    return { hostPath: d.hostPath, containerPath: d.containerPath, readOnly: d.readOnly, what: `the dataset ${d.name}` };
  });
}
