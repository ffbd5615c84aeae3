/**
 * The sandbox-origin part of the proxy's dependencies, for unit tests of the proxy that exercise
 * other things: a hub at `hubUrl` (path-only by default, where sessions are served on the hub's
 * origin as before sandbox origins), no sandbox cookie accepted unless `authenticateSandbox` is
 * given, and a real code store.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { SANDBOX_COOKIE, SandboxSignIn } from '../../src/auth/sandbox-sign-in.js';
import { sandboxOrigins } from '../../src/proxy/origins.js';
import type { RouteTable } from '../../src/proxy/route-table.js';
import type { ProxyDeps, ProxyIdentity } from '../../src/proxy/types.js';

type DoorDeps = Pick<ProxyDeps, 'authenticateSandbox' | 'origins' | 'authorizeUrl' | 'signIn' | 'adminAccess' | 'sandboxCookieName'>;

export function sandboxDoorDeps(
  hubUrl = 'http://hub.test',
  options: { adminAccess?: boolean; authenticateSandbox?: (req: IncomingMessage, label: string) => ProxyIdentity | null | Promise<ProxyIdentity | null>; signIn?: SandboxSignIn } = {},
): DoorDeps {
  return {
    authenticateSandbox: options.authenticateSandbox ?? (() => null),
    origins: sandboxOrigins(hubUrl, undefined),
    authorizeUrl: `${hubUrl}/api/sandboxes/authorize`,
    signIn: options.signIn ?? new SandboxSignIn(randomBytes(32)),
    adminAccess: options.adminAccess ?? true,
    sandboxCookieName: SANDBOX_COOKIE,
  };
}

/**
 * All of a proxy's dependencies for unit tests of forwarding: `routes`, one bearer header that
 * is `identity` (anything else is anonymous), no activity or absence descriptions, and what the
 * proxy logs at warn pushed to `warnings` when given.
 */
export function bearerProxyDeps(
  routes: RouteTable,
  bearer: string,
  identity: ProxyIdentity,
  warnings?: Array<Record<string, unknown>>,
): ProxyDeps {
  return {
    routes,
    authenticate: (req) => (req.headers.authorization === bearer ? identity : null),
    activity: { touch: () => {} },
    describe: () => undefined,
    ...sandboxDoorDeps(),
    loginPath: '/login',
    log: { info: () => {}, warn: (obj) => warnings?.push(obj as Record<string, unknown>), error: () => {} },
  };
}
