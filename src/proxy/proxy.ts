/**
 * The door to the sandboxes. A sandbox is reached in two forms:
 *
 * - on its own origin (`<label>.<sandbox domain>`, see origins.ts), where browsers use it: a
 *   bearer token or the `shiva_sandbox` cookie set by the sign-in handshake (a one-time code
 *   from the hub, redeemed at `/_shiva/callback`) opens it; only its own `/user/<user>/<name>/`
 *   is served there.
 * - at `/user/<user>/<name>/` on the hub's host, for bearer tokens (CLI, scripts); answers get
 *   `Content-Security-Policy: sandbox`. A browser there with only its hub session is sent to the
 *   sandbox's origin; its other requests are refused, so that nothing a sandbox serves runs on
 *   the hub's origin. In path-only mode (no sandbox origins) session requests are served here.
 *
 * Owner passes, admins only with `sandboxes.adminAccess`. Cookie-authenticated upgrades and
 * state-changing requests need an `Origin` equal to the origin they are served on. The checks
 * come before the route lookup so that strangers learn nothing of which sandboxes exist. Plain
 * requests go through the proxy's own keep-alive pool (forward.ts); WebSocket upgrades become
 * tunnels (upgrade.ts). Every admitted request and upgrade is registered with the credential
 * that let it in (open-tunnels.ts), so that ending the credential, or the sandbox's route,
 * closes it. Jupyter's own Logout and Quit are answered here, by the hub (jupyter-controls.ts).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { changesState } from '../auth/csrf.js';
import { errorCodes, type ErrorCode } from '../contract/errors.js';
import { safeNextPathWithin } from '../contract/next-path.js';
import { parseDirectLabel, sandboxLabel } from '../contract/sandbox-host.js';
import { forwardRequest, type ForwardContext } from './forward.js';
import { isBrowserNavigation } from './headers.js';
import { answerControl, jupyterControl, type ControlContext, type SandboxControls } from './jupyter-controls.js';
import { ClientTunnel, OpenTunnels, type ClientStream, type TunnelKind } from './open-tunnels.js';
import { sandboxPath } from './origins.js';
import { describeAbsence } from './pages.js';
import { SandboxPool } from './pool.js';
import { redirect, refuseUpgrade, reply, titleOf, type Refusal } from './respond.js';
import { parseUserPath, type UserPath } from './route-table.js';
import type { Tunnel } from './tunnel.js';
import { forwardUpgrade, type UpgradeContext } from './upgrade.js';
import { noopProxyMetrics, type Proxy, type ProxyDeps, type ProxyIdentity, type ProxyRoute } from './types.js';

const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
const NO_SANDBOX_HERE = 'There is no sandbox at this address.';
/** The callback of the sign-in handshake on every sandbox origin; outside Jupyter's base URL. */
export const CALLBACK_PATH = '/_shiva/callback';

type Identity = ProxyIdentity | null;

/** Where a request came in: the sandbox host's label, or null for the path form on the hub's host. */
type Label = string | null;

function isPromise(value: Identity | Promise<Identity>): value is Promise<Identity> {
  return value !== null && typeof (value as { then?: unknown }).then === 'function';
}

function destroyThis(this: Duplex): void {
  this.destroy();
}

/**
 * Where the callback may send the browser: a same-origin path under the sandbox's own prefix
 * (safeNextPathWithin), without dot segments (parseUserPath refuses them). Anything else
 * becomes the prefix itself.
 */
function nextWithin(next: string, path: { user: string; name: string }): string {
  const prefix = sandboxPath(path.user, path.name);
  const safe = safeNextPathWithin(next, prefix);
  const parsed = parseUserPath(safe);
  return parsed !== null && !parsed.needsSlash && parsed.user === path.user && parsed.name === path.name ? safe : prefix;
}

