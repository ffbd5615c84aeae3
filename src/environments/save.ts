/**
 * "Save my environment": a running sandbox's filesystem (its home excluded: a mount) becomes an
 * image in the team's registry, `<prefix>envs/<user>/<name>:<time>`, which its owner launches
 * later on any machine. The steps, each told on the sandbox's event stream:
 *
 *  1. commit the container with a clean configuration: the base image's own (environment,
 *     command, user), its labels and the environment's, nothing of the sandbox's (no secret, no
 *     hub variable; Runtime.commit);
 *  2. flatten it into one layer instead when it would have more than
 *     environments.flattenAboveLayers (save, launch, save … adds a layer each time, and the
 *     overlay filesystem mounts at most 127);
 *  3. push it with progress, with a token for that one repository (or the Basic credentials);
 *  4. read its manifest back (digest, size, depth), check the owner's size limit, record it.
 *
 * A failure ends with one event saying why, and nothing recorded.
 */
import type { Config } from '../config/schema.js';
import { ShivaError } from '../contract/errors.js';
import { plainText } from '../contract/plain-text.js';
import { GiB } from '../contract/resources.js';
import type { Identity } from '../auth/authenticator.js';
import type { ImageCatalogue } from '../images/catalogue.js';
import { DESCRIPTION_LABEL } from '../images/registry-catalogue.js';
import type { MachineRegistry } from '../machines/registry.js';
import { RegistryError, type ManifestInfo, type RegistryClient } from '../registry/client.js';
import { RuntimeError, type ImageConfig, type Runtime } from '../runtime/types.js';
import type { SandboxEvents } from '../sandboxes/events.js';
import type { Logger } from '../sandboxes/types.js';
import type { EnvironmentRow } from '../store/environments.js';
import type { SandboxRepository, SandboxRow } from '../store/sandboxes.js';
import type { Environments } from './environments.js';
import { environmentRepository, isValidEnvironmentName, saveTag } from './names.js';

/** What a save asks for (POST /api/sandboxes/:id/save). */
export interface SaveRequest {
  name: string;
  description?: string;
  /** Pause the sandbox's processes while its filesystem is read (default false). */
  pause?: boolean;
  /** Let every user see and launch it (default false: its owner and admins only). */
  shared?: boolean;
}

/** What a started save answers: where it goes. */
export interface SaveStarted {
  sandboxId: string;
  name: string;
  repository: string;
  tag: string;
}

export interface SaverDeps {
  config: Readonly<Pick<Config, 'registry' | 'environments'>>;
  repo: Pick<SandboxRepository, 'byId'>;
  machines: Pick<MachineRegistry, 'get'>;
  events: Pick<SandboxEvents, 'record'>;
  images: Pick<ImageCatalogue, 'credentialsFor' | 'list'>;
  registry: Pick<RegistryClient, 'manifest' | 'deleteManifest'> | null;
  environments: Pick<Environments, 'checkLimits' | 'record' | 'origin'>;
  log: Pick<Logger, 'info' | 'warn' | 'error'>;
}

/** The labels a saved environment carries (beside its base image's and the description). */
export const ENVIRONMENT_LABELS = {
  owner: 'org.shiva.environment.owner',
  name: 'org.shiva.environment.name',
  base: 'org.shiva.environment.base',
} as const;

const PROGRESS_EVERY_MS = 1000;

/** What start() hands a save: the running sandbox, where its image goes, and what was asked. */
interface SaveTarget {
  row: SandboxRow & { container_id: string };
  host: string;
  repository: string;
  tag: string;
  request: SaveRequest;
}

/** A save under way: its target, the environment's name, the image's reference and when it started. */
interface SaveJob extends SaveTarget {
  name: string;
  /** `<host>/<repository>:<tag>`: what is committed, pushed, and removed from the machine unless recorded. */
  ref: string;
  started: number;
}

/** What a saved environment comes from and says of itself. */
interface Lineage {
  /** The environment the sandbox was launched from, if it was. */
  origin: EnvironmentRow | undefined;
  baseImage: string;
  description: string;
}

