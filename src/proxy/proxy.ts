/**
 * The door to the sandboxes: `/user/<user>/<name>/…` on the hub's public port, checked (owner
 * or admin) and forwarded unchanged to the sandbox's Jupyter server with the sandbox's token.
 * Plain requests go through the proxy's own keep-alive pool (forward.ts); WebSocket upgrades
 * become tunnels (upgrade.ts). The checks come before the route lookup so that strangers learn
 * nothing of which sandboxes exist. Every admitted request and upgrade is registered with the
 * credential that let it in (open-tunnels.ts), so that ending the credential, or the sandbox's
 * route, closes it.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { errorCodes } from '../contract/errors.js';
import { forwardRequest, type ForwardContext } from './forward.js';
import { isBrowserNavigation } from './headers.js';
import { ClientTunnel, OpenTunnels } from './open-tunnels.js';
import { describeAbsence } from './pages.js';
import { SandboxPool } from './pool.js';
import { redirect, refuseUpgrade, reply, titleOf, type Refusal } from './respond.js';
import { parseUserPath, type UserPath } from './route-table.js';
import type { Tunnel } from './tunnel.js';
import { forwardUpgrade, type UpgradeContext } from './upgrade.js';
import { noopProxyMetrics, type Proxy, type ProxyDeps, type ProxyIdentity, type ProxyRoute } from './types.js';

const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
const NO_SANDBOX_HERE = 'There is no sandbox at this address.';

type Identity = ProxyIdentity | null;

function isPromise(value: Identity | Promise<Identity>): value is Promise<Identity> {
  return value !== null && typeof (value as { then?: unknown }).then === 'function';
}

function destroyThis(this: Duplex): void {
  this.destroy();
}

export function createProxy(deps: ProxyDeps): Proxy {
  const { routes, activity, log } = deps;
  const trustProxy = deps.trustProxy ?? false;
  const metrics = deps.metrics ?? noopProxyMetrics;
  const loginPrefix = deps.loginPath + (deps.loginPath.includes('?') ? '&next=' : '?next=');
  const pool = new SandboxPool({ connectTimeoutMs: deps.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS });
  const open = new Set<Tunnel>();
  const tunnels = deps.tunnels ?? new OpenTunnels(log);
  const unsubscribe = routes.onRemoved((sandboxId) => tunnels.endSandbox(sandboxId, 'the sandbox lost its route (stopped, or its machine stopped answering)'));
  const forwardCtx: ForwardContext = {
    pool,
    trustProxy,
    metrics,
    log,
    reply: (req, res, refusal) => reply(req, res, refusal, metrics),
  };
  const upgradeCtx: UpgradeContext = { pool, trustProxy, metrics, log, activity, open };

  /** Owner or admin passes; the rest are refused before the route table is read. */
  function check(path: UserPath, identity: Identity): Refusal | ProxyRoute {
    if (identity === null) return { code: 'UNAUTHENTICATED', message: errorCodes.UNAUTHENTICATED.message };
    if (identity.scopes && !identity.scopes.has('sandboxes:access')) {
      return { code: 'FORBIDDEN', message: 'This token lacks the scope sandboxes:access, which opening a sandbox needs.' };
    }
    if (identity.username !== path.user && !identity.admin) {
      const sandbox = `${path.user}/${path.name}`;
      return {
        code: 'FORBIDDEN',
        message: `The sandbox ${sandbox} belongs to another user.`,
        page: { title: titleOf('FORBIDDEN'), message: `You are signed in as ${identity.username}; the sandbox ${sandbox} is not yours.` },
      };
    }
    return routes.get(path.user, path.name) ?? notRunning(path);
  }

  function notRunning(path: UserPath): Refusal {
    const absence = describeAbsence(path.user, path.name, deps.describe(path.user, path.name));
    return {
      code: 'SANDBOX_NOT_RUNNING',
      message: absence.message,
      details: { sandbox: `${path.user}/${path.name}`, state: absence.state, reason: absence.reason },
      page: {
        title: titleOf('SANDBOX_NOT_RUNNING'),
        message: absence.message,
        ...(absence.transient ? { refreshSeconds: 2 } : {}),
      },
    };
  }

  function authFailed(req: IncomingMessage, err: unknown): void {
    log.error({ err: err instanceof Error ? err.message : String(err), url: req.url }, 'proxy: authentication failed');
  }

  function handleRequest(req: IncomingMessage, res: ServerResponse): void {
    const url = req.url ?? '/';
    const path = parseUserPath(url);
    if (path === null) {
      reply(req, res, { code: 'NOT_FOUND', message: NO_SANDBOX_HERE }, metrics);
      return;
    }
    if (path.needsSlash) {
      redirect(res, 301, `${url.slice(0, path.prefixEnd)}/${url.slice(path.prefixEnd)}`, metrics);
      return;
    }
    let identity: Identity | Promise<Identity>;
    // Read before the check, so that a credential ended while it waits still reaches this request.
    const since = tunnels.endings;
    try {
      identity = deps.authenticate(req);
    } catch (err) {
      requestAuthFailed(req, res, err);
      return;
    }
    // The hub usually knows the identity without waiting; then no promise is made per request.
    if (isPromise(identity)) {
      identity.then(
        (known) => {
          if (!res.destroyed) admitRequest(req, res, url, path, known, since);
        },
        (err: unknown) => requestAuthFailed(req, res, err),
      );
    } else {
      admitRequest(req, res, url, path, identity, since);
    }
  }

  function requestAuthFailed(req: IncomingMessage, res: ServerResponse, err: unknown): void {
    authFailed(req, err);
    reply(req, res, { code: 'INTERNAL', message: errorCodes.INTERNAL.message }, metrics);
  }

  function admitRequest(req: IncomingMessage, res: ServerResponse, url: string, path: UserPath, identity: Identity, since: number): void {
    const verdict = check(path, identity);
    if (!('code' in verdict)) {
      activity.touch(verdict.sandboxId);
      // A long poll or a stream must end with the credential that let it in.
      const tunnel = new ClientTunnel('request', identity!, verdict.sandboxId, identity!.username !== path.user, res);
      if (tunnels.track(tunnel, res, since)) forwardRequest(forwardCtx, req, res, url, verdict);
    } else if (verdict.code === 'UNAUTHENTICATED' && isBrowserNavigation(req)) {
      redirect(res, 302, loginPrefix + encodeURIComponent(url), metrics);
    } else {
      if (verdict.code === 'UNAUTHENTICATED') res.setHeader('www-authenticate', 'Bearer');
      reply(req, res, verdict, metrics);
    }
  }

  function handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    // The server took its own listeners off the socket; without one an error would crash the hub.
    socket.on('error', destroyThis);
    const url = req.url ?? '/';
    const path = parseUserPath(url);
    if (path === null || path.needsSlash) {
      metrics.upgrade('refused');
      refuseUpgrade(socket, 'NOT_FOUND', NO_SANDBOX_HERE);
      return;
    }
    let identity: Identity | Promise<Identity>;
    const since = tunnels.endings;
    try {
      identity = deps.authenticate(req);
    } catch (err) {
      upgradeAuthFailed(req, socket, err);
      return;
    }
    if (isPromise(identity)) {
      identity.then(
        (known) => {
          if (!socket.destroyed) admitUpgrade(req, socket, head, url, path, known, since);
        },
        (err: unknown) => upgradeAuthFailed(req, socket, err),
      );
    } else {
      admitUpgrade(req, socket, head, url, path, identity, since);
    }
  }

  function upgradeAuthFailed(req: IncomingMessage, socket: Duplex, err: unknown): void {
    authFailed(req, err);
    metrics.upgrade('error');
    refuseUpgrade(socket, 'INTERNAL', errorCodes.INTERNAL.message);
  }

  function admitUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, url: string, path: UserPath, identity: Identity, since: number): void {
    const verdict = check(path, identity);
    if ('code' in verdict) {
      metrics.upgrade('refused');
      refuseUpgrade(socket, verdict.code, verdict.message);
      return;
    }
    activity.touch(verdict.sandboxId);
    const tunnel = new ClientTunnel('websocket', identity!, verdict.sandboxId, identity!.username !== path.user, socket);
    if (tunnels.track(tunnel, socket, since)) forwardUpgrade(upgradeCtx, req, socket, head, url, verdict);
  }

  function close(): Promise<void> {
    unsubscribe();
    pool.destroy();
    for (const tunnel of open) tunnel.destroy();
    open.clear();
    return Promise.resolve();
  }

  return { handleRequest, handleUpgrade, close };
}
