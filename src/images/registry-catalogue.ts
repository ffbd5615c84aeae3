/**
 * The catalogue entries found in the team's registry (docs/registry.md): every tag of every
 * repository under `registry.prefix`, except saved environments (`<prefix>envs/`), with the
 * image's size and digest from its manifest and its description from the label
 * `org.shiva.description`. A refresh that fails keeps the last good listing and says why, so a
 * registry that is down for a minute does not empty the launch form. What a registry answers is
 * bounded: at most MAX_IMAGES images, descriptions of MAX_DESCRIPTION characters
 * (src/contract/plain-text.ts), and a refresh that takes longer than its deadline fails (the
 * last listing stays).
 */
import { isValidName } from '../contract/names.js';
import { plainText } from '../contract/plain-text.js';
import type { RegistryClient } from '../registry/client.js';
import type { Logger } from '../sandboxes/types.js';

/** One launchable image found in the registry. */
export interface RegistryEntry {
  /** What users choose: the repository under the prefix with `/` as `-`, and `-<tag>` unless the tag is latest. */
  name: string;
  /**
   * The reference engines pull: `<registry host>/<repository>@<digest>`, the manifest that was
   * listed, so a tag moved since the listing cannot launch something other than what was shown.
   */
  image: string;
  repository: string;
  tag: string;
  description: string;
  /** Compressed, as pushed (config and layers). */
  sizeBytes: number;
  digest: string;
  layers: number;
}

export interface RegistryCatalogueDeps {
  client: Pick<RegistryClient, 'repositories' | 'tags' | 'manifest' | 'labels'>;
  /** The registry's `host[:port]`, as image references name it. */
  host: string;
  /** `registry.prefix`, ending in `/` or empty. */
  prefix: string;
  log: Pick<Logger, 'warn'>;
  /** Manifests read at once (default 4). */
  concurrency?: number;
  /** Time for one whole refresh, in ms (default 120 s). */
  deadlineMs?: number;
}

/** Images listed at most: a launch form of more helps no one, and each costs two reads a refresh. */
export const MAX_IMAGES = 1000;

/** The label an image carries its description in. */
export const DESCRIPTION_LABEL = 'org.shiva.description';

/** The catalogue name of `repository`:`tag` under `prefix`; null when it cannot be one (too long, nothing left). */
export function entryName(repository: string, tag: string, prefix: string): string | null {
  const base = repository.slice(prefix.length).replaceAll('/', '-');
  const suffix = tag === 'latest' ? '' : `-${tag.toLowerCase()}`;
  const name = `${base}${suffix}`.replace(/[^a-z0-9-]+/g, '-').replace(/-{2,}/g, '-').replace(/^-+|-+$/g, '');
  return isValidName(name) ? name : null;
}

export class RegistryCatalogue {
  private current: readonly RegistryEntry[] = [];
  private problem: string | null = null;
  private running: Promise<void> | null = null;
  /** Descriptions by config digest, read once (an image's labels never change under its digest), shared by reads in flight. */
  private readonly descriptions = new Map<string, Promise<string>>();

  constructor(private readonly deps: RegistryCatalogueDeps) {}

  /** The entries of the last listing that succeeded (none before the first). */
  entries(): readonly RegistryEntry[] {
    return this.current;
  }

  /** Why the last refresh failed; null when it did not. */
  error(): string | null {
    return this.problem;
  }

  /**
   * Lists the registry again. Never throws: a failure leaves the last listing in place and is
   * kept in error(); an image that cannot be read or named is left out with a warning.
   */
  async refresh(): Promise<void> {
    // One at a time, whoever asks (the first listing at start and the timer): the newest would
    // otherwise be overwritten by an older one finishing later.
    this.running ??= this.list().finally(() => (this.running = null));
    return this.running;
  }

