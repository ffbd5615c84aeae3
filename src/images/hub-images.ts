/**
 * The hub's images, assembled once: the client of the team's registry and what is found in it,
 * saved environments, the catalogue users launch from, pulls of its images to the machines, and
 * saves of sandboxes as environments. Whoever opens a resource registers its close: this does
 * for the pulls and the saves.
 */
import type { Config } from '../config/schema.js';
import { Environments } from '../environments/environments.js';
import { EnvironmentSaver } from '../environments/save.js';
import type { Machine, MachineRegistry } from '../machines/registry.js';
import { registryClientOf, registryCredentialsOf } from '../registry/from-config.js';
import type { SandboxEvents } from '../sandboxes/events.js';
import type { Logger } from '../sandboxes/types.js';
import type { AuditRepository } from '../store/audit.js';
import type { Db } from '../store/database.js';
import { EnvironmentRepository } from '../store/environments.js';
import type { SandboxRepository } from '../store/sandboxes.js';
import { ImageCatalogue } from './catalogue.js';
import { ImagePulls } from './pulls.js';
import { RegistryCatalogue } from './registry-catalogue.js';

export interface HubImagesParts {
  config: Readonly<Config>;
  /** Where the registry's password is read from (registry.passwordEnv). */
  env: NodeJS.ProcessEnv;
  db: Db;
  machines: MachineRegistry;
  audit: AuditRepository;
  sandboxesRepo: SandboxRepository;
  events: SandboxEvents;
  log: Logger;
  /** Adds a close to the hub's, which run newest first. */
  onClose: (close: () => Promise<void> | void) => void;
}

export interface HubImages {
  /** What may be launched: the configured catalogue, the registry's images and saved environments. */
  images: ImageCatalogue;
  /** The images found in the team's registry, listed again by the hub's timer; null without a registry. */
  registryCatalogue: RegistryCatalogue | null;
  environments: Environments;
  saver: EnvironmentSaver;
  imagePulls: ImagePulls;
  /** Starts pulling the prePull images `machine` lacks, in the background; a failure is logged. */
  prePull(machine: Machine): void;
}

/** The hub's images from its parts; the saved environments are read from the database before it answers. */
export async function hubImages(parts: HubImagesParts): Promise<HubImages> {
  const { config, env, machines, log, onClose } = parts;
  const registry = registryClientOf(config, env);
  const registryCatalogue = registry && config.registry ? new RegistryCatalogue({ client: registry, host: new URL(config.registry.url).host, prefix: config.registry.prefix, log }) : null;
  const environments = new Environments({
    repo: new EnvironmentRepository(parts.db),
    registry,
    registryHost: config.registry ? new URL(config.registry.url).host : null,
    limits: config.environments,
    log,
  });
  await environments.load();
  const images = new ImageCatalogue(config, registryCatalogue, registryCredentialsOf(config, env), registry, environments);
  const imagePulls = new ImagePulls({
    machines,
    images,
    concurrency: config.images.pullConcurrency,
    audit: parts.audit,
    log,
    onPulled: (name) => {
      const machine = machines.get(name);
      if (machine) void machines.refreshImages(machine);
    },
  });
  onClose(() => imagePulls.close());
  const saver = new EnvironmentSaver({ config, repo: parts.sandboxesRepo, machines, events: parts.events, images, registry, environments, log });
  // Runs before the engines' connections close (the hub's closes run first to last, newest first).
  onClose(() => saver.close());
  const prePull = (machine: Machine) =>
    void imagePulls.prePull(machine).catch((err: Error) => log.warn({ machine: machine.name, err: err.message }, 'pre-pull failed'));
  return { images, registryCatalogue, environments, saver, imagePulls, prePull };
}