type EventDetail = Parameters<SaverDeps['events']['record']>[4];

export class EnvironmentSaver {
  /** Saves under way by user id (one each: parallel saves would all push before the limits could count them), with the save's promise. */
  private readonly inFlight = new Map<number, Promise<void>>();
  private readonly stopping = new AbortController();

  constructor(private readonly deps: SaverDeps) {}

  /**
   * Checks the request and starts the save in the background; its progress and outcome are
   * events of the sandbox. Throws, with nothing started: REGISTRY_NOT_CONFIGURED,
   * INVALID_ENVIRONMENT_NAME, SANDBOX_NOT_FOUND (not the actor's own: admins do not save others'
   * sandboxes, which would push under another user's name), SANDBOX_NOT_RUNNING,
   * SAVE_IN_PROGRESS (the user has a save under way: one at a time each), ENVIRONMENT_LIMIT_REACHED,
   * ENVIRONMENT_SIZE_LIMIT.
   */
  async start(actor: Pick<Identity, 'userId' | 'username'>, sandboxId: string, request: SaveRequest): Promise<SaveStarted> {
    const registry = this.deps.config.registry;
    if (!registry || this.deps.registry === null) throw new ShivaError('REGISTRY_NOT_CONFIGURED');
    if (!isValidEnvironmentName(request.name)) throw new ShivaError('INVALID_ENVIRONMENT_NAME');
    const row = await this.deps.repo.byId(sandboxId);
    if (!row || row.user_id !== actor.userId) throw new ShivaError('SANDBOX_NOT_FOUND');
    if (row.state !== 'running' || row.container_id === null) throw new ShivaError('SANDBOX_NOT_RUNNING', `The sandbox ${row.name} is ${row.state}; only a running sandbox can be saved.`);
    if (this.inFlight.has(row.user_id)) throw new ShivaError('SAVE_IN_PROGRESS', 'One of your sandboxes is being saved; wait for that save to end.');
    this.deps.environments.checkLimits(actor.userId, request.name);
    const host = new URL(registry.url).host;
    const repository = environmentRepository(registry.prefix, row.username, request.name);
    const tag = saveTag(new Date());
    const job = this.run({ row: { ...row, container_id: row.container_id }, host, repository, tag, request })
      .catch((err: unknown) => this.deps.log.error({ sandbox: row.id, err: (err as Error).message }, 'save crashed'))
      .finally(() => this.inFlight.delete(row.user_id));
    this.inFlight.set(row.user_id, job);
    return { sandboxId: row.id, name: request.name, repository, tag };
  }

  /** Gives up the pushes under way (a hub that stops does not wait for 15 GB) and waits for the saves to end. */
  async close(): Promise<void> {
    this.stopping.abort(new Error('the hub is stopping'));
    await Promise.all(this.inFlight.values());
  }

  /** One save as the sequence of its steps: a failure in any ends it with one save_failed event, and the image leaves the machine unless it was recorded. */
  private async run(target: SaveTarget): Promise<void> {
    const job: SaveJob = { ...target, name: target.request.name, ref: `${target.host}/${target.repository}:${target.tag}`, started: Date.now() };
    const { name, request } = job;
    await this.say(job, `Saving the environment ${name}${request.pause ? ' (processes paused meanwhile)' : ''}`, { code: 'save_started', params: { name, paused: request.pause ? 1 : 0 } });
    const machine = this.deps.machines.get(job.row.machine);
    let pushed = false;
    let recorded = false;
    const lineage = this.lineage(job);
    try {
      if (!machine) throw new RuntimeError('failed', `the machine ${job.row.machine} is no longer configured`, { plain: true });
      const { flatten } = await this.commit(job, machine.runtime, lineage);
      await this.push(job, machine.runtime);
      pushed = true;
      const manifest = await this.manifestWithinLimits(job);
      const { replaced } = await this.record(job, lineage, manifest);
      recorded = true;
      await this.dropReplaced(job, machine.runtime, replaced);
      await this.sayDone(job, manifest, flatten);
    } catch (err) {
      await this.sayFailed(job, err, pushed);
    } finally {
      // The image stays on the machine once recorded (a launch there needs no pull), and goes otherwise.
      if (!recorded) await machine?.runtime.removeImage(job.ref).catch(() => {});
    }
  }

