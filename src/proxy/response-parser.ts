/**
 * An incremental parser of HTTP/1.x responses from a sandbox, for the proxy's own connection
 * pool. It finds the status, the raw header list and the body framing (RFC 9112 §6.3), and
 * hands on body bytes as slices of the chunks it is fed, without copying.
 *
 * It refuses every answer it cannot frame unambiguously, since the rest of such an answer
 * could be read as the answer to the next request on a kept-alive connection (response
 * splitting): Transfer-Encoding together with Content-Length, or on HTTP/1.0, or with any
 * final coding but chunked; more than one Content-Length; lines not ended by CRLF; obs-fold;
 * header names that are not tokens and values with control characters; malformed chunk lines.
 * A bodiless answer (RFC 9112 §6.3 rules 1–2: 1xx, 204, 304, an answer to HEAD) or one of
 * `Content-Length: 0` is complete at its head; bytes after any complete answer make the
 * connection unusable. Node's own parser, llhttp, is the reference it is tested against.
 */
import { isFieldValue, isToken } from './field-syntax.js';

export interface ResponseHead {
  status: number;
  reason: string;
  /** `[name, value, name, value, …]`, names as sent. */
  rawHeaders: string[];
}

/** What the parser reports to; a call may stop the parser (see `ResponseParser.stop`). */
export interface ResponseSink {
  onHead(head: ResponseHead): void;
  onBody(chunk: Buffer): void;
  /** The response is complete; `reusable` when the connection may carry another request. */
  onComplete(reusable: boolean): void;
}

export class ResponseParseError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'ResponseParseError';
    this.code = code;
  }
}

/** The most a response head (status line and headers) or a trailer section may weigh. */
export const MAX_HEAD_BYTES = 64 * 1024;
/** A chunk-size line with extensions longer than this is refused. */
const MAX_CHUNK_LINE = 4096;

const enum State {
  Head,
  Length,
  ChunkSize,
  ChunkData,
  ChunkDataCR,
  ChunkDataLF,
  Trailers,
  UntilClose,
  Done,
}

const LF = 0x0a;
const CR = 0x0d;
const HEAD_END = Buffer.from('\r\n\r\n', 'latin1');

export class ResponseParser {
  #state = State.Done;
  #noBody = false;
  #pending: Buffer | null = null;
  #scanFrom = 0;
  #remaining = 0;
  #line = '';
  #trailerBytes = 0;
  #reusable = false;
  #stopped = false;
  /** The idle time after which the sandbox said it closes the connection, or -1 if it did not say. */
  keepAliveMs = -1;

  /** Prepares for the response to the next request; `noBody` for a HEAD request. */
  reset(noBody: boolean): void {
    this.#state = State.Head;
    this.#noBody = noBody;
    this.#pending = null;
    this.#scanFrom = 0;
    this.#remaining = 0;
    this.#line = '';
    this.#trailerBytes = 0;
    this.#reusable = false;
    this.#stopped = false;
  }

  /** Stops the current `execute` after the sink call in progress (the exchange is gone). */
  stop(): void {
    this.#stopped = true;
    this.#state = State.Done;
  }

  /** True between `reset` and the end of the response. */
  get busy(): boolean {
    return this.#state !== State.Done;
  }

  /** Whether bytes received so far started a response (some of its head arrived). */
  get started(): boolean {
    return this.#state !== State.Head || this.#pending !== null;
  }

