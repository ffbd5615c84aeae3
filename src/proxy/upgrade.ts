/**
 * A WebSocket request, once admitted: sent to the sandbox on a fresh connection (a tunnel keeps
 * its connection, so it never comes from the pool), and on `101` turned into a tunnel between
 * the two sockets. If the sandbox answers without upgrading (a 403 for a bad Origin, say), that
 * answer is passed on and both sockets are closed.
 */
import http, { type IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { errorCodes } from '../contract/errors.js';
import { downstreamResponseHeaders, sandboxCredential, upstreamRequestHeaders } from './headers.js';
import { badAnswerMessage, classifyUpstreamError, unreachableMessage } from './pages.js';
import type { SandboxPool } from './pool.js';
import { refuseUpgrade, responseHead } from './respond.js';
import { openTunnel, type ChunkWatcher, type Tunnel } from './tunnel.js';
import type { ProxyActivity, ProxyLogger, ProxyMetrics, ProxyRoute } from './types.js';
import { WebSocketFrameReader } from './ws-frames.js';

const TCP_KEEPALIVE_MS = 30_000;
/** A tunnel records its activity at most this often: culling counts in minutes, data frames come by the thousand. */
const TOUCH_EVERY_MS = 1_000;

export interface UpgradeContext {
  pool: SandboxPool;
  /** Whether client-sent X-Forwarded-* are passed on (see upstreamRequestHeaders). */
  trustProxy: boolean;
  metrics: ProxyMetrics;
  log: ProxyLogger;
  activity: ProxyActivity;
  /** Upgrades in progress and open tunnels, so that the proxy can end them when it closes. */
  open: Set<Tunnel>;
}

function destroyThis(this: Duplex): void {
  this.destroy();
}

export function forwardUpgrade(
  ctx: UpgradeContext,
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  url: string,
  route: ProxyRoute,
  byCookie: boolean,
): void {
  const { pool, trustProxy, metrics, open } = ctx;
  const sandboxId = route.sandboxId;
  const { host, port } = route.target;
  let upReq: http.ClientRequest;
  try {
    upReq = http.request({
      host,
      port,
      method: req.method,
      path: url,
      headers: upstreamRequestHeaders(req, sandboxCredential(route.token, byCookie), trustProxy, true),
      setHost: false,
      createConnection: () => pool.openSocket(host, port),
    });
  } catch {
    metrics.upgrade('refused');
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
  open.add(pending);
  socket.once('close', () => {
    open.delete(pending);
    if (!tunnelled) upReq.destroy();
  });

  upReq.on('upgrade', (upRes: IncomingMessage, upSocket: Socket, upHead: Buffer) => {
    open.delete(pending);
    if (socket.destroyed || pool.closed) {
      upSocket.destroy();
      return;
    }
    tunnelled = true;
    upSocket.setKeepAlive(true, TCP_KEEPALIVE_MS);
    upSocket.setTimeout(0);
    if (socket instanceof Socket) {
      socket.setNoDelay(true);
      socket.setKeepAlive(true, TCP_KEEPALIVE_MS);
      socket.setTimeout(0);
    }
    const { headers } = downstreamResponseHeaders(upRes.rawHeaders, true);
    socket.write(responseHead(upRes.statusCode ?? 101, upRes.statusMessage ?? '', headers));
    const watch = dataFrameWatcher(ctx.activity, sandboxId);
    // Bytes that came with the handshake are the start of each direction's frames.
    if (upHead.length > 0) {
      watch(upHead, false);
      socket.write(upHead);
    }
    if (head.length > 0) {
      watch(head, true);
      upSocket.write(head);
    }
    const tunnel = openTunnel(socket, upSocket, watch, () => open.delete(tunnel));
    open.add(tunnel);
    metrics.upgrade('ok');
  });

  upReq.on('response', (upRes: IncomingMessage) => {
    metrics.upgrade('refused');
    if (socket.destroyed) {
      upRes.destroy();
      return;
    }
    const { headers } = downstreamResponseHeaders(upRes.rawHeaders);
    headers.push('connection', 'close');
    socket.write(responseHead(upRes.statusCode ?? 502, upRes.statusMessage ?? '', headers));
    socket.once('finish', destroyThis);
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
    ctx.log.warn(
      {
        code: err.code ?? failure,
        sandboxId,
        route: `${route.user}/${route.name}`,
        target: `${host}:${port}`,
        upgrade: true,
        answer: err.code?.startsWith('HPE_') === true ? 'SANDBOX_BAD_RESPONSE' : 'SANDBOX_UNREACHABLE',
      },
      'proxy: sandbox unreachable',
    );
    metrics.upgrade('error');
    // Node's parser refused the sandbox's answer (llhttp's `HPE_*` codes): the answer was bad,
    // as in forward.ts, not the sandbox unreachable.
    if (err.code?.startsWith('HPE_') === true) refuseUpgrade(socket, 'SANDBOX_BAD_RESPONSE', badAnswerMessage(route.user, route.name));
    else refuseUpgrade(socket, 'SANDBOX_UNREACHABLE', unreachableMessage(route.user, route.name, failure));
  });

  upReq.end();
}

/**
 * Watches both directions of a tunnel with a frame reader each, and records `websocket` activity
 * for a chunk that carries a data frame (never for pings, pongs and closes: Notebook 6 pings every
 * idle socket every 30 s), at most once per TOUCH_EVERY_MS.
 */
function dataFrameWatcher(activity: ProxyActivity, sandboxId: string): ChunkWatcher {
  const fromClient = new WebSocketFrameReader();
  const fromSandbox = new WebSocketFrameReader();
  let touchedAt = 0;
  return (chunk, fromA) => {
    if (!(fromA ? fromClient : fromSandbox).read(chunk)) return;
    const now = Date.now();
    if (now - touchedAt < TOUCH_EVERY_MS) return;
    touchedAt = now;
    activity.touch(sandboxId, 'websocket');
  };
}
