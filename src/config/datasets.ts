/**
 * The checks of `storage.datasets` that the schema cannot express: each dataset's paths against
 * the others', the homes, the data directory, the engines' sockets, the GPU driver mounts and the
 * system folders. A dataset is mounted into many users' sandboxes: a path that overlaps one of
 * these would hand them the hub's secrets, other users' homes or the machine itself.
 */
import { KNOWN_ENGINE_SOCKETS } from '../runtime/docker/containers.js';
import { ConfigError } from './load.js';
import { pathsOverlap, plainPath, systemPathOf, unsafePathReason } from './paths.js';
import type { Config } from './schema.js';

/** Where the bundled images keep the home when neither the catalogue nor the image label says. */
export const DEFAULT_HOME_INSIDE = '/home/shiva';

/**
 * Throws a ConfigError naming the key path (`storage.datasets.<name>.<key>`) at the first dataset
 * that cannot be mounted safely. `config.dataDir` and `config.homes.root` must be resolved already.
 */
export function checkDatasets(config: Config): void {
  const names = new Set<string>();
  const inside = new Map<string, string>();
  for (const dataset of config.storage.datasets) {
    const key = `configuration key storage.datasets.${dataset.name}`;
    if (names.has(dataset.name)) throw new ConfigError(`configuration key storage.datasets has the name ${dataset.name} twice`);
    names.add(dataset.name);
    for (const field of ['hostPath', 'containerPath'] as const) {
      const why = unsafePathReason(dataset[field]);
      if (why) throw new ConfigError(`${key}.${field}: ${dataset[field]} ${why}`);
      const system = systemPathOf(dataset[field]);
      if (system) {
        const where = field === 'hostPath' ? "the machine's system folder" : 'the system folder';
        throw new ConfigError(`${key}.${field}: ${dataset[field]} is or lies inside ${where} ${system}; use a folder of its own such as /datasets/${dataset.name}`);
      }
    }
    checkHostPath(config, key, dataset.hostPath);
    checkContainerPath(config, key, dataset.containerPath);
    for (const [other, path] of inside) {
      if (pathsOverlap(path, dataset.containerPath)) {
        throw new ConfigError(`${key}.containerPath: ${dataset.containerPath} overlaps the containerPath ${path} of the dataset ${other}`);
      }
    }
    inside.set(dataset.name, dataset.containerPath);
    if (dataset.users?.length === 0 && dataset.admins !== true) {
      throw new ConfigError(`${key}.users is empty and admins is not true: nobody would get the dataset`);
    }
    if (dataset.users === undefined && dataset.admins === false) {
      throw new ConfigError(`${key}.admins is false and users is not set: nobody would get the dataset`);
    }
  }
}

function checkHostPath(config: Config, key: string, hostPath: string): void {
  const own: Array<[string, string]> = [
    ['dataDir', config.dataDir],
    ['homes.root', config.homes.root!],
  ];
  for (const [what, dir] of own) {
    if (pathsOverlap(hostPath, dir)) {
      throw new ConfigError(`${key}.hostPath: ${hostPath} overlaps ${what} (${dir}), which must never be mounted into sandboxes`);
    }
  }
  const sockets = [...KNOWN_ENGINE_SOCKETS, ...config.machines.flatMap((m) => (m.docker.startsWith('unix://') ? [m.docker.slice('unix://'.length)] : []))];
  for (const socket of sockets) {
    if (pathsOverlap(hostPath, socket)) throw new ConfigError(`${key}.hostPath: ${hostPath} would expose the engine's socket ${socket}`);
  }
  for (const m of config.machines) {
    if (m.gpus.mode !== 'devices') continue;
    for (const library of [...m.gpus.driverLibraries, m.gpus.devicesDir]) {
      if (pathsOverlap(hostPath, library)) {
        throw new ConfigError(`${key}.hostPath: ${hostPath} overlaps ${library}, which machine ${m.name} mounts for its GPUs`);
      }
    }
  }
}

function checkContainerPath(config: Config, key: string, containerPath: string): void {
  const homes = new Map<string, string>([[plainPath(DEFAULT_HOME_INSIDE), 'the default home']]);
  for (const image of config.images.catalogue) {
    if (image.home && !homes.has(plainPath(image.home))) homes.set(plainPath(image.home), `the home of the image ${image.name}`);
  }
  for (const [home, what] of homes) {
    if (pathsOverlap(containerPath, home)) {
      throw new ConfigError(`${key}.containerPath: ${containerPath} overlaps ${home}, ${what}: a dataset must lie outside every home`);
    }
  }
  for (const m of config.machines) {
    if (m.gpus.mode !== 'devices') continue;
    // The driver's files are mounted at their own path inside the sandbox.
    for (const library of m.gpus.driverLibraries) {
      if (pathsOverlap(containerPath, library)) {
        throw new ConfigError(`${key}.containerPath: ${containerPath} overlaps ${library}, which machine ${m.name} mounts for its GPUs`);
      }
    }
  }
}
