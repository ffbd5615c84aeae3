/**
 * Idle request bodies (slowloris): a request whose body stops arriving is answered
 * `408 REQUEST_TIMEOUT` and its connection closed, for the API and for sandboxes alike. The
 * limit is on silence, not on duration, so a large upload over a slow link that keeps sending
 * is never cut off: it rides on the socket's own idle timer, which every byte in either
 * direction restarts (node's `socket.setTimeout`), so a body costs no timer of its own per
 * chunk. Node's `requestTimeout` is no help here: it bounds the whole request, which would cut
 * off the slow upload, and the hub keeps it at 0 for long-lived kernel connections.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { errorCodes } from '../contract/errors.js';

/** Where a closed idle request is noted (the hub's pino logger fits). */
export interface IdleBodyLogger {
  info(obj: object, msg?: string): void;
}

/** Whether node will read a body for this request (a non-zero length, or chunks). */
function hasBody(req: IncomingMessage): boolean {
  const headers = req.headers;
  if (headers['transfer-encoding'] !== undefined) return true;
  const length = headers['content-length'];
  return length !== undefined && length !== '0';
}

const body = JSON.stringify({ error: { code: 'REQUEST_TIMEOUT', message: errorCodes.REQUEST_TIMEOUT.message } });

/**
 * Watches the body of `req`, if it has one: when `idleMs` (milliseconds) pass without a byte on
 * the connection before the body is complete, answers 408 with the API's error body (unless an
 * answer has begun) and closes the connection, which also ends any sandbox request it feeds.
 */
export function watchRequestBody(req: IncomingMessage, res: ServerResponse, idleMs: number, log: IdleBodyLogger): void {
  if (!hasBody(req)) return;
  const socket = req.socket;
  const stop = (): void => {
    req.removeListener('timeout', onIdle);
    req.removeListener('end', stop);
    req.removeListener('close', stop);
    // Once the answer is out node has set the connection's keep-alive timer: leave it be.
    if (!res.writableFinished && !socket.destroyed) socket.setTimeout(0);
  };
  const onIdle = (): void => {
    stop();
    log.info({ method: req.method, url: req.url, idleSeconds: idleMs / 1000 }, 'request body idle: answered 408 and closed');
    if (res.headersSent) {
      socket.destroy();
      return;
    }
    res.once('finish', () => socket.destroy());
    res.writeHead(408, {
      connection: 'close',
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(body),
      'cache-control': 'no-store',
    });
    res.end(body);
  };
  // `req.setTimeout` puts the listener on the request, so node's own handler of the socket's
  // timeout hands it over instead of destroying the socket unanswered.
  req.setTimeout(idleMs, onIdle);
  req.once('end', stop);
  req.once('close', stop);
}
