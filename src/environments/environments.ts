/**
 * Saved environments: the images users made of their sandboxes, in the team's registry under
 * `<prefix>envs/<user>/<name>`. The one owner of what is saved (the database row of each, kept
 * in memory for the catalogue's lists), of who may see and launch each (its owner and admins;
 * everyone when its owner shares it), of the limits per user, and of deleting one.
 */
import { randomUUID } from 'node:crypto';
import type { Config } from '../config/schema.js';
import type { Environment } from '../contract/api.js';
import { ShivaError } from '../contract/errors.js';
import { GiB } from '../contract/resources.js';
import { RegistryError, type RegistryClient } from '../registry/client.js';
import type { Logger } from '../sandboxes/types.js';
import type { EnvironmentRepository, EnvironmentRow } from '../store/environments.js';
import { environmentImageName } from './names.js';

/** Who asks: the user and whether they are an admin. */
export interface Viewer {
  userId: number;
  admin: boolean;
}

export interface EnvironmentsDeps {
  repo: EnvironmentRepository;
  registry: Pick<RegistryClient, 'deleteManifest'> | null;
  /** The registry's `host[:port]`, as image references name it; null without a registry. */
  registryHost: string | null;
  limits: Readonly<Config['environments']>;
  log: Pick<Logger, 'warn' | 'info'>;
}

export class Environments {
  /** The records by id. A change replaces a record, never alters it: the catalogue keeps what it made of each by the record itself. */
  private readonly rows = new Map<string, EnvironmentRow>();

  constructor(private readonly deps: EnvironmentsDeps) {}

  /** Reads what is saved; called once at start. */
  async load(): Promise<void> {
    this.rows.clear();
    for (const row of await this.deps.repo.all()) this.rows.set(row.id, row);
  }

  /** The environments `viewer` may see and launch, oldest first: their own, shared ones, and all for admins. */
  visibleTo(viewer: Viewer): EnvironmentRow[] {
    return [...this.rows.values()].filter((row) => viewer.admin || row.user_id === viewer.userId || row.shared === 1);
  }

  /** The environment users launch as `<owner>/<name>`, if `viewer` may; undefined otherwise, as if there were none. */
  byImageName(viewer: Viewer, imageName: string): EnvironmentRow | undefined {
    return this.visibleTo(viewer).find((row) => environmentImageName(row.username, row.name) === imageName);
  }

  /** The reference engines pull: the manifest that was pushed, by digest. */
  imageRef(row: EnvironmentRow): string {
    return `${this.deps.registryHost}/${row.repository}@${row.digest}`;
  }

  /**
   * Throws ENVIRONMENT_LIMIT_REACHED when saving `name` would give the user more than
   * environments.maxPerUser (a save under a name they have replaces it), and
   * ENVIRONMENT_SIZE_LIMIT when their environments (less the one replaced) and `addedBytes` take
   * more than environments.maxGiBPerUser.
   */
  checkLimits(userId: number, name: string, addedBytes = 0): void {
    const { maxPerUser, maxGiBPerUser } = this.deps.limits;
    const others = [...this.rows.values()].filter((row) => row.user_id === userId && row.name !== name);
    if (others.length + 1 > maxPerUser) {
      throw new ShivaError('ENVIRONMENT_LIMIT_REACHED', `You keep ${others.length} saved environments, and ${maxPerUser} is the most you may; delete one first.`);
    }
    const bytes = others.reduce((sum, row) => sum + row.size_bytes, 0) + addedBytes;
    if (bytes > maxGiBPerUser * GiB || (addedBytes === 0 && bytes >= maxGiBPerUser * GiB)) {
      throw new ShivaError('ENVIRONMENT_SIZE_LIMIT', `Your saved environments take ${(bytes / GiB).toFixed(2)} GiB of the ${maxGiBPerUser} GiB you may use; delete one first.`);
    }
  }