  private async list(): Promise<void> {
    const { client, prefix, log } = this.deps;
    const deadlineMs = this.deps.deadlineMs ?? 120_000;
    const deadline = Date.now() + deadlineMs;
    // Ends a request in flight at the deadline too, not only between requests.
    const signal = AbortSignal.timeout(deadlineMs);
    try {
      const repositories = (await client.repositories({ signal })).filter((r) => r.startsWith(prefix) && !r.startsWith(`${prefix}envs/`)).sort();
      const wanted: Array<{ repository: string; tag: string }> = [];
      for (const repository of repositories) {
        if (wanted.length >= MAX_IMAGES) break;
        this.checkDeadline(deadline);
        let tags: string[];
        try {
          tags = await client.tags(repository, { signal });
        } catch (err) {
          log.warn({ repository, err: (err as Error).message }, 'registry catalogue: the tags of this repository could not be read; left out');
          continue;
        }
        for (const tag of tags.sort()) wanted.push({ repository, tag });
      }
      if (wanted.length > MAX_IMAGES) {
        log.warn({ images: wanted.length, kept: MAX_IMAGES }, 'registry catalogue: more images under the prefix than the catalogue lists; the first by name are kept');
        wanted.length = MAX_IMAGES;
      }
      const seen = new Set<string>();
      const found = await this.read(wanted, seen, deadline, signal);
      // Forget the descriptions of images no longer in the registry.
      for (const config of this.descriptions.keys()) if (!seen.has(config)) this.descriptions.delete(config);
      // Two images that would have one name are both left out: which one a user launched would
      // otherwise depend on the order the registry lists them in.
      const count = new Map<string, number>();
      for (const entry of found) count.set(entry.name, (count.get(entry.name) ?? 0) + 1);
      for (const entry of found) if (count.get(entry.name)! > 1) log.warn({ image: entry.image, name: entry.name }, 'registry catalogue: another image has this name; both are left out');
      this.current = found.filter((e) => count.get(e.name) === 1);
      this.problem = null;
    } catch (err) {
      this.problem = (err as Error).message;
      log.warn({ err: this.problem }, 'registry catalogue: listing the registry failed; keeping the last listing');
    }
  }

  private checkDeadline(deadline: number): void {
    if (Date.now() > deadline) throw new Error(`listing the registry took longer than ${Math.round((this.deps.deadlineMs ?? 120_000) / 1000)} s`);
  }

  /** The entries of `wanted`, a few at once; adds each image's config digest to `seen`. */
  private async read(wanted: ReadonlyArray<{ repository: string; tag: string }>, seen: Set<string>, deadline: number, signal: AbortSignal): Promise<RegistryEntry[]> {
    const out: Array<RegistryEntry | null> = new Array(wanted.length).fill(null);
    let next = 0;
    const worker = async () => {
      while (next < wanted.length) {
        this.checkDeadline(deadline);
        const i = next++;
        out[i] = await this.entry(wanted[i]!.repository, wanted[i]!.tag, seen, signal);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.deps.concurrency ?? 4, wanted.length) }, worker));
    return out.filter((e): e is RegistryEntry => e !== null);
  }

  private async entry(repository: string, tag: string, seen: Set<string>, signal: AbortSignal): Promise<RegistryEntry | null> {
    const tagged = `${this.deps.host}/${repository}:${tag}`;
    const name = entryName(repository, tag, this.deps.prefix);
    if (name === null) {
      this.deps.log.warn({ image: tagged }, 'registry catalogue: no catalogue name can be made of this image (lowercase, digits, dashes, 32 at most); left out');
      return null;
    }
    try {
      const manifest = await this.deps.client.manifest(repository, tag, { signal });
      seen.add(manifest.configDigest);
      let reading = this.descriptions.get(manifest.configDigest);
      if (reading === undefined) {
        reading = this.deps.client.labels(repository, manifest.configDigest, { signal }).then((labels) => plainText(labels[DESCRIPTION_LABEL] ?? ''));
        this.descriptions.set(manifest.configDigest, reading);
        // A failed read is tried again at the next refresh.
        reading.catch(() => this.descriptions.delete(manifest.configDigest));
      }
      const description = await reading;
      return { name, image: `${this.deps.host}/${repository}@${manifest.digest}`, repository, tag, description, sizeBytes: manifest.sizeBytes, digest: manifest.digest, layers: manifest.layers };
    } catch (err) {
      this.deps.log.warn({ image: tagged, err: (err as Error).message }, 'registry catalogue: this image could not be read; left out');
      return null;
    }
  }
}