  /** Tells the save's progress on the sandbox's events, with the sandbox's state as it is now: one stopped during the save must not read as running again. */
  private async say(job: SaveJob, message: string, detail: EventDetail, percent: number | null = null): Promise<void> {
    try {
      const state = (await this.deps.repo.byId(job.row.id))?.state ?? job.row.state;
      await this.deps.events.record(job.row.id, state, message, percent, detail);
    } catch (err) {
      this.deps.log.warn({ sandbox: job.row.id, err: (err as Error).message }, 'could not record a save event');
    }
  }

  /** What the environment comes from and says of itself, the same in its labels and its record. */
  private lineage(job: SaveJob): Lineage {
    const { row, request } = job;
    // A sandbox launched from an environment was started from what that environment was: its catalogue entry's settings carry on.
    const origin = row.image.includes('/') ? this.deps.environments.origin(row.image) : undefined;
    return { origin, baseImage: origin?.base_image ?? row.image, description: plainText(request.description ?? '') };
  }

  /** Commits the container as the environment's image with a clean configuration, in one layer when it would have too many. */
  private async commit(job: SaveJob, runtime: Runtime, lineage: Lineage): Promise<{ flatten: boolean }> {
    const { row, name, ref, request } = job;
    const base = await runtime.inspectImage(row.image_ref);
    if (!base) throw new RuntimeError('failed', `the image ${row.image} is no longer on ${row.machine}`, { plain: true });
    const config = cleanConfig(base.config, { owner: row.username, name, base: lineage.baseImage, description: lineage.description });
    const { flattenAboveLayers } = this.deps.config.environments;
    const flatten = base.layers + 1 > flattenAboveLayers;
    if (flatten) {
      await this.say(job, `${name}: the image has ${base.layers + 1} layers, near the limit of 127; saving it as one layer`, { code: 'save_flattening', params: { name, layers: base.layers + 1 } });
    }
    await runtime.commit(row.container_id, { ref, config, pause: request.pause === true, flatten });
    return { flatten };
  }

  /** Pushes the image to the team's registry, telling its progress at most once a second; given up when the hub stops. */
  private async push(job: SaveJob, runtime: Runtime): Promise<void> {
    const { name, ref } = job;
    const credentials = await this.deps.images.credentialsFor(ref, 'pull,push');
    let last = 0;
    await runtime.pushImage(
      ref,
      (p) => {
        if (p.percent === null || p.percent >= 100 || Date.now() - last < PROGRESS_EVERY_MS) return;
        last = Date.now();
        const percent = Math.floor(p.percent);
        void this.say(job, `Pushing ${name} to the team's registry: ${percent}%`, { code: 'save_progress', params: { name, percent } }, percent);
      },
      this.stopping.signal,
      credentials,
    );
  }

  /** The pushed manifest as the registry has it; one over the owner's size limit is deleted from the registry and the limit's error thrown. */
  private async manifestWithinLimits(job: SaveJob): Promise<ManifestInfo> {
    const { row, name, repository, tag } = job;
    const manifest = await this.deps.registry!.manifest(repository, tag);
    try {
      this.deps.environments.checkLimits(row.user_id, name, manifest.sizeBytes);
    } catch (err) {
      await this.deps.registry!.deleteManifest(repository, manifest.digest).catch(() => {});
      throw err;
    }
    return manifest;
  }

