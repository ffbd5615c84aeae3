/**
 * The door to the sandboxes: `/user/<user>/<name>/…` on the hub's public port, checked (owner
 * or admin) and forwarded unchanged to the sandbox's Jupyter server with the sandbox's token.
 * Plain requests stream through one keep-alive connection pool; WebSocket upgrades become
 * tunnels. The checks come before the route lookup so that strangers learn nothing of which
 * sandboxes exist.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { errorCodes, type ErrorCode } from '../contract/errors.js';
import {
  downstreamResponseHeaders,
  hasRequestBody,
  isBrowserNavigation,
  upstreamRequestHeaders,
} from './headers.js';
import {
  classifyUpstreamError,
  describeAbsence,
  errorJson,
  errorPage,
  unreachableMessage,
  type PageOptions,
} from './pages.js';
import { SandboxPool } from './pool.js';
import { parseUserPath, type UserPath } from './route-table.js';
import { openTunnel, type Tunnel } from './tunnel.js';
import { noopProxyMetrics, type Proxy, type ProxyDeps, type ProxyIdentity, type ProxyRoute } from './types.js';

const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
const TCP_KEEPALIVE_MS = 30_000;

const titles: Partial<Record<ErrorCode, string>> = {
  NOT_FOUND: 'Not found',
  FORBIDDEN: 'Not your sandbox',
  SANDBOX_NOT_RUNNING: 'Sandbox not running',
  SANDBOX_UNREACHABLE: 'Sandbox not answering',
  BAD_REQUEST: 'Bad request',
  INTERNAL: 'Something went wrong',
};

type Identity = ProxyIdentity | null;

function isPromise(value: Identity | Promise<Identity>): value is Promise<Identity> {
  return value !== null && typeof (value as { then?: unknown }).then === 'function';
}

/** What the proxy answers instead of forwarding: a status, a code and words for people. */
interface Refusal {
  code: ErrorCode;
  message: string;
  details?: unknown;
  page?: PageOptions;
}

