/**
 * What a client gets when node's HTTP parser refuses its request before any route sees it (an
 * invalid header, ambiguous framing, a head too large or too slow): the API's error body with a
 * stable code, then the connection closed, since where the bad request ends is unknown. It
 * replaces Fastify's default `clientErrorHandler`, whose bodies have another shape, and node's,
 * which sends none.
 */
import http from 'node:http';
import type { Duplex } from 'node:stream';
import { errorCodes, type ErrorCode } from '../contract/errors.js';

/** Node's parser errors (llhttp `HPE_*` codes) that mean a header or the framing is invalid. */
const headerErrors: ReadonlySet<string> = new Set([
  'HPE_INVALID_HEADER_TOKEN',
  'HPE_INVALID_TRANSFER_ENCODING',
  'HPE_UNEXPECTED_CONTENT_LENGTH',
  'HPE_INVALID_CONTENT_LENGTH',
  'HPE_CR_EXPECTED',
  'HPE_LF_EXPECTED',
  'HPE_INVALID_CHUNK_SIZE',
]);

/** The stable code for a client error node reports (`err.code`). */
export function clientErrorCode(code: string | undefined): ErrorCode {
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return 'REQUEST_TIMEOUT';
  if (code === 'HPE_HEADER_OVERFLOW') return 'HEADERS_TOO_LARGE';
  if (code !== undefined && headerErrors.has(code)) return 'INVALID_HEADER';
  return 'BAD_REQUEST';
}

/** Node's `clientError` event handler: answers with the API's error body and closes the connection. */
export function answerClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
  // A connection reset by the client has nobody left to answer.
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const code = clientErrorCode(err.code);
  const { status, message } = errorCodes[code];
  const body = JSON.stringify({ error: { code, message } });
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? ''}\r\nConnection: close\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nCache-Control: no-store\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}
