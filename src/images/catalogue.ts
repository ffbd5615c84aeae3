/**
 * What users may launch: the configured catalogue (`images.catalogue`) and, with a registry
 * configured, the images found in it under `registry.prefix` (registry-catalogue.ts). A
 * configured entry wins a name both have. The one place that answers "which image is this
 * name" for launches and "what is there" for GET /api/images, and which credentials a pull from
 * the team's registry needs.
 */
import type { Config, ImageEntry } from '../config/schema.js';
import type { RegistryCredentials } from '../runtime/types.js';
import type { RegistryCatalogue } from './registry-catalogue.js';

/** An image users may launch, with where it was found and, for a registry image, its size. */
export interface CatalogueImage {
  entry: ImageEntry;
  source: 'config' | 'registry';
  /** Compressed size in the registry (config and layers), in bytes; null for configured entries. */
  sizeBytes: number | null;
}

export class ImageCatalogue {
  private readonly registryHost: string | null;

  constructor(
    private readonly config: Readonly<Pick<Config, 'images' | 'registry'>>,
    private readonly registry: Pick<RegistryCatalogue, 'entries'> | null = null,
    /** The registry's credentials (username and the password from registry.passwordEnv), or null when it asks for none. */
    private readonly credentials: { username: string; password: string } | null = null,
  ) {
    this.registryHost = config.registry ? new URL(config.registry.url).host : null;
  }

  /** The configured entries, then the registry's whose names no configured entry has. */
  list(): CatalogueImage[] {
    const out: CatalogueImage[] = this.config.images.catalogue.map((entry) => ({ entry, source: 'config', sizeBytes: null }));
    const taken = new Set(out.map((i) => i.entry.name));
    for (const found of this.registry?.entries() ?? []) {
      if (taken.has(found.name)) continue;
      out.push({ entry: { name: found.name, image: found.image, description: found.description, sudo: false, env: {}, prePull: false }, source: 'registry', sizeBytes: found.sizeBytes });
    }
    return out;
  }

  /** The entry users call `name`, or undefined. */
  find(name: string): ImageEntry | undefined {
    return this.list().find((i) => i.entry.name === name)?.entry;
  }

  /** The credentials a pull of `ref` needs: the registry's, when `ref` is in the team's registry and it has any. */
  credentialsFor(ref: string): RegistryCredentials | undefined {
    if (this.registryHost === null || this.credentials === null || !ref.startsWith(`${this.registryHost}/`)) return undefined;
    return { ...this.credentials, serveraddress: this.registryHost };
  }
}
