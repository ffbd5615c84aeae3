/**
 * The proxy's own answers, when it does not forward: error pages or JSON bodies with the API's
 * codes, redirects, and raw answers on a socket that asked for a WebSocket.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { errorCodes, type ErrorCode } from '../contract/errors.js';
import { isBrowserNavigation } from './headers.js';
import { errorJson, errorPage, PAGE_HEADERS, type PageOptions } from './pages.js';
import type { ProxyMetrics } from './types.js';

/** What the proxy answers instead of forwarding: a code (and so a status) and words for people. */
export interface Refusal {
  code: ErrorCode;
  message: string;
  details?: unknown;
  /** The HTML page for browsers, when it should say more than `message`. */
  page?: PageOptions;
}

const titles: Partial<Record<ErrorCode, string>> = {
  NOT_FOUND: 'Not found',
  FORBIDDEN: 'Not your sandbox',
  UNAUTHENTICATED: 'Sign in',
  SANDBOX_NOT_RUNNING: 'Sandbox not running',
  SANDBOX_UNREACHABLE: 'Sandbox not answering',
  SANDBOX_BAD_RESPONSE: 'Bad answer from the sandbox',
  SANDBOX_CONNECTION_LOST: 'Sandbox connection lost',
  INVALID_HEADER: 'Bad request',
  BAD_REQUEST: 'Bad request',
  INTERNAL: 'Something went wrong',
};

export function titleOf(code: ErrorCode): string {
  return titles[code] ?? 'Error';
}

/** Answers with the refusal: an HTML page to a browser navigating (its dashboard link goes to `home`), the API's JSON otherwise. */
export function reply(req: IncomingMessage, res: ServerResponse, refusal: Refusal, metrics: ProxyMetrics, home = '/'): void {
  if (res.headersSent || res.destroyed) {
    res.destroy();
    return;
  }
  const status = errorCodes[refusal.code].status;
  const browser = isBrowserNavigation(req);
  const body = browser
    ? errorPage({ ...(refusal.page ?? { title: titleOf(refusal.code), message: refusal.message }), home })
    : errorJson(refusal.code, refusal.message, refusal.details);
  res.writeHead(status, {
    ...PAGE_HEADERS,
    'content-type': browser ? 'text/html; charset=utf-8' : 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
  });
  res.end(body);
  metrics.request(status);
}

export function redirect(res: ServerResponse, status: 301 | 302, location: string, metrics: ProxyMetrics): void {
  res.writeHead(status, { location, 'content-length': 0, 'cache-control': 'no-store' });
  res.end();
  metrics.request(status);
}

function destroyThis(this: Duplex): void {
  this.destroy();
}

/** Answers a WebSocket request on its raw socket with the API's JSON error, then closes it. */
export function refuseUpgrade(socket: Duplex, code: ErrorCode, message: string): void {
  if (socket.destroyed || !socket.writable) {
    socket.destroy();
    return;
  }
  const status = errorCodes[code].status;
  const body = errorJson(code, message);
  socket.once('finish', destroyThis);
  socket.end(
    `HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? ''}\r\n` +
      'connection: close\r\n' +
      'content-type: application/json; charset=utf-8\r\n' +
      `content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

/** The status line and headers of an answer relayed on a raw socket. */
export function responseHead(status: number, reason: string, headers: string[]): string {
  let head = `HTTP/1.1 ${status} ${reason}\r\n`;
  for (let i = 0; i < headers.length; i += 2) head += `${headers[i] as string}: ${headers[i + 1] as string}\r\n`;
  return head + '\r\n';
}