  /** Feeds bytes; returns an error when the response is malformed. */
  execute(chunk: Buffer, sink: ResponseSink): ResponseParseError | null {
    let data = chunk;
    let offset = 0;
    while (offset < data.length && !this.#stopped) {
      switch (this.#state) {
        case State.Head: {
          if (this.#pending !== null) {
            data = Buffer.concat([this.#pending, data.subarray(offset)]);
            offset = 0;
            this.#pending = null;
          }
          const end = data.indexOf(HEAD_END, offset + this.#scanFrom);
          if (end < 0) {
            if (data.length - offset > MAX_HEAD_BYTES) return new ResponseParseError('HEAD_TOO_LARGE', 'response head too large');
            this.#pending = data.subarray(offset);
            this.#scanFrom = Math.max(0, this.#pending.length - 3);
            return null;
          }
          this.#scanFrom = 0;
          if (end - offset > MAX_HEAD_BYTES) return new ResponseParseError('HEAD_TOO_LARGE', 'response head too large');
          const bodyStart = end + 4;
          const err = this.#onHead(data.toString('latin1', offset, end), sink, data.length - bodyStart);
          if (err) return err;
          offset = bodyStart;
          break;
        }
        case State.Length: {
          const take = Math.min(this.#remaining, data.length - offset);
          sink.onBody(data.subarray(offset, offset + take));
          offset += take;
          this.#remaining -= take;
          if (this.#remaining === 0) this.#complete(sink, data.length - offset);
          break;
        }
        case State.UntilClose:
          sink.onBody(offset === 0 ? data : data.subarray(offset));
          offset = data.length;
          break;
        case State.ChunkSize: {
          const lf = data.indexOf(LF, offset);
          const end = lf === -1 ? data.length : lf;
          this.#line += data.toString('latin1', offset, end);
          if (this.#line.length > MAX_CHUNK_LINE) return new ResponseParseError('CHUNK_LINE_TOO_LONG', 'chunk size line too long');
          if (lf === -1) return null;
          offset = lf + 1;
          const size = parseChunkLine(this.#line);
          this.#line = '';
          if (size < 0) return new ResponseParseError('INVALID_CHUNK_SIZE', 'invalid chunk size line');
          if (size === 0) {
            this.#state = State.Trailers;
            this.#trailerBytes = 0;
          } else {
            this.#remaining = size;
            this.#state = State.ChunkData;
          }
          break;
        }
        case State.ChunkData: {
          const take = Math.min(this.#remaining, data.length - offset);
          sink.onBody(data.subarray(offset, offset + take));
          offset += take;
          this.#remaining -= take;
          if (this.#remaining === 0) this.#state = State.ChunkDataCR;
          break;
        }
        case State.ChunkDataCR:
          if (data[offset++] !== CR) return new ResponseParseError('INVALID_CHUNK', 'chunk data not followed by CRLF');
          this.#state = State.ChunkDataLF;
          break;
        case State.ChunkDataLF:
          if (data[offset++] !== LF) return new ResponseParseError('INVALID_CHUNK', 'chunk data not followed by CRLF');
          this.#state = State.ChunkSize;
          break;
        case State.Trailers: {
          // Trailers are checked like headers and dropped; an empty line ends them.
          const lf = data.indexOf(LF, offset);
          const end = lf === -1 ? data.length : lf;
          this.#line += data.toString('latin1', offset, end);
          this.#trailerBytes += end - offset + 1;
          if (this.#trailerBytes > MAX_HEAD_BYTES) return new ResponseParseError('HEAD_TOO_LARGE', 'trailers too large');
          if (lf === -1) return null;
          offset = lf + 1;
          const line = this.#line;
          this.#line = '';
          if (line.charCodeAt(line.length - 1) !== CR) return new ResponseParseError('INVALID_LINE_END', 'trailer line not ended by CRLF');
          if (line.length === 1) {
            this.#complete(sink, data.length - offset);
          } else {
            const err = checkFieldLine(line.slice(0, -1));
            if (err !== null) return err;
          }
          break;
        }
        case State.Done:
          // Bytes after a complete response: it was reported as not reusable, so the caller
          // drops the connection; the bytes go with it and reach nobody.
          return null;
      }
    }
    return null;
  }

  /** The connection ended: completes a response framed by its end, or reports a cut one. */
  finish(sink: ResponseSink): ResponseParseError | null {
    if (this.#state === State.UntilClose) {
      this.#state = State.Done;
      sink.onComplete(false);
      return null;
    }
    if (this.#state === State.Done) return null;
    return new ResponseParseError('PREMATURE_CLOSE', 'connection closed before the response was complete');
  }

  #complete(sink: ResponseSink, leftover: number): void {
    this.#state = State.Done;
    sink.onComplete(this.#reusable && leftover === 0);
  }

  /** Handles a head (without its final CRLFCRLF); `after` is how many bytes followed it in this read. */
  #onHead(text: string, sink: ResponseSink, after: number): ResponseParseError | null {
    const lines = text.split('\r\n');
    const statusLine = lines[0] as string;
    // HTTP/1.x SP 3DIGIT SP reason (RFC 9112 §4; the reason and the SP before it may be absent)
    if (!statusLine.startsWith('HTTP/1.') || statusLine.charCodeAt(8) !== 0x20) {
      return new ResponseParseError('INVALID_STATUS_LINE', 'invalid status line');
    }
    const minor = statusLine.charCodeAt(7) - 0x30;
    const status = parseStatus(statusLine);
    if (status < 0 || (minor !== 0 && minor !== 1)) return new ResponseParseError('INVALID_STATUS_LINE', 'invalid status line');
    const reason = statusLine.length > 13 ? statusLine.slice(13) : '';
    if (!isFieldValue(reason)) return new ResponseParseError('INVALID_STATUS_LINE', 'invalid reason phrase');

    const rawHeaders: string[] = [];
    let contentLength = -1;
    let transferCodings: string | null = null;
    let connectionClose = minor === 0;
    this.keepAliveMs = -1;
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i] as string;
      const first = line.charCodeAt(0);
      if (first === 0x20 || first === 0x09) return new ResponseParseError('OBS_FOLD', 'folded header line');
      const colon = line.indexOf(':');
      if (colon <= 0) return new ResponseParseError('INVALID_HEADER', 'invalid header line');
      const name = line.slice(0, colon);
      const value = trimOWS(line, colon + 1);
      if (!isToken(name) || !isFieldValue(value)) return new ResponseParseError('INVALID_HEADER', 'invalid header name or value');
      switch (name.length) {
        case 10: {
          const lower = name.toLowerCase();
          if (lower === 'connection') {
            const v = value.toLowerCase();
            if (hasToken(v, 'close')) connectionClose = true;
            else if (minor === 0 && hasToken(v, 'keep-alive')) connectionClose = false;
          } else if (lower === 'keep-alive') {
            this.keepAliveMs = keepAliveTimeout(value);
          }
          break;
        }
        case 14:
          if (name.toLowerCase() === 'content-length') {
            // One length, plain digits: a list or a repeat is how two parsers come to disagree.
            if (contentLength !== -1) return new ResponseParseError('INVALID_CONTENT_LENGTH', 'more than one content-length');
            // Whitespace after the digits is refused too: llhttp refuses a trailing tab.
            const last = line.charCodeAt(line.length - 1);
            contentLength = last === 0x20 || last === 0x09 ? -1 : parseDecimal(value);
            if (contentLength < 0) return new ResponseParseError('INVALID_CONTENT_LENGTH', 'invalid content-length');
          }
          break;
        case 17:
          if (name.toLowerCase() === 'transfer-encoding') {
            transferCodings = transferCodings === null ? value : `${transferCodings},${value}`;
          }
          break;
      }
      rawHeaders.push(name, value);
    }

    let chunked = false;
    if (transferCodings !== null) {
      // RFC 9112 §6.1: TE on HTTP/1.0 is faulty framing; §6.3 rule 3: TE with CL is an attack.
      if (minor === 0) return new ResponseParseError('TRANSFER_ENCODING_ON_HTTP10', 'transfer-encoding on HTTP/1.0');
      if (contentLength !== -1) return new ResponseParseError('TRANSFER_ENCODING_AND_LENGTH', 'both transfer-encoding and content-length');
      // Only `chunked`, once and last, is framed by the answer itself; anything else would be
      // framed by the connection's end, which a sandbox never needs.
      if (!isChunkedOnly(transferCodings)) return new ResponseParseError('INVALID_TRANSFER_ENCODING', 'transfer-encoding other than chunked');
      chunked = true;
    }

    if (status < 200) {
      if (status === 101) return new ResponseParseError('UNEXPECTED_UPGRADE', 'upgrade without a request for one');
      // 1xx informational answers precede the real one; they are not passed on.
      this.#state = State.Head;
      return null;
    }
    // An answer to HEAD that gives no length is one node's own client does not reuse either
    // (llhttp decides keep-alive before it learns the body is skipped): follow it.
    this.#reusable = !connectionClose && !(this.#noBody && contentLength === -1 && transferCodings === null && status !== 204 && status !== 304);
    sink.onHead({ status, reason, rawHeaders });
    if (this.#stopped) return null;
    if (this.#noBody || status === 204 || status === 304 || (!chunked && contentLength === 0)) {
      this.#complete(sink, after);
    } else if (chunked) {
      this.#state = State.ChunkSize;
      this.#line = '';
    } else if (contentLength > 0) {
      this.#state = State.Length;
      this.#remaining = contentLength;
    } else {
      this.#state = State.UntilClose;
      this.#reusable = false;
    }
    return null;
  }
}

/** Checks a trailer field line (without CRLF) as a header line. */
function checkFieldLine(line: string): ResponseParseError | null {
  const first = line.charCodeAt(0);
  if (first === 0x20 || first === 0x09) return new ResponseParseError('OBS_FOLD', 'folded trailer line');
  const colon = line.indexOf(':');
  if (colon <= 0 || !isToken(line.slice(0, colon)) || !isFieldValue(trimOWS(line, colon + 1))) {
    return new ResponseParseError('INVALID_HEADER', 'invalid trailer line');
  }
  return null;
}

/** Whether a Transfer-Encoding list is exactly `chunked` (case-insensitive, OWS around it allowed). */
function isChunkedOnly(list: string): boolean {
  return list.length >= 7 && trimOWS(list, 0).toLowerCase() === 'chunked';
}

/** The value after `from` without surrounding spaces and tabs (not other whitespace: latin1 0xA0 is data). */
function trimOWS(line: string, from: number): string {
  let start = from;
  let end = line.length;
  while (start < end && (line.charCodeAt(start) === 0x20 || line.charCodeAt(start) === 0x09)) start++;
  while (end > start && (line.charCodeAt(end - 1) === 0x20 || line.charCodeAt(end - 1) === 0x09)) end--;
  return line.slice(start, end);
}

/** The status of a status line, 100–599, or -1. */
function parseStatus(line: string): number {
  if (line.length < 12) return -1;
  let status = 0;
  for (let i = 9; i < 12; i++) {
    const d = line.charCodeAt(i) - 0x30;
    if (!(d >= 0 && d <= 9)) return -1;
    status = status * 10 + d;
  }
  if (status < 100 || status > 599) return -1;
  if (line.length > 12 && line.charCodeAt(12) !== 0x20) return -1;
  return status;
}

/** A non-negative decimal of at most 15 digits (below 2^53), or -1. */
function parseDecimal(value: string): number {
  if (value.length === 0 || value.length > 15) return -1;
  let n = 0;
  for (let i = 0; i < value.length; i++) {
    const d = value.charCodeAt(i) - 0x30;
    if (!(d >= 0 && d <= 9)) return -1;
    n = n * 10 + d;
  }
  return n;
}

/**
 * The size of a chunk line read up to its LF: `1*HEXDIG *( ";" token [ "=" ( token / quoted-string ) ] ) CR`
 * (RFC 9112 §7.1.1, without the optional whitespace, which no sender needs); -1 when malformed.
 */
function parseChunkLine(line: string): number {
  let end = line.length - 1;
  if (end < 1 || line.charCodeAt(end) !== CR) return -1;
  let i = 0;
  let n = 0;
  for (; i < end; i++) {
    const c = line.charCodeAt(i);
    let d: number;
    if (c >= 0x30 && c <= 0x39) d = c - 0x30;
    else if (c >= 0x61 && c <= 0x66) d = c - 0x57;
    else if (c >= 0x41 && c <= 0x46) d = c - 0x37;
    else break;
    n = n * 16 + d;
  }
  if (i === 0 || i > 12) return -1;
  return i === end || chunkExtensionsValid(line, i, end) ? n : -1;
}

/** Whether `line[from, end)` is a list of `;name[=value]` with token names and token or plain quoted values. */
function chunkExtensionsValid(line: string, from: number, end: number): boolean {
  let i = from;
  while (i < end) {
    if (line.charCodeAt(i) !== 0x3b) return false;
    let j = ++i;
    while (j < end && line.charCodeAt(j) !== 0x3d && line.charCodeAt(j) !== 0x3b) j++;
    if (!isToken(line.slice(i, j))) return false;
    i = j;
    if (i < end && line.charCodeAt(i) === 0x3d) {
      i++;
      if (line.charCodeAt(i) === 0x22) {
        // quoted-string without quoted-pairs: qdtext only, up to the closing quote
        const close = line.indexOf('"', i + 1);
        if (close === -1 || close >= end) return false;
        const text = line.slice(i + 1, close);
        if (text.indexOf('\\') !== -1 || !isFieldValue(text)) return false;
        i = close + 1;
      } else {
        j = i;
        while (j < end && line.charCodeAt(j) !== 0x3b) j++;
        if (!isToken(line.slice(i, j))) return false;
        i = j;
      }
    }
  }
  return true;
}

/** Whether a lowercase comma-separated list holds `token`. */
function hasToken(list: string, token: string): boolean {
  if (list === token) return true;
  for (const item of list.split(',')) if (item.trim() === token) return true;
  return false;
}

/** `timeout=N` of a Keep-Alive header, in ms, or -1. */
function keepAliveTimeout(value: string): number {
  const at = value.toLowerCase().indexOf('timeout=');
  if (at === -1) return -1;
  let n = 0;
  let digits = 0;
  for (let i = at + 8; i < value.length; i++) {
    const d = value.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) break;
    n = n * 10 + d;
    digits++;
  }
  return digits === 0 ? -1 : n * 1000;
}
