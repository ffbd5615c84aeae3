/**
 * Loading the configuration: YAML from --config or SHIVA_CONFIG, embedded defaults for the rest,
 * validated once against the schema, then frozen. Errors name the bad key path.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { checkDatasets } from './datasets.js';
import { cullingProblem } from './culling.js';
import { uidRangeProblem } from '../store/user-ids.js';
import { ConfigSchema, DEFAULT_IMAGES, type Config } from './schema.js';

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export interface LoadOptions {
  /** Path of a YAML file; when absent, SHIVA_CONFIG is used, and when that is absent, defaults only. */
  file?: string;
  /** Values laid over the file (tests use this). */
  overrides?: Record<string, unknown>;
  env?: NodeJS.ProcessEnv;
}

export function loadConfig(options: LoadOptions = {}): Readonly<Config> {
  const env = options.env ?? process.env;
  const file = options.file ?? env.SHIVA_CONFIG;
  let raw: unknown = {};
  if (file) raw = readYaml(file);
  if (raw === null || raw === undefined) raw = {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new ConfigError(`${file}: the top level must be a mapping`);
  return parseConfig({ ...(raw as Record<string, unknown>), ...options.overrides }, env);
}

/** Validates a configuration object and fills the defaults. */
export function parseConfig(input: Record<string, unknown>, env: NodeJS.ProcessEnv = process.env): Readonly<Config> {
  const withDefaults: Record<string, unknown> = {
    machines: [{ name: 'local', docker: env.DOCKER_HOST || 'unix:///var/run/docker.sock' }],
    images: DEFAULT_IMAGES,
    ...input,
  };
  // A catalogue without a named default starts from its first entry.
  const images = withDefaults.images as { default?: unknown; catalogue?: Array<{ name?: unknown }> } | undefined;
  if (images && typeof images === 'object' && images.default === undefined && Array.isArray(images.catalogue)) {
    withDefaults.images = { ...images, default: images.catalogue[0]?.name };
  }
  const candidate = Value.Default(ConfigSchema, structuredClone(withDefaults));
  const first = Value.Errors(ConfigSchema, candidate).First();
  if (first) {
    const where = first.path ? first.path.slice(1).replaceAll('/', '.') : '(top level)';
    throw new ConfigError(`configuration key ${where}: ${first.message.toLowerCase()}`);
  }
  const config = candidate as Config;
  if (env.SHIVA_DATA_DIR) config.dataDir = env.SHIVA_DATA_DIR;
  config.dataDir = path.resolve(config.dataDir);
  config.homes.root = path.resolve(config.homes.root ?? path.join(config.dataDir, 'homes'));
  checkConsistency(config, input);
  const passwordEnv = config.registry?.passwordEnv;
  if (passwordEnv !== undefined && !env[passwordEnv]) {
    throw new ConfigError(`configuration key registry.passwordEnv names ${passwordEnv}, which is not set in the hub's environment`);
  }
  checkDatasets(config);
  return deepFreeze(config);
}

function checkConsistency(config: Config, input: Record<string, unknown>): void {
  const names = new Set<string>();
  for (const entry of config.images.catalogue) {
    if (names.has(entry.name)) throw new ConfigError(`configuration key images.catalogue has the name ${entry.name} twice`);
    names.add(entry.name);
  }
  if (!names.has(config.images.default)) {
    throw new ConfigError(`configuration key images.default names ${config.images.default}, which is not in images.catalogue`);
  }
  const registry = config.registry;
  if (registry && (registry.username === undefined) !== (registry.passwordEnv === undefined)) {
    throw new ConfigError('configuration keys registry.username and registry.passwordEnv go together: a registry that asks for credentials needs both');
  }
  const uids = uidRangeProblem({ first: config.identity.firstUid, last: config.identity.lastUid });
  if (uids) throw new ConfigError(`configuration key ${uids}`);
  const oidc = config.auth.oidc;
  if (oidc?.gidClaim && !oidc.uidClaim) throw new ConfigError('configuration key auth.oidc.gidClaim needs auth.oidc.uidClaim');
  if (oidc && !oidc.issuer && !oidc.preset) throw new ConfigError('configuration key auth.oidc needs an issuer or a preset');
  if (!config.auth.local.enabled && !oidc) {
    throw new ConfigError('configuration key auth.local.enabled is false but auth.oidc is not set: nobody could sign in');
  }
  const machines = new Set<string>();
  // Engines on unix sockets run on the hub's own host, where one interface name means one
  // bridge: two engines there need two names (several machines on one engine share its network).
  const localBridges = new Map<string, { machine: string; docker: string }>();
  for (const m of config.machines) {
    if (m.docker.startsWith('unix://')) {
      const bridge = m.bridge ?? config.sandboxes.network;
      const other = localBridges.get(bridge)?.docker === m.docker ? undefined : localBridges.get(bridge)?.machine;
      if (other !== undefined) {
        throw new ConfigError(`configuration key machines.${m.name}.bridge: the engines of ${other} and ${m.name} are both on this host and cannot both name their sandbox bridge ${bridge}; give one another bridge`);
      }
      if (!localBridges.has(bridge)) localBridges.set(bridge, { machine: m.name, docker: m.docker });
    }
    if (machines.has(m.name)) throw new ConfigError(`configuration key machines has the name ${m.name} twice`);
    machines.add(m.name);
    const indexes = new Set<number>();
    const uuids = new Set<string>();
    for (const gpu of m.gpus.static) {
      if (indexes.has(gpu.index) || uuids.has(gpu.uuid)) {
        throw new ConfigError(`configuration key machines.${m.name}.gpus.static lists GPU ${gpu.uuid} (index ${gpu.index}) twice`);
      }
      indexes.add(gpu.index);
      uuids.add(gpu.uuid);
    }
    if (m.gpus.source === 'static' && m.gpus.static.length === 0) {
      throw new ConfigError(`configuration key machines.${m.name}.gpus.source is static but gpus.static lists no GPU`);
    }
    if (m.gpus.source === 'prometheus' && (!config.prometheus || !m.prometheus)) {
      throw new ConfigError(`configuration key machines.${m.name}.gpus.source is prometheus but prometheus.url or the machine's prometheus.instance is not set`);
    }
    if (m.docker.startsWith('ssh://') && !m.ssh) {
      const fromEnv = input.machines === undefined ? ' (this machine comes from DOCKER_HOST: list it under machines with its ssh key)' : '';
      throw new ConfigError(
        `configuration key machines.${m.name}.ssh.hostKey is required for an ssh:// engine (the SHA256:… fingerprint ssh-keygen -lf prints for its host key), so that no other host can pose as it${fromEnv}`,
      );
    }
    for (const library of m.gpus.driverLibraries) {
      // Mounted into every GPU sandbox: never the hub's own state (password and token hashes) or others' homes.
      for (const [what, dir] of [['dataDir', config.dataDir], ['homes.root', config.homes.root!]] as const) {
        const lib = path.resolve(library);
        if (lib === dir || lib.startsWith(`${dir}/`) || dir.startsWith(`${lib === '/' ? '' : lib}/`)) {
          throw new ConfigError(`configuration key machines.${m.name}.gpus.driverLibraries: ${library} overlaps ${what} (${dir}), which must never be mounted into sandboxes`);
        }
      }
    }
    if (m.ssh && !m.docker.startsWith('ssh://')) {
      throw new ConfigError(`configuration key machines.${m.name}.ssh applies to ssh:// engines only`);
    }
    if (m.prometheus && !config.prometheus) {
      throw new ConfigError(`configuration key machines.${m.name}.prometheus needs the top-level prometheus.url`);
    }
  }
  const quota = config.storage.quota;
  if (quota.backend === 'xfs' && !quota.xfs) {
    throw new ConfigError('configuration key storage.quota.xfs.mountPoint is required with storage.quota.backend xfs: the mount point of the XFS filesystem that holds homes.root');
  }
  if (quota.machine !== undefined && !config.machines.some((m) => m.name === quota.machine)) {
    throw new ConfigError(`configuration key storage.quota.machine names ${quota.machine}, which is not in machines`);
  }
  const sandboxDomain = config.hub.sandboxDomain;
  if (sandboxDomain) {
    const hubHost = new URL(publicUrl(config)).hostname;
    // Every name under the sandbox domain is a sandbox's; the hub there would be routed as one.
    if (hubHost === sandboxDomain || hubHost.endsWith(`.${sandboxDomain}`)) {
      throw new ConfigError(`configuration key hub.sandboxDomain (${sandboxDomain}) contains the hub's own host ${hubHost}: give sandboxes a domain of their own`);
    }
  }
  const culling = cullingProblem(config);
  if (culling) throw new ConfigError(`configuration key ${culling}`);
  const { defaults, limits } = config.sandboxes;
  if (defaults.cpus > limits.cpus) throw new ConfigError('configuration key sandboxes.defaults.cpus is above sandboxes.limits.cpus');
  if (defaults.memoryGiB > limits.memoryGiB) {
    throw new ConfigError('configuration key sandboxes.defaults.memoryGiB is above sandboxes.limits.memoryGiB');
  }
}

function readYaml(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read the configuration file ${file}: ${(err as NodeJS.ErrnoException).code ?? err}`);
  }
  try {
    return parseYaml(text);
  } catch (err) {
    if (err instanceof YAMLParseError) throw new ConfigError(`${file}: ${err.message}`);
    throw err;
  }
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/** The URL users reach the hub at. */
export function publicUrl(config: Config): string {
  if (config.hub.publicUrl) return config.hub.publicUrl.replace(/\/+$/, '');
  const host = config.hub.host === '0.0.0.0' || config.hub.host === '::' ? '127.0.0.1' : config.hub.host;
  return `http://${host}:${config.hub.port}`;
}
