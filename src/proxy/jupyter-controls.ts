/**
 * Jupyter's own Logout and Quit buttons, made to mean what they mean to a Shiva user. Jupyter
 * knows nothing of the hub: its Logout (`GET <base>/logout`) says "Cannot log out", and its Quit
 * (`POST <base>/api/shutdown`) ends the server while the hub still shows the sandbox running
 * until a reconcile notices. The proxy recognises both under a sandbox's prefix, for every
 * image (the classic notebook and JupyterLab use the same two URLs), and does the hub's thing:
 *
 * - Logout signs the browser out of Shiva: the hub session behind its cookie ends, as the
 *   dashboard's sign-out ends it, and the browser goes to the hub's sign-in page. A GET does so
 *   only when the browser says the request came from the sandbox's own page or from the address
 *   bar (`Sec-Fetch-Site: same-origin` or `none`, W3C Fetch Metadata); from anywhere else it
 *   gets a page asking to confirm with a same-origin POST, so that another site cannot sign
 *   people out with a link. Bearer tokens are not signed out: their requests go on to Jupyter.
 * - Quit stops the sandbox through the hub (its container removed, its home kept), so the
 *   dashboard shows it stopped at once. A cookie's POST has passed the proxy's Origin check
 *   before it gets here; a token needs the scope `sandboxes:launch`, as `DELETE
 *   /api/sandboxes/:id` does.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { errorCodes, isShivaError } from '../contract/errors.js';
import { sandboxPath } from './origins.js';
import { PAGE_HEADERS, signOutPage } from './pages.js';
import type { Refusal } from './respond.js';
import type { ProxyIdentity, ProxyLogger, ProxyMetrics, ProxyRoute } from './types.js';

/** What the hub does for the two buttons and the idle-stop notice of the notebook page; audited by the hub. */
export interface SandboxControls {
  /** The stop the hub has warned of for the routed sandbox, from memory (docs/culling.md); null for none. */
  idleStop(route: ProxyRoute): { at: string; reason: string } | null;
  /** Keep it running, as `identity`. Throws ShivaError when refused. */
  keep(identity: ProxyIdentity, route: ProxyRoute, address: string | null): Promise<void>;
  /** Ends the hub session `identity` came with (its `credentialId`), and what it opened. */
  signOut(identity: ProxyIdentity, address: string | null): Promise<void>;
  /** Stops the routed sandbox as `identity`; resolves once it is stopped. Throws ShivaError when refused. */
  stop(identity: ProxyIdentity, route: ProxyRoute, address: string | null): Promise<void>;
}

/**
 * `idle_stop` (GET <prefix>/shiva/idle-stop) and `keep` (POST <prefix>/shiva/keep) serve the
 * notebook page's idle-stop notice (images/notebook/custom/custom.js): the proxy answers them
 * for the owner from the hub's state, never forwards them, and they count as no activity (only
 * a press of Keep it running does, as a 'keep').
 */
export type JupyterControl = 'logout' | 'shutdown' | 'idle_stop' | 'keep';

/**
 * Which of Jupyter's controls a request is, from its method and `rest`, the URL after
 * `/user/<user>/<name>` (e.g. `/logout` or `/api/shutdown?x=1`); null for every other request.
 * The paths are Jupyter's own routes, which match the path exactly (Tornado), so nothing else
 * Jupyter serves is taken away from it.
 */
export function jupyterControl(method: string, rest: string): JupyterControl | null {
  // On every proxied request: compare in place, allocating nothing for the usual miss.
  if (isPath(rest, '/logout')) return method === 'GET' || method === 'HEAD' || method === 'POST' ? 'logout' : null;
  if (method === 'POST' && isPath(rest, '/api/shutdown')) return 'shutdown';
  if (rest.charCodeAt(1) === 115 /* s */ && rest.startsWith('/shiva/')) {
    if ((method === 'GET' || method === 'HEAD') && isPath(rest, '/shiva/idle-stop')) return 'idle_stop';
    if (method === 'POST' && isPath(rest, '/shiva/keep')) return 'keep';
  }
  return null;
}

/** Whether `rest` is exactly `path`, with or without a query. */
function isPath(rest: string, path: string): boolean {
  return rest.startsWith(path) && (rest.length === path.length || rest.charCodeAt(path.length) === 63 /* ? */);
}

/**
 * Whether a GET to Logout may sign out at once: the browser says it comes from a page of the
 * same origin (Jupyter's button) or from the person (`none`: typed, bookmarked). A missing
 * header (an old browser) or any other site asks first.
 */
export function signOutAtOnce(req: IncomingMessage): boolean {
  const site = req.headers['sec-fetch-site'];
  return site === 'same-origin' || site === 'none';
}

/** Whether `identity` may stop a sandbox: a browser session may; a token needs `sandboxes:launch`. */
export function mayStop(identity: ProxyIdentity): boolean {
  return !identity.scopes || identity.scopes.has('sandboxes:launch');
}

