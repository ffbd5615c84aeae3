/**
 * What reaches a sandbox through the SSH gateway from ~/.ssh: its Host block and the known_hosts
 * line of the gateway's key, one rule for `shiva ssh-config` and the dashboard's Settings page
 * (docs/ssh.md).
 *
 * Each block sets `HostKeyAlias shiva-<host>`, and the known_hosts line names that alias: ssh
 * then looks the gateway's key up under the alias instead of `[host]:port`, so one line serves
 * every sandbox's block, `StrictHostKeyChecking yes` works from the first connection, and the
 * gateway's key never meets the key of an SSH server the same host runs for its admins (port 22:
 * both would be filed under the bare host name, and ssh would warn that the key had changed).
 */
import type { SshGatewayInfo } from './api.js';
import { sshUser } from './ssh.js';

/** The gateway when it runs: where it listens is known. */
export type OpenGateway = SshGatewayInfo & { enabled: true; host: string; port: number };

export const isOpen = (info: SshGatewayInfo): info is OpenGateway => info.enabled && info.host !== null && info.port !== null;

/** The name ssh files the gateway's host key under (see the top of this file). */
export const hostKeyAlias = (host: string): string => `shiva-${host}`;

/** One sandbox's Host block, as its fields. */
export interface SshHost {
  /** What to type: `ssh shiva-main`. */
  host: string;
  hostName: string;
  port: number;
  user: string;
  hostKeyAlias: string | null;
  fingerprint: string | null;
}

/** The Host of each sandbox in `names`, signed in as `username`. */
export function sshHosts(gateway: OpenGateway, username: string, names: readonly string[]): SshHost[] {
  return names.map((name) => ({
    host: `shiva-${name}`,
    hostName: gateway.host,
    port: gateway.port,
    user: sshUser(username, name),
    hostKeyAlias: gateway.hostKey ? hostKeyAlias(gateway.host) : null,
    fingerprint: gateway.hostKey?.fingerprint ?? null,
  }));
}

/** A Host block of ssh_config(5); ssh's default port goes without a Port line. */
export function hostBlock(h: SshHost): string {
  return [
    `Host ${h.host}`,
    `  HostName ${h.hostName}`,
    ...(h.port === 22 ? [] : [`  Port ${h.port}`]),
    `  User ${h.user}`,
    ...(h.hostKeyAlias ? [`  HostKeyAlias ${h.hostKeyAlias}`] : []),
    ...(h.fingerprint ? [`  # host key ${h.fingerprint}`] : []),
  ].join('\n');
}

/** The known_hosts line that trusts the gateway's key under its alias; null before the hub has a key. */
export function knownHostsLine(gateway: OpenGateway): string | null {
  return gateway.hostKey ? `${hostKeyAlias(gateway.host)} ${gateway.hostKey.publicKey}` : null;
}
