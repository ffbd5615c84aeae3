/**
 * Where browsers reach sandboxes. Each sandbox has an origin of its own, so that what it serves
 * (written by its owner) cannot read or drive the hub or another sandbox:
 *
 * - `domain`: `hub.sandboxDomain` is set; a sandbox is at `<scheme>://<label>.<sandboxDomain>`,
 *   with the public URL's scheme and port (wildcard DNS record and certificate).
 * - `localhost`: no domain, and the public URL is on loopback (the zero-config default); a
 *   sandbox is at `http://<label>.localhost:<hub port>`. Browsers resolve every `*.localhost`
 *   name to loopback (RFC 6761 §6.3), so this needs no setup at all.
 * - `path-only`: neither; sandboxes share the hub's origin at `/user/<user>/<name>/`. The hub
 *   warns at start; docs/security.md says what this mode cannot protect.
 *
 * Jupyter keeps its base URL `/user/<user>/<name>/` in every mode.
 */
import { sandboxLabel } from '../contract/sandbox-host.js';

export type OriginMode = 'domain' | 'localhost' | 'path-only';

/** The sandbox's path; also its Jupyter server's base URL. */
export const sandboxPath = (user: string, name: string): string => `/user/${user}/${name}/`;

export interface SandboxOrigins {
  readonly mode: OriginMode;
  /** The hub's own origin, e.g. `http://127.0.0.1:8000` (RFC 6454 serialisation). */
  readonly hubOrigin: string;
  /** Whether answers for browsers need the `Secure` cookie attribute. */
  readonly secure: boolean;
  /**
   * The sandbox label a request's `Host` header names, e.g. `main--alice` for
   * `main--alice.localhost:8000`; null for the hub's host and anything else. Compares without
   * case and with the port, so `x.localhost:9000` is not a sandbox host of a hub on 8000.
   */
  labelOf(host: string | undefined): string | null;
  /** The origin of the sandbox with this label; the hub's origin in path-only mode. */
  originOf(label: string): string;
  /** What a browser opens: `<sandbox origin>/user/<user>/<name>/`. */
  url(user: string, name: string): string;
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);
const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** True for the names RFC 6761 §6.3 and RFC 1122 §3.2.1.3 reserve for loopback. */
function isLoopback(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname) || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

/**
 * The sandbox origins of a hub reached at `publicUrl` (e.g. `https://hub.example.com`), with
 * `sandboxDomain` from `hub.sandboxDomain` when set.
 */
export function sandboxOrigins(publicUrl: string, sandboxDomain: string | undefined): SandboxOrigins {
  const hub = new URL(publicUrl);
  const scheme = hub.protocol.slice(0, -1);
  const port = hub.port === '' ? '' : `:${hub.port}`;
  const mode: OriginMode = sandboxDomain ? 'domain' : isLoopback(hub.hostname) ? 'localhost' : 'path-only';
  const hubOrigin = hub.origin;
  const secure = scheme === 'https';
  if (mode === 'path-only') {
    return {
      mode,
      hubOrigin,
      secure,
      labelOf: () => null,
      originOf: () => hubOrigin,
      url: (user, name) => `${publicUrl}${sandboxPath(user, name)}`,
    };
  }
  const parent = sandboxDomain ?? 'localhost';
  const suffix = `.${parent}${port}`;
  const originOf = (label: string): string => `${scheme}://${label}${suffix}`;
  return {
    mode,
    hubOrigin,
    secure,
    labelOf(host) {
      if (host === undefined || host.length <= suffix.length) return null;
      const lower = host.toLowerCase();
      if (!lower.endsWith(suffix)) return null;
      const label = lower.slice(0, lower.length - suffix.length);
      return LABEL.test(label) ? label : null;
    },
    originOf,
    url: (user, name) => `${originOf(sandboxLabel(user, name))}${sandboxPath(user, name)}`,
  };
}