/** What answering a control needs from the proxy. */
export interface ControlContext {
  controls: SandboxControls;
  /** The hub's sign-in page, where a signed-out browser goes (absolute: it may leave a sandbox origin). */
  signInUrl: string;
  /** The `Set-Cookie` value that clears the sandbox cookie on this origin; null on the hub's own host. */
  clearCookie: string | null;
  metrics: ProxyMetrics;
  log: ProxyLogger;
  reply(req: IncomingMessage, res: ServerResponse, refusal: Refusal): void;
}

/**
 * Answers Jupyter's control `control` for `identity` on `route`, or returns false when the
 * request should go on to Jupyter (a Logout with a bearer token). `byCookie`: the identity came
 * from a browser's cookie. `url`: the request's URL, where the confirmation page posts back.
 */
export function answerControl(
  ctx: ControlContext,
  control: JupyterControl,
  req: IncomingMessage,
  res: ServerResponse,
  url: string,
  identity: ProxyIdentity,
  route: ProxyRoute,
  byCookie: boolean,
): boolean {
  const address = req.socket.remoteAddress ?? null;
  // Nothing here reads a body: let it drain so the connection can be reused.
  req.resume();
  if (control === 'logout') {
    if (!byCookie) return false;
    if (req.method !== 'POST' && !signOutAtOnce(req)) {
      const body = signOutPage({ action: url, back: sandboxPath(route.user, route.name) });
      res.writeHead(200, { ...PAGE_HEADERS, 'content-type': 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : body);
      ctx.metrics.request(200);
      return true;
    }
    ctx.controls.signOut(identity, address).then(
      () => {
        if (res.destroyed) return;
        res.writeHead(303, {
          location: ctx.signInUrl,
          'content-length': 0,
          'cache-control': 'no-store',
          ...(ctx.clearCookie !== null ? { 'set-cookie': ctx.clearCookie } : {}),
        });
        res.end();
        ctx.metrics.request(303);
      },
      (err: unknown) => failed(ctx, req, res, err, 'signing out from a sandbox failed'),
    );
    return true;
  }
  if (control === 'idle_stop' || control === 'keep') {
    answerIdleStop(ctx, control, req, res, identity, route, address);
    return true;
  }
  if (!mayStop(identity)) {
    ctx.reply(req, res, { code: 'FORBIDDEN', message: 'This token lacks the scope sandboxes:launch, which stopping a sandbox needs.' });
    return true;
  }
  ctx.controls.stop(identity, route, address).then(
    () => {
      if (res.destroyed) return;
      // Jupyter's Quit button shows its "Server stopped" dialog on any success.
      const body = JSON.stringify({ sandbox: `${route.user}/${route.name}`, state: 'stopped' });
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
      res.end(body);
      ctx.metrics.request(200);
    },
    (err: unknown) => failed(ctx, req, res, err, 'stopping a sandbox from Jupyter failed'),
  );
  return true;
}

/**
 * The notebook page's idle-stop notice: its owner reads the stop the hub has warned of, and
 * keeps the sandbox running (a token needs `sandboxes:launch`, as the API's keep does). Anyone
 * else (an admin with adminAccess) is refused: the notice is the owner's.
 */
function answerIdleStop(
  ctx: ControlContext,
  control: 'idle_stop' | 'keep',
  req: IncomingMessage,
  res: ServerResponse,
  identity: ProxyIdentity,
  route: ProxyRoute,
  address: string | null,
): void {
  if (identity.username !== route.user) {
    ctx.reply(req, res, { code: 'FORBIDDEN', message: 'Only the owner of this sandbox is told of its idle stop.' });
    return;
  }
  const answer = () => {
    if (res.destroyed) return;
    const body = JSON.stringify({ idleStop: ctx.controls.idleStop(route) });
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
    res.end(req.method === 'HEAD' ? undefined : body);
    ctx.metrics.request(200);
  };
  if (control === 'idle_stop') return answer();
  if (!mayStop(identity)) {
    ctx.reply(req, res, { code: 'FORBIDDEN', message: 'This token lacks the scope sandboxes:launch, which keeping a sandbox running needs.' });
    return;
  }
  ctx.controls.keep(identity, route, address).then(answer, (err: unknown) => failed(ctx, req, res, err, 'keeping a sandbox running from Jupyter failed'));
}

function failed(ctx: ControlContext, req: IncomingMessage, res: ServerResponse, err: unknown, what: string): void {
  if (isShivaError(err)) {
    ctx.reply(req, res, { code: err.code, message: err.message });
    return;
  }
  ctx.log.error({ err: err instanceof Error ? err.message : String(err), url: req.url }, `proxy: ${what}`);
  ctx.reply(req, res, { code: 'INTERNAL', message: errorCodes.INTERNAL.message });
}
