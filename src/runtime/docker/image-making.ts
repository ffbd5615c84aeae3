/**
 * Making and publishing images on a Docker Engine: a saved environment is a container's
 * filesystem with a configuration the hub chooses, pushed to the team's registry.
 *
 * Why not a plain `docker commit` with a config: the engine merges the container's own
 * configuration into the one given (every environment variable and label the given one lacks is
 * added, moby's `daemon/commit.go` `merge`) and records the container's whole configuration as
 * `container_config`, so the sandbox's secret and the hub's variables would be in the image. So
 * the container is committed untagged, and the image the user gets is declared anew: a
 * config-only `docker load` archive naming the committed image's layers and a configuration
 * written here. The engine loads a layer's file only when it lacks that layer
 * (`image/tarexport/load.go`), so the archive holds two small JSON files and no layer is copied.
 * The committed image is then removed.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type Docker from 'dockerode';
import tar from 'tar-stream';
import type { CommitOptions, ImageConfig, PullProgress } from '../types.js';
import { RuntimeError } from '../types.js';

/** ImageConfig from an engine's image inspect. */
export function imageConfigOf(config: Docker.ImageInspectInfo['Config'] | undefined): ImageConfig {
  return {
    env: [...(config?.Env ?? [])],
    cmd: config?.Cmd ? [...config.Cmd] : null,
    entrypoint: Array.isArray(config?.Entrypoint) ? [...config.Entrypoint] : typeof config?.Entrypoint === 'string' ? [config.Entrypoint] : null,
    workingDir: config?.WorkingDir ?? '',
    user: config?.User ?? '',
    exposedPorts: Object.keys(config?.ExposedPorts ?? {}),
    labels: { ...(config?.Labels ?? {}) },
  };
}

/**
 * The image configuration document (OCI image-spec `config.md`, which Docker's v1.2 matches) of
 * an image with `layers` (diff ids, lowest first) and exactly `config`. Each layer gets one
 * history entry, as the specification asks of non-empty layers.
 */
export function imageConfigDocument(config: ImageConfig, layers: readonly string[], platform: { architecture: string; os: string }, created: Date, comment: string): string {
  const at = created.toISOString();
  return JSON.stringify({
    architecture: platform.architecture,
    os: platform.os,
    created: at,
    config: {
      Env: config.env,
      Cmd: config.cmd,
      Entrypoint: config.entrypoint,
      WorkingDir: config.workingDir,
      User: config.user,
      ExposedPorts: Object.fromEntries(config.exposedPorts.map((p) => [p, {}])),
      Labels: config.labels,
    },
    rootfs: { type: 'layers', diff_ids: layers },
    history: layers.map((_, i) => ({ created: at, created_by: i === layers.length - 1 ? comment : `layer ${i + 1}` })),
  });
}

/**
 * A `docker load` archive (Docker's image archive: `manifest.json` and the config file) that
 * tags `ref` as the image of `configJson`. Its layer files are named but absent: the engine has
 * them already (see the module's comment).
 */
export async function configOnlyArchive(ref: string, configJson: string, layers: number): Promise<Buffer> {
  const configFile = `${createHash('sha256').update(configJson).digest('hex')}.json`;
  const manifest = JSON.stringify([{ Config: configFile, RepoTags: [ref], Layers: Array.from({ length: layers }, (_, i) => `${i}/layer.tar`) }]);
  const pack = tar.pack();
  pack.entry({ name: configFile }, configJson);
  pack.entry({ name: 'manifest.json' }, manifest);
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of pack) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** One JSON object of a push's progress stream (`POST /images/{name}/push`). */
export interface PushEvent {
  status?: string;
  id?: string;
  progressDetail?: { current?: number; total?: number };
  error?: string;
  errorDetail?: { message?: string };
  aux?: { Tag?: string; Digest?: string; Size?: number };
}

/**
 * The percent of a push: bytes sent of the layers being sent (a layer the registry has already,
 * "Layer already exists", counts as done). Never goes back, 99 at most until the stream ends.
 */
export class PushProgressTracker {
  private readonly layers = new Map<string, { total: number; sent: number }>();
  private highest = 0;