  /**
   * Records a finished save, replacing the environment of that name; the manifest it replaces is
   * deleted from the registry unless another environment points at it.
   */
  async record(row: Omit<EnvironmentRow, 'id'>): Promise<{ saved: EnvironmentRow; replaced: EnvironmentRow | null }> {
    const saved: EnvironmentRow = { ...row, id: randomUUID() };
    const before = await this.deps.repo.put(saved);
    if (before) this.rows.delete(before.id);
    this.rows.set(saved.id, saved);
    if (before && before.digest !== saved.digest) await this.deleteManifest(before).catch(() => {});
    return { saved, replaced: before };
  }

  /** The environment launched as `imageName` (`<owner>/<name>`), whoever may see it: what a sandbox launched from it was started from. */
  origin(imageName: string): EnvironmentRow | undefined {
    return [...this.rows.values()].find((row) => environmentImageName(row.username, row.name) === imageName);
  }

  /** Shares an environment with everyone, or takes it back; its owner or an admin only. */
  async setShared(viewer: Viewer, id: string, shared: boolean): Promise<EnvironmentRow> {
    const row = this.ownedBy(viewer, id);
    await this.deps.repo.setShared(id, shared);
    const changed = { ...row, shared: shared ? 1 : 0 };
    this.rows.set(id, changed);
    return changed;
  }

  /**
   * Deletes an environment: its manifest from the registry (by digest; the space comes back at
   * the registry's garbage collection, docs/registry.md), then its record. Its owner or an admin
   * only. Throws REGISTRY_UNAVAILABLE, keeping the record, when the registry refuses; a manifest
   * the registry no longer has is taken as deleted.
   */
  async remove(viewer: Viewer, id: string): Promise<EnvironmentRow> {
    const row = this.ownedBy(viewer, id);
    try {
      await this.deleteManifest(row);
    } catch (err) {
      throw new ShivaError('REGISTRY_UNAVAILABLE', `The team's registry did not delete ${row.name}: ${(err as Error).message}`);
    }
    await this.deps.repo.remove(id);
    this.rows.delete(id);
    return row;
  }

  /** The environment `id` if `viewer` owns it or is an admin; ENVIRONMENT_NOT_FOUND for one they cannot see, FORBIDDEN for a shared one of someone else's. */
  private ownedBy(viewer: Viewer, id: string): EnvironmentRow {
    const row = this.rows.get(id);
    if (!row || !(viewer.admin || row.user_id === viewer.userId || row.shared === 1)) throw new ShivaError('ENVIRONMENT_NOT_FOUND');
    if (!viewer.admin && row.user_id !== viewer.userId) throw new ShivaError('FORBIDDEN', 'Only its owner or an admin may change a saved environment.');
    return row;
  }

  private async deleteManifest(row: EnvironmentRow): Promise<void> {
    const { registry, log } = this.deps;
    if (registry === null) return;
    // Two saves of the same filesystem and config can share a manifest: it stays while used.
    if ([...this.rows.values()].some((other) => other.id !== row.id && other.repository === row.repository && other.digest === row.digest)) return;
    try {
      await registry.deleteManifest(row.repository, row.digest);
      log.info({ repository: row.repository, digest: row.digest }, 'saved environment: manifest deleted from the registry');
    } catch (err) {
      if (err instanceof RegistryError && err.kind === 'not_found') return;
      log.warn({ repository: row.repository, digest: row.digest, err: (err as Error).message }, 'saved environment: the registry did not delete the manifest');
      throw err;
    }
  }
}

/** The API's view of a saved environment (contract Environment). */
export function toEnvironmentView(row: EnvironmentRow): Environment {
  return {
    id: row.id,
    name: row.name,
    owner: row.username,
    image: environmentImageName(row.username, row.name),
    description: row.description,
    baseImage: row.base_image,
    sizeBytes: row.size_bytes,
    layers: row.layers,
    shared: row.shared === 1,
    createdAt: row.created_at,
  };
}
