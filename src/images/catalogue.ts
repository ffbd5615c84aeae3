/**
 * What users may launch: the configured catalogue (`images.catalogue`) and, with a registry
 * configured, the images found in it under `registry.prefix` (registry-catalogue.ts). A
 * configured entry wins a name both have. The one place that answers "which image is this
 * name" for launches and "what is there" for GET /api/images, and which credentials a pull from
 * the team's registry needs.
 */
import type { Config, ImageEntry } from '../config/schema.js';
import type { RegistryClient } from '../registry/client.js';
import type { RegistryCredentials } from '../runtime/types.js';
import type { RegistryCatalogue } from './registry-catalogue.js';
import type { Environments, Viewer } from '../environments/environments.js';
import { environmentImageName } from '../environments/names.js';
import type { EnvironmentRow } from '../store/environments.js';

/** An image users may launch, with where it was found and, for a registry image, its size. */
export interface CatalogueImage {
  entry: ImageEntry;
  source: 'config' | 'registry' | 'environment';
  /** Compressed size in the registry (config and layers), in bytes; null for configured entries. */
  sizeBytes: number | null;
  /** For a saved environment: its record (owner, when, shared). */
  environment?: EnvironmentRow;
}

/** Who lists or launches: saved environments are listed to those who may see them only. */
export type ImageViewer = Viewer;

export class ImageCatalogue {
  private readonly registryHost: string | null;
  /**
   * Each saved environment's entry, made once per version of its record: Environments replaces a
   * record whenever it is saved again or shared or unshared and drops it when deleted, so an entry
   * of an older version is never found again and goes with it.
   */
  private readonly environmentImages = new WeakMap<EnvironmentRow, CatalogueImage>();

  constructor(
    private readonly config: Readonly<Pick<Config, 'images' | 'registry'>>,
    private readonly registry: Pick<RegistryCatalogue, 'entries'> | null = null,
    /** The registry's credentials (username and the password from registry.passwordEnv), or null when it asks for none. */
    private readonly credentials: { username: string; password: string } | null = null,
    /** The hub's client of the registry, which asks it how engines are to authenticate. */
    private readonly client: Pick<RegistryClient, 'engineAuth'> | null = null,
    /** Saved environments, listed after the rest to those who may see them (src/environments/). */
    private readonly environments: Pick<Environments, 'visibleTo' | 'imageRef'> | null = null,
  ) {
    this.registryHost = config.registry ? new URL(config.registry.url).host : null;
  }

  /**
   * The configured entries, then the registry's whose names no configured entry has, then the
   * saved environments `viewer` may see (named `<owner>/<name>`, which no catalogue name can be).
   */
  list(viewer?: ImageViewer): CatalogueImage[] {
    const out: CatalogueImage[] = this.config.images.catalogue.map((entry) => ({ entry, source: 'config', sizeBytes: null }));
    const taken = new Set(out.map((i) => i.entry.name));
    for (const found of this.registry?.entries() ?? []) {
      if (taken.has(found.name)) continue;
      out.push({ entry: { name: found.name, image: found.image, description: found.description, sudo: false, env: {}, prePull: false }, source: 'registry', sizeBytes: found.sizeBytes });
    }
    if (viewer && this.environments) {
      for (const row of this.environments.visibleTo(viewer)) out.push(this.environmentImage(row, this.environments));
    }
    return out;
  }

  /** The catalogue image of a saved environment, made at the first list after it changed. */
  private environmentImage(row: EnvironmentRow, environments: Pick<Environments, 'imageRef'>): CatalogueImage {
    let image = this.environmentImages.get(row);
    if (image === undefined) {
      // What the base entry says of ports, home and environment variables still holds.
      const base = this.config.images.catalogue.find((e) => e.name === row.base_image);
      const entry: ImageEntry = { ...(base ?? { env: {}, prePull: false }), prePull: false, name: environmentImageName(row.username, row.name), image: environments.imageRef(row), description: row.description, sudo: row.sudo === 1 };
      image = { entry, source: 'environment', sizeBytes: row.size_bytes, environment: row };
      this.environmentImages.set(row, image);
    }
    return image;
  }

  /** The entry users call `name`, or undefined (a saved environment `viewer` may not see is none). */
  find(name: string, viewer?: ImageViewer): ImageEntry | undefined {
    return this.list(viewer).find((i) => i.entry.name === name)?.entry;
  }

  /**
   * What an engine needs to pull (or, with `push`, push) `ref`: nothing unless `ref` is in the
   * team's registry and the hub has credentials for it; then a token for that repository where
   * the registry asks for bearer tokens (RegistryClient.engineAuth: the engine never holds the
   * password, which it would send to any token service the registry names), or the username and
   * password where it asks for Basic. Throws RegistryError when the registry cannot be asked.
   */
  async credentialsFor(ref: string, actions: 'pull' | 'pull,push' = 'pull'): Promise<RegistryCredentials | undefined> {
    if (this.registryHost === null || this.credentials === null || this.client === null || !ref.startsWith(`${this.registryHost}/`)) return undefined;
    const repository = ref.slice(this.registryHost.length + 1).replace(/@.*$/, '').replace(/:[^/]*$/, '');
    const auth = await this.client.engineAuth(repository, actions);
    if (auth === null) return undefined;
    if (auth === 'basic') return { ...this.credentials, serveraddress: this.registryHost };
    return { ...auth, serveraddress: this.registryHost };
  }
}