  /** Records the environment, sudo or not as the image it comes from; answers the save of that name it replaced, if any. */
  private async record(job: SaveJob, lineage: Lineage, manifest: ManifestInfo): Promise<{ replaced: EnvironmentRow | null }> {
    const { row, name, repository, tag, request } = job;
    const { origin, baseImage, description } = lineage;
    const sudo = origin ? origin.sudo === 1 : (this.deps.images.list().find((i) => i.entry.name === row.image)?.entry.sudo ?? false);
    return this.deps.environments.record({
      user_id: row.user_id,
      username: row.username,
      name,
      description,
      base_image: baseImage,
      sudo: sudo ? 1 : 0,
      repository,
      tag,
      digest: manifest.digest,
      size_bytes: manifest.sizeBytes,
      layers: manifest.layers,
      shared: request.shared ? 1 : 0,
      created_at: new Date().toISOString(),
    });
  }

  /** Removes the replaced save's image from this machine: it stays there only while something else holds it. */
  private async dropReplaced(job: SaveJob, runtime: Runtime, replaced: EnvironmentRow | null): Promise<void> {
    if (replaced && replaced.tag !== job.tag) await runtime.removeImage(`${job.host}/${replaced.repository}:${replaced.tag}`).catch(() => {});
  }

  /** Logs the saved environment and tells its size and how long the save took. */
  private async sayDone(job: SaveJob, manifest: ManifestInfo, flatten: boolean): Promise<void> {
    const { row, name, repository, tag, started } = job;
    const sizeGiB = Math.round((manifest.sizeBytes / GiB) * 100) / 100;
    const seconds = Math.round((Date.now() - started) / 100) / 10;
    this.deps.log.info({ sandbox: row.id, repository, tag, digest: manifest.digest, sizeBytes: manifest.sizeBytes, layers: manifest.layers, flattened: flatten, seconds }, 'environment saved');
    await this.say(job, `Saved ${name}: ${sizeGiB} GiB in ${seconds} s`, { code: 'saved', params: { name, sizeGiB, seconds } });
  }

  /** Logs why the save failed, with whether it had pushed, and tells the user in words they can act on. */
  private async sayFailed(job: SaveJob, err: unknown, pushed: boolean): Promise<void> {
    const { row, name, repository, tag } = job;
    const reason = saveFailureReason(err, row.machine);
    this.deps.log.warn({ sandbox: row.id, repository, tag, pushed, err: (err as Error).message }, 'saving an environment failed');
    await this.say(job, `Saving ${name} failed: ${reason}`, { code: 'save_failed', params: { name, reason } });
  }
}

/**
 * The configuration of a saved environment: its base image's (environment, command, user, work
 * folder, ports), the base's labels but earlier environments', and this environment's labels.
 */
export function cleanConfig(base: ImageConfig, environment: { owner: string; name: string; base: string; description: string }): ImageConfig {
  const inherited = Object.fromEntries(Object.entries(base.labels).filter(([key]) => !key.startsWith('org.shiva.environment.') && key !== DESCRIPTION_LABEL));
  return {
    ...base,
    labels: {
      ...inherited,
      ...(environment.description ? { [DESCRIPTION_LABEL]: environment.description } : {}),
      [ENVIRONMENT_LABELS.owner]: environment.owner,
      [ENVIRONMENT_LABELS.name]: environment.name,
      [ENVIRONMENT_LABELS.base]: environment.base,
    },
  };
}

/** Why a save failed, one sentence a user can act on; engine internals go to the log only. */
export function saveFailureReason(err: unknown, machine: string): string {
  if (err instanceof ShivaError) return err.message;
  if (err instanceof Error && err.message === 'the hub is stopping') return 'the hub stopped before the push ended; save again';
  if (err instanceof RegistryError) return `the team's registry refused: ${err.message}`;
  if (err instanceof RuntimeError) {
    if (err.plain) return err.message;
    if (err.kind === 'unavailable') return `the container engine of ${machine} does not answer`;
    if (err.kind === 'not_found') return 'the sandbox\'s container is gone';
    return `the container engine of ${machine} refused; the hub's log has the details`;
  }
  return "something went wrong in the hub; its log has the details";
}