  feed(event: PushEvent): void {
    if (!event.id) return;
    const { current, total } = event.progressDetail ?? {};
    if (event.status === 'Pushing' && typeof total === 'number' && total > 0) this.layers.set(event.id, { total, sent: Math.min(current ?? 0, total) });
    else if (event.status === 'Pushed') {
      const layer = this.layers.get(event.id);
      if (layer) layer.sent = layer.total;
    }
  }

  progress(): PullProgress {
    let total = 0;
    let sent = 0;
    for (const layer of this.layers.values()) {
      total += layer.total;
      sent += layer.sent;
    }
    if (total > 0) this.highest = Math.max(this.highest, Math.min(99, Math.floor((100 * sent) / total)));
    return { percent: total > 0 ? this.highest : null, status: 'pushing' };
  }
}

/** What a commit needs of the runtime: its client and its deadline wrapper. */
export interface ImageMakingDeps {
  docker: Docker;
  /** Runs an engine call under the runtime's deadline, classifying its errors. */
  call<T>(what: string, run: (signal: AbortSignal) => Promise<T>, context: { notFound?: 'not_found' | 'image_not_found'; subject?: string }, extraMs?: number): Promise<T>;
  /** Extra time for an export and import, which read the whole filesystem (ms). */
  flattenMs: number;
}

/**
 * Runtime.commit on Docker (see the module's comment): returns the new image's id and depth.
 * A flatten exports the container's filesystem into an import (one layer) instead of committing.
 */
export async function commitContainer(deps: ImageMakingDeps, id: string, options: CommitOptions): Promise<{ id: string; layers: number }> {
  const { docker, call } = deps;
  const container = docker.getContainer(id);
  // The intermediate image: untagged for a commit, tagged for an import (which is how its id is found).
  const scratch = `shiva-scratch/${createHash('sha256').update(`${id}${Date.now()}${Math.random()}`).digest('hex').slice(0, 24)}:flatten`;
  let intermediate: string;
  if (options.flatten) {
    await call(
      `flatten the container ${id}`,
      async () => {
        // The deadline's race ends the wait; dockerode takes no signal for these two.
        const exported = await container.export();
        const [repo, tag] = scratch.split(':') as [string, string];
        await followToEnd(docker, await docker.importImage(exported, { repo, tag }));
      },
      { notFound: 'not_found', subject: id },
      deps.flattenMs,
    );
    intermediate = scratch;
  } else {
    const made = await call(`commit the container ${id}`, () => container.commit({ pause: options.pause }), { notFound: 'not_found', subject: id }, deps.flattenMs);
    intermediate = (made as { Id: string }).Id;
  }
  try {
    const image = await call(`inspect the image ${intermediate}`, () => docker.getImage(intermediate).inspect(), { notFound: 'image_not_found', subject: intermediate });
    const layers = image.RootFS?.Layers ?? [];
    const document = imageConfigDocument(options.config, layers, { architecture: image.Architecture, os: image.Os }, new Date(), options.flatten ? 'shiva save (flattened)' : 'shiva save');
    const archive = await configOnlyArchive(options.ref, document, layers.length);
    await call(`load the image ${options.ref}`, async () => followToEnd(docker, await docker.loadImage(Readable.from([archive]), { quiet: true })), { subject: options.ref });
    const made = await call(`inspect the image ${options.ref}`, () => docker.getImage(options.ref).inspect(), { notFound: 'image_not_found', subject: options.ref });
    return { id: made.Id, layers: made.RootFS?.Layers?.length ?? 0 };
  } finally {
    // Its layers stay, shared with the image just made; only the intermediate's name and config go.
    await call(`remove the image ${intermediate}`, () => docker.getImage(intermediate).remove({ noprune: false }), { subject: intermediate }).catch(() => {});
  }
}

/**
 * Reads an engine's JSON progress stream to its end; throws the first error it carries (a load,
 * an import and a push report failures inside a 200 answer).
 */
export function followToEnd(docker: Docker, stream: NodeJS.ReadableStream, onEvent?: (event: PushEvent) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    let failed: Error | null = null;
    docker.modem.followProgress(
      stream,
      (err) => {
        if (failed) reject(failed);
        else if (err) reject(err);
        else resolve();
      },
      (event: PushEvent) => {
        const message = event.errorDetail?.message ?? event.error;
        if (message && !failed) failed = new RuntimeError('failed', message);
        else onEvent?.(event);
      },
    );
  });
}