export function createProxy(deps: ProxyDeps): Proxy {
  const { routes, activity, log, sessionCookieName: cookieName, loginPath } = deps;
  const metrics = deps.metrics ?? noopProxyMetrics;
  const loginPrefix = loginPath + (loginPath.includes('?') ? '&next=' : '?next=');
  const agent = new SandboxPool(deps.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS);
  /** Upgrades in progress and open tunnels, so that close() can end them. */
  const upgrades = new Set<Tunnel>();
  let closed = false;

  /** Owner or admin passes; the rest are refused before the route table is read. */
  function check(path: UserPath, identity: Identity): Refusal | ProxyRoute {
    if (identity === null) return { code: 'UNAUTHENTICATED', message: errorCodes.UNAUTHENTICATED.message };
    if (identity.username !== path.user && !identity.admin) {
      return {
        code: 'FORBIDDEN',
        message: `The sandbox ${path.user}/${path.name} belongs to another user.`,
        page: {
          title: titles.FORBIDDEN ?? 'Forbidden',
          message: `You are signed in as ${identity.username}; the sandbox ${path.user}/${path.name} is not yours.`,
        },
      };
    }
    const route = routes.get(path.user, path.name);
    if (route !== undefined) return route;
    const absence = describeAbsence(path.user, path.name, deps.describe(path.user, path.name));
    const refusal: Refusal = {
      code: 'SANDBOX_NOT_RUNNING',
      message: absence.message,
      details: { sandbox: `${path.user}/${path.name}`, state: absence.state, reason: absence.reason },
      page: { title: titles.SANDBOX_NOT_RUNNING ?? 'Not running', message: absence.message },
    };
    if (absence.transient && refusal.page) refusal.page.refreshSeconds = 2;
    return refusal;
  }

  // ---- plain requests ------------------------------------------------------------------

  function reply(req: IncomingMessage, res: ServerResponse, refusal: Refusal): void {
    if (res.headersSent || res.destroyed) {
      res.destroy();
      return;
    }
    const status = errorCodes[refusal.code].status;
    const browser = isBrowserNavigation(req);
    const body = browser
      ? errorPage(refusal.page ?? { title: titles[refusal.code] ?? 'Error', message: refusal.message })
      : errorJson(refusal.code, refusal.message, refusal.details);
    res.writeHead(status, {
      'content-type': browser ? 'text/html; charset=utf-8' : 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(body),
      'cache-control': 'no-store',
    });
    res.end(body);
    metrics.request(status);
  }

  function redirect(res: ServerResponse, status: 301 | 302, location: string): void {
    res.writeHead(status, { location, 'content-length': 0, 'cache-control': 'no-store' });
    res.end();
    metrics.request(status);
  }

  function handleRequest(req: IncomingMessage, res: ServerResponse): void {
    const url = req.url ?? '/';
    const path = parseUserPath(url);
    if (path === null) {
      reply(req, res, { code: 'NOT_FOUND', message: 'There is no sandbox at this address.' });
      return;
    }
    if (path.needsSlash) {
      redirect(res, 301, `${url.slice(0, path.prefixEnd)}/${url.slice(path.prefixEnd)}`);
      return;
    }
    let identity: Identity | Promise<Identity>;
    try {
      identity = deps.authenticate(req);
    } catch (err) {
      authFailed(req, res, err);
      return;
    }
    if (isPromise(identity)) {
      identity.then(
        (resolved) => {
          if (!res.destroyed) admit(req, res, url, path, resolved);
        },
        (err: unknown) => authFailed(req, res, err),
      );
      return;
    }
    admit(req, res, url, path, identity);
  }

  function authFailed(req: IncomingMessage, res: ServerResponse, err: unknown): void {
    log.error({ err: err instanceof Error ? err.message : String(err), url: req.url }, 'proxy: authentication failed');
    reply(req, res, { code: 'INTERNAL', message: errorCodes.INTERNAL.message });
  }

  function admit(req: IncomingMessage, res: ServerResponse, url: string, path: UserPath, identity: Identity): void {
    const verdict = check(path, identity);
    if ('code' in verdict) {
      if (verdict.code === 'UNAUTHENTICATED' && isBrowserNavigation(req)) {
        redirect(res, 302, loginPrefix + encodeURIComponent(url));
      } else {
        if (verdict.code === 'UNAUTHENTICATED') res.setHeader('www-authenticate', 'Bearer');
        reply(req, res, verdict);
      }
      return;
    }
    activity.touch(verdict.sandboxId);
    forward(req, res, url, verdict);
  }

  function forward(req: IncomingMessage, res: ServerResponse, url: string, route: ProxyRoute): void {
    let headers: string[];
    try {
      headers = upstreamRequestHeaders(req, 'token ' + route.token, cookieName, false);
    } catch {
      reply(req, res, { code: 'BAD_REQUEST', message: errorCodes.BAD_REQUEST.message });
      return;
    }
    const hasBody = hasRequestBody(req);
    let upReq: http.ClientRequest | undefined;
    let retried = false;
    let clientGone = false;

    res.once('close', () => {
      if (!res.writableFinished) {
        clientGone = true;
        upReq?.destroy();
      }
    });

    const onResponse = (upRes: IncomingMessage): void => {
      if (clientGone) {
        upRes.destroy();
        return;
      }
      const status = upRes.statusCode ?? 502;
      const { headers: down, sized } = downstreamResponseHeaders(upRes.rawHeaders, cookieName);
      try {
        res.writeHead(status, upRes.statusMessage, down);
      } catch (err) {
        upRes.destroy();
        onError(err as NodeJS.ErrnoException);
        return;
      }
      metrics.request(status);
      // A stream (no length) may hold its first chunk back for long: send the head now.
      if (!sized) setImmediate(flushHead, res);
      relayBody(upRes, res);
    };

    const onError = (err: NodeJS.ErrnoException): void => {
      if (clientGone) return;
      // A pooled connection the sandbox closed while idle: try once more on a fresh one.
      if (!retried && !hasBody && upReq?.reusedSocket === true && !res.headersSent && classifyUpstreamError(err) === 'reset') {
        retried = true;
        send();
        return;
      }
      const failure = classifyUpstreamError(err);
      log.warn(
        {
          code: err.code ?? failure,
          sandboxId: route.sandboxId,
          route: `${route.user}/${route.name}`,
          target: `${route.target.host}:${route.target.port}`,
          method: req.method,
        },
        'proxy: sandbox unreachable',
      );
      reply(req, res, { code: 'SANDBOX_UNREACHABLE', message: unreachableMessage(route.user, route.name, failure) });
    };

    const send = (): void => {
      try {
        upReq = http.request({
          agent,
          host: route.target.host,
          port: route.target.port,
          method: req.method,
          path: url,
          headers,
          setHost: false,
        });
      } catch {
        reply(req, res, { code: 'BAD_REQUEST', message: errorCodes.BAD_REQUEST.message });
        return;
      }
      upReq.on('response', onResponse);
      upReq.on('error', onError);
      if (hasBody) req.pipe(upReq);
      else upReq.end();
    };

    send();
  }

  // ---- WebSocket upgrades --------------------------------------------------------------

  function handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    // The server took its own listeners off the socket; without one an error would crash the hub.
    socket.on('error', destroySocket);
    const url = req.url ?? '/';
    const path = parseUserPath(url);
    if (path === null || path.needsSlash) {
      refuseUpgrade(socket, 'NOT_FOUND', 'There is no sandbox at this address.');
      return;
    }
    let identity: Identity | Promise<Identity>;
    try {
      identity = deps.authenticate(req);
    } catch (err) {
      upgradeAuthFailed(req, socket, err);
      return;
    }
    if (isPromise(identity)) {
      identity.then(
        (resolved) => {
          if (!socket.destroyed) admitUpgrade(req, socket, head, url, path, resolved);
        },
        (err: unknown) => upgradeAuthFailed(req, socket, err),
      );
      return;
    }
    admitUpgrade(req, socket, head, url, path, identity);
  }

  function upgradeAuthFailed(req: IncomingMessage, socket: Duplex, err: unknown): void {
    log.error({ err: err instanceof Error ? err.message : String(err), url: req.url }, 'proxy: authentication failed');
    refuseUpgrade(socket, 'INTERNAL', errorCodes.INTERNAL.message);
  }

  function refuseUpgrade(socket: Duplex, code: ErrorCode, message: string, result: 'refused' | 'error' = 'refused'): void {
    metrics.upgrade(result);
    if (socket.destroyed || !socket.writable) {
      socket.destroy();
      return;
    }
    const status = errorCodes[code].status;
    const body = errorJson(code, message);
    socket.once('finish', destroySocket);
    socket.end(
      `HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? ''}\r\n` +
        'connection: close\r\n' +
        'content-type: application/json; charset=utf-8\r\n' +
        `content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  }

  function admitUpgrade(
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    url: string,
    path: UserPath,
    identity: Identity,
  ): void {
    const verdict = check(path, identity);
    if ('code' in verdict) {
      refuseUpgrade(socket, verdict.code, verdict.message);
      return;
    }
    const route = verdict;
    const sandboxId = route.sandboxId;
    activity.touch(sandboxId);
    let upReq: http.ClientRequest;
    try {
      upReq = http.request({
        agent,
        host: route.target.host,
        port: route.target.port,
        method: req.method,
        path: url,
        headers: upstreamRequestHeaders(req, 'token ' + route.token, cookieName, true),
        setHost: false,
      });
    } catch {
      refuseUpgrade(socket, 'BAD_REQUEST', errorCodes.BAD_REQUEST.message);
      return;
    }
    let tunnelled = false;
    const pending: Tunnel = {
      destroy() {
        upReq.destroy();
        socket.destroy();
      },
    };
    upgrades.add(pending);
    socket.once('close', () => {
      upgrades.delete(pending);
      if (!tunnelled) upReq.destroy();
    });

    upReq.on('upgrade', (upRes: IncomingMessage, upSocket: Socket, upHead: Buffer) => {
      upgrades.delete(pending);
      if (socket.destroyed || closed) {
        upSocket.destroy();
        return;
      }
      tunnelled = true;
      upSocket.setNoDelay(true);
      upSocket.setKeepAlive(true, TCP_KEEPALIVE_MS);
      upSocket.setTimeout(0);
      if (socket instanceof Socket) {
        socket.setNoDelay(true);
        socket.setKeepAlive(true, TCP_KEEPALIVE_MS);
        socket.setTimeout(0);
      }
      const { headers } = downstreamResponseHeaders(upRes.rawHeaders, cookieName, true);
      socket.write(responseHead(upRes, headers));
      if (upHead.length > 0) socket.write(upHead);
      if (head.length > 0) upSocket.write(head);
      const tunnel = openTunnel(
        socket,
        upSocket,
        () => activity.touch(sandboxId),
        () => upgrades.delete(tunnel),
      );
      upgrades.add(tunnel);
      metrics.upgrade('ok');
    });

    upReq.on('response', (upRes: IncomingMessage) => {
      // The sandbox declined to upgrade (e.g. 403 for a bad Origin): pass its answer on and close.
      metrics.upgrade('refused');
      if (socket.destroyed) {
        upRes.destroy();
        return;
      }
      const { headers } = downstreamResponseHeaders(upRes.rawHeaders, cookieName);
      headers.push('connection', 'close');
      socket.write(responseHead(upRes, headers));
      socket.once('finish', destroySocket);
      upRes.once('close', () => {
        if (!upRes.complete) socket.destroy();
      });
      upRes.pipe(socket);
    });

    upReq.on('error', (err: NodeJS.ErrnoException) => {
      if (socket.destroyed || tunnelled) {
        socket.destroy();
        return;
      }
      const failure = classifyUpstreamError(err);
      log.warn(
        {
          code: err.code ?? failure,
          sandboxId,
          route: `${route.user}/${route.name}`,
          target: `${route.target.host}:${route.target.port}`,
          upgrade: true,
        },
        'proxy: sandbox unreachable',
      );
      refuseUpgrade(socket, 'SANDBOX_UNREACHABLE', unreachableMessage(route.user, route.name, failure), 'error');
    });

    upReq.end();
  }

  function close(): Promise<void> {
    closed = true;
    for (const tunnel of upgrades) tunnel.destroy();
    upgrades.clear();
    agent.destroy();
    return Promise.resolve();
  }

  return { handleRequest, handleUpgrade, close };
}

/**
 * Streams the sandbox's answer to the client with backpressure. Lighter than `pipe()`, which
 * sets up more listeners than one response needs; a sandbox that breaks off mid-answer breaks
 * off the client's answer too, so that it is not taken as complete.
 */
function relayBody(upRes: IncomingMessage, res: ServerResponse): void {
  upRes.on('data', (chunk: Buffer) => {
    if (!res.write(chunk)) {
      upRes.pause();
      res.once('drain', () => upRes.resume());
    }
  });
  upRes.on('end', () => res.end());
  upRes.on('close', () => {
    if (!upRes.complete) res.destroy();
  });
}

function flushHead(res: ServerResponse): void {
  if (!res.writableEnded && !res.destroyed) res.flushHeaders();
}

function destroySocket(this: Duplex): void {
  this.destroy();
}

/** The status line and headers of an answer relayed on a raw socket. */
function responseHead(upRes: IncomingMessage, headers: string[]): string {
  let head = `HTTP/1.1 ${upRes.statusCode ?? 502} ${upRes.statusMessage ?? ''}\r\n`;
  for (let i = 0; i < headers.length; i += 2) head += `${headers[i] as string}: ${headers[i + 1] as string}\r\n`;
  return head + '\r\n';
}