export function createProxy(deps: ProxyDeps): Proxy {
  const { routes, activity, log, origins } = deps;
  const trustProxy = deps.trustProxy ?? false;
  const metrics = deps.metrics ?? noopProxyMetrics;
  const loginPrefix = deps.loginPath + (deps.loginPath.includes('?') ? '&next=' : '?next=');
  const pool = new SandboxPool({ connectTimeoutMs: deps.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS });
  const open = new Set<Tunnel>();
  const tunnels = deps.tunnels ?? new OpenTunnels(log);
  const unsubscribe = routes.onRemoved((sandboxId) => tunnels.endSandbox(sandboxId, 'the sandbox lost its route (stopped, or its machine stopped answering)'));
  // Pages may be served on a sandbox's origin, whose '/' is not the dashboard: link the hub's.
  const dashboard = `${origins.hubOrigin}/`;
  const replyTo = (req: IncomingMessage, res: ServerResponse, refusal: Refusal): void => reply(req, res, refusal, metrics, dashboard);
  // No hub cookie (shiva_*) reaches a sandbox on either form: headers.ts strips them all.
  const forwardCtx: ForwardContext = { pool, trustProxy, metrics, log, activity, reply: replyTo };
  const upgradeCtx: UpgradeContext = { pool, trustProxy, metrics, log, activity, open };
  const cookieAttributes = `; Path=/; HttpOnly; SameSite=Lax${origins.secure ? '; Secure' : ''}`;

  /** The sandbox a host label names: read from the label itself, or for hashed labels from the routes. */
  function sandboxAt(label: string): { user: string; name: string } | null {
    return parseDirectLabel(label) ?? routes.byLabel(label) ?? null;
  }

  /** Owner passes; admins where allowed; the rest are refused before the route table is read. */
  function check(path: UserPath, identity: Identity): Refusal | ProxyRoute {
    if (identity === null) return { code: 'UNAUTHENTICATED', message: errorCodes.UNAUTHENTICATED.message };
    if (identity.scopes && !identity.scopes.has('sandboxes:access')) {
      return { code: 'FORBIDDEN', message: 'This token lacks the scope sandboxes:access, which opening a sandbox needs.' };
    }
    if (identity.username !== path.user && !(identity.admin && deps.adminAccess)) {
      const sandbox = `${path.user}/${path.name}`;
      const why = identity.admin
        ? `Admins may open other users' sandboxes only where sandboxes.adminAccess is on; the sandbox ${sandbox} is not yours.`
        : `You are signed in as ${identity.username}; the sandbox ${sandbox} is not yours.`;
      return {
        code: 'FORBIDDEN',
        message: `The sandbox ${sandbox} belongs to another user.`,
        page: { title: titleOf('FORBIDDEN'), message: why },
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

  /**
   * Why a cookie-authenticated request may not go on, or null when it may. The hub's host serves
   * no session request but in path-only mode; a request that changes state (or opens a
   * WebSocket) must come from a page of the origin it is served on, as the `Origin` header says
   * (RFC 6454 §7; absent or `null` fails).
   */
  function cookieRefusal(req: IncomingMessage, label: Label, upgrade: boolean): Refusal | null {
    if (label === null && origins.mode !== 'path-only') {
      return { code: 'SANDBOX_ORIGIN_REQUIRED', message: errorCodes.SANDBOX_ORIGIN_REQUIRED.message };
    }
    if (!upgrade && !changesState(req.method ?? 'GET')) return null;
    const expected = label === null ? origins.hubOrigin : origins.originOf(label);
    const origin = req.headers.origin;
    if (origin !== undefined && origin.toLowerCase() === expected) return null;
    return { code: 'ORIGIN_MISMATCH', message: errorCodes.ORIGIN_MISMATCH.message };
  }

  /**
   * A request or upgrade into a sandbox refused with `code` (403, 503, …), at info: who, which
   * sandbox, why, never a credential. Anonymous ones (401, or a redirect to sign in) are not
   * logged: every browser meets them once, and scanners meet nothing else.
   */
  function noteRefusal(req: IncomingMessage, path: UserPath, identity: Identity, code: ErrorCode, upgrade: boolean): void {
    if (code === 'UNAUTHENTICATED') return;
    log.info(
      {
        user: identity?.username ?? null,
        sandbox: `${path.user}/${path.name}`,
        code,
        status: errorCodes[code].status,
        method: req.method,
        ...(upgrade ? { upgrade: true } : {}),
      },
      'proxy: refused',
    );
  }

  function authFailed(req: IncomingMessage, err: unknown): void {
    log.error({ err: err instanceof Error ? err.message : String(err), url: req.url }, 'proxy: authentication failed');
  }

  /**
   * The sandbox path a request addresses, or null after answering it (404, the callback, or a
   * redirect to the sandbox's prefix from `/` on its host).
   */
  function route(req: IncomingMessage, res: ServerResponse, url: string, label: Label): UserPath | null {
    let path: UserPath | null;
    if (label === null) {
      path = parseUserPath(url);
    } else {
      const at = sandboxAt(label);
      if (url === CALLBACK_PATH || url.startsWith(`${CALLBACK_PATH}?`)) {
        callback(req, res, url, label, at);
        return null;
      }
      if (at !== null && (url === '/' || url.startsWith('/?'))) {
        redirect(res, 302, sandboxPath(at.user, at.name), metrics);
        return null;
      }
      path = parseUserPath(url);
      if (path !== null && (at === null || path.user !== at.user || path.name !== at.name)) path = null;
    }
    if (path === null) {
      replyTo(req, res, { code: 'NOT_FOUND', message: NO_SANDBOX_HERE });
      return null;
    }
    if (path.needsSlash) {
      redirect(res, 301, `${url.slice(0, path.prefixEnd)}/${url.slice(path.prefixEnd)}`, metrics);
      return null;
    }
    return path;
  }

  /** The end of the handshake: redeems the code, sets the sandbox cookie, goes on to `next`. */
  function callback(req: IncomingMessage, res: ServerResponse, url: string, label: string, at: { user: string; name: string } | null): void {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      replyTo(req, res, { code: 'METHOD_NOT_ALLOWED', message: errorCodes.METHOD_NOT_ALLOWED.message });
      return;
    }
    const query = url.indexOf('?');
    const code = query === -1 ? null : new URLSearchParams(url.slice(query + 1)).get('code');
    const grant = code && at !== null ? deps.signIn.redeem(code, label) : null;
    if (grant === null || at === null) {
      replyTo(req, res, { code: 'SIGN_IN_CODE_INVALID', message: errorCodes.SIGN_IN_CODE_INVALID.message });
      return;
    }
    res.writeHead(302, {
      location: nextWithin(grant.next, at),
      'set-cookie': `${deps.sandboxCookieName}=${deps.signIn.cookieValue(label, grant.sessionId)}${cookieAttributes}`,
      'content-length': 0,
      'cache-control': 'no-store',
      // The code is spent, but it need not travel further in a Referer either.
      'referrer-policy': 'no-referrer',
    });
    res.end();
    metrics.request(302);
  }

  function identify(req: IncomingMessage, label: Label): Identity | Promise<Identity> {
    return label === null ? deps.authenticate(req) : deps.authenticateSandbox(req, label);
  }

  function handleRequest(req: IncomingMessage, res: ServerResponse): void {
    const url = req.url ?? '/';
    const label = origins.labelOf(req.headers.host);
    const path = route(req, res, url, label);
    if (path === null) return;
    let identity: Identity | Promise<Identity>;
    // Read before the check, so that a credential ended while it waits still reaches this request.
    const since = tunnels.endings;
    try {
      identity = identify(req, label);
    } catch (err) {
      requestAuthFailed(req, res, err);
      return;
    }
    // The hub usually knows the identity without waiting; then no promise is made per request.
    if (isPromise(identity)) {
      identity.then(
        (known) => {
          if (!res.destroyed) admitRequest(req, res, url, path, label, known, since);
        },
        (err: unknown) => requestAuthFailed(req, res, err),
      );
    } else {
      admitRequest(req, res, url, path, label, identity, since);
    }
  }

  function requestAuthFailed(req: IncomingMessage, res: ServerResponse, err: unknown): void {
    authFailed(req, err);
    replyTo(req, res, { code: 'INTERNAL', message: errorCodes.INTERNAL.message });
  }

  function admitRequest(req: IncomingMessage, res: ServerResponse, url: string, path: UserPath, label: Label, identity: Identity, since: number): void {
    const verdict = check(path, identity);
    if ('code' in verdict) {
      if (verdict.code === 'UNAUTHENTICATED' && isBrowserNavigation(req)) {
        // On a sandbox host the hub signs the browser in (or sends it to /login first).
        const location =
          label === null
            ? loginPrefix + encodeURIComponent(url)
            : `${deps.authorizeUrl}?host=${label}&next=${encodeURIComponent(url)}`;
        redirect(res, 302, location, metrics);
        return;
      }
      if (verdict.code === 'UNAUTHENTICATED') res.setHeader('www-authenticate', 'Bearer');
      noteRefusal(req, path, identity, verdict.code, false);
      replyTo(req, res, verdict);
      return;
    }
    const byCookie = identity !== null && identity.via === 'session';
    if (byCookie) {
      const refusal = cookieRefusal(req, label, false);
      if (refusal !== null) {
        if (refusal.code === 'SANDBOX_ORIGIN_REQUIRED' && isBrowserNavigation(req)) {
          redirect(res, 302, origins.originOf(sandboxLabel(path.user, path.name)) + url, metrics);
        } else {
          noteRefusal(req, path, identity, refusal.code, false);
          replyTo(req, res, refusal);
        }
        return;
      }
    }
    // Logout and Quit are the hub's to answer; not registered, so that the stop or sign-out they
    // cause does not cut their own answer short.
    const controls = deps.controls;
    const method = req.method ?? 'GET';
    const rest = url.slice(path.prefixEnd);
    const control = controls ? jupyterControl(method, rest) : null;
    if (controls && control !== null && answerControl(controlContext(controls, label), control, req, res, url, identity!, verdict, byCookie)) return;
    // A long poll or a stream must end with the credential that let it in.
    if (enter('request', req, res, identity!, path, verdict, since)) {
      const counts = (activity.counts === undefined || activity.counts(method, rest)) && !(byCookie && sentForAnotherSite(req));
      forwardRequest(forwardCtx, req, res, url, verdict, { byCookie, sandboxCsp: label === null && !byCookie, counts });
    }
  }

  function controlContext(controls: SandboxControls, label: Label): ControlContext {
    return {
      controls,
      signInUrl: `${origins.hubOrigin}${deps.loginPath}`,
      clearCookie: label === null ? null : `${deps.sandboxCookieName}=; Max-Age=0${cookieAttributes}`,
      metrics,
      log,
      reply: replyTo,
    };
  }

  /**
   * What every admitted request and upgrade does before it is forwarded: reports an admin's
   * token entering another user's sandbox, and registers the connection with the credential
   * that let it in. False when that credential ended while it was being checked. Activity is
   * recorded later, when the sandbox answers (forward.ts) or a data frame passes (upgrade.ts).
   */
  function enter(kind: TunnelKind, req: IncomingMessage, client: ClientStream, identity: ProxyIdentity, path: UserPath, route: ProxyRoute, since: number): boolean {
    const intoOthers = identity.username !== path.user;
    if (intoOthers && identity.via === 'token') deps.onAdminEntry?.(identity, route, req.socket.remoteAddress ?? null);
    return tunnels.track(new ClientTunnel(kind, identity, route.sandboxId, intoOthers, client), client, since);
  }

  function handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    // The server took its own listeners off the socket; without one an error would crash the hub.
    socket.on('error', destroyThis);
    const url = req.url ?? '/';
    const label = origins.labelOf(req.headers.host);
    let path = parseUserPath(url);
    if (path !== null && label !== null) {
      const at = sandboxAt(label);
      if (at === null || at.user !== path.user || at.name !== path.name) path = null;
    }
    if (path === null || path.needsSlash) {
      metrics.upgrade('refused');
      refuseUpgrade(socket, 'NOT_FOUND', NO_SANDBOX_HERE);
      return;
    }
    const known = path;
    let identity: Identity | Promise<Identity>;
    const since = tunnels.endings;
    try {
      identity = identify(req, label);
    } catch (err) {
      upgradeAuthFailed(req, socket, err);
      return;
    }
    if (isPromise(identity)) {
      identity.then(
        (found) => {
          if (!socket.destroyed) admitUpgrade(req, socket, head, url, known, label, found, since);
        },
        (err: unknown) => upgradeAuthFailed(req, socket, err),
      );
    } else {
      admitUpgrade(req, socket, head, url, known, label, identity, since);
    }
  }

  function upgradeAuthFailed(req: IncomingMessage, socket: Duplex, err: unknown): void {
    authFailed(req, err);
    metrics.upgrade('error');
    refuseUpgrade(socket, 'INTERNAL', errorCodes.INTERNAL.message);
  }

  function admitUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, url: string, path: UserPath, label: Label, identity: Identity, since: number): void {
    const verdict = check(path, identity);
    const byCookie = identity !== null && identity.via === 'session';
    const refusal = 'code' in verdict ? verdict : byCookie ? cookieRefusal(req, label, true) : null;
    if (refusal !== null) {
      metrics.upgrade('refused');
      noteRefusal(req, path, identity, refusal.code, true);
      refuseUpgrade(socket, refusal.code, refusal.message);
      return;
    }
    if ('code' in verdict) return; // answered above as the refusal; this narrows the type
    if (enter('websocket', req, socket, identity!, path, verdict, since)) forwardUpgrade(upgradeCtx, req, socket, head, url, verdict, byCookie);
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

/**
 * Whether the browser says another page than the sandbox's own made it send this request (Fetch
 * Metadata, `Sec-Fetch-Site` other than `same-origin` or `none`): a link, a form or an image on
 * another site, or on another sandbox under the same domain, which a `SameSite=Lax` cookie still
 * accompanies on GET. Such a request is not the owner's work and must not keep their sandbox from
 * being culled (docs/culling.md). A request without the header (a script, an old browser) counts.
 */
function sentForAnotherSite(req: IncomingMessage): boolean {
  const site = req.headers['sec-fetch-site'];
  return site !== undefined && site !== 'same-origin' && site !== 'none';
}
