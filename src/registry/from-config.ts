/**
 * The team's registry as configured (`registry` in docs/configuration.md): a client with the
 * password read from the environment variable the configuration names, so that the password is
 * never in the configuration file nor in the frozen Config the hub passes around and logs.
 */
import type { Config } from '../config/schema.js';
import { RegistryClient } from './client.js';

/** The client of `config.registry`, or null when none is configured; parseConfig has checked that the password variable is set. */
export function registryClientOf(config: Readonly<Pick<Config, 'registry'>>, env: NodeJS.ProcessEnv = process.env): RegistryClient | null {
  const registry = config.registry;
  if (registry === undefined) return null;
  return new RegistryClient({ url: registry.url, insecure: registry.insecure, ...(registryCredentialsOf(config, env) ?? {}) });
}

/** The registry's username and password (from registry.passwordEnv), or null when it is configured without. */
export function registryCredentialsOf(config: Readonly<Pick<Config, 'registry'>>, env: NodeJS.ProcessEnv = process.env): { username: string; password: string } | null {
  const registry = config.registry;
  if (registry?.username === undefined) return null;
  return { username: registry.username, password: env[registry.passwordEnv!] ?? '' };
}
