/**
 * An incremental parser of HTTP/1.x responses from a sandbox, for the proxy's own connection
 * pool. It finds the status, the raw header list and the body framing (RFC 7230 §3.3.3), and
 * hands on body bytes as slices of the chunks it is fed, without copying. It is strict where
 * leniency could let a sandbox desynchronise a pooled connection: obs-folded lines, bad or
 * conflicting Content-Length, and oversized heads are errors, and a response framed by both
 * Transfer-Encoding and Content-Length, or by the end of the connection, leaves the connection
 * unusable for another request.
 */

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
  ChunkDataEnd,
  Trailers,
  UntilClose,
  Done,
}

const LF = 0x0a;
const CR = 0x0d;

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
          const end = findHeadEnd(data, offset + this.#scanFrom);
          if (end < 0) {
            if (data.length - offset > MAX_HEAD_BYTES) return new ResponseParseError('HEAD_TOO_LARGE', 'response head too large');
            this.#pending = data.subarray(offset);
            this.#scanFrom = Math.max(0, this.#pending.length - 3);
            return null;
          }
          this.#scanFrom = 0;
          const headEnd = end >>> 2;
          const bodyStart = headEnd + (end & 3);
          if (headEnd - offset > MAX_HEAD_BYTES) return new ResponseParseError('HEAD_TOO_LARGE', 'response head too large');
          const err = this.#onHead(data.toString('latin1', offset, headEnd), sink);
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
          const size = parseChunkSize(this.#line);
          this.#line = '';
          if (size < 0) return new ResponseParseError('INVALID_CHUNK_SIZE', 'invalid chunk size');
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
          if (this.#remaining === 0) {
            this.#state = State.ChunkDataEnd;
            this.#line = '';
          }
          break;
        }
        case State.ChunkDataEnd: {
          // CRLF after the chunk's data (a bare LF is tolerated).
          const byte = data[offset++];
          if (byte === CR && this.#line === '') {
            this.#line = '\r';
          } else if (byte === LF) {
            this.#line = '';
            this.#state = State.ChunkSize;
          } else {
            return new ResponseParseError('INVALID_CHUNK', 'chunk data not followed by CRLF');
          }
          break;
        }
        case State.Trailers: {
          // Trailers are read and dropped; an empty line ends them.
          const lf = data.indexOf(LF, offset);
          const end = lf === -1 ? data.length : lf;
          this.#line += data.toString('latin1', offset, end);
          this.#trailerBytes += end - offset + 1;
          if (this.#trailerBytes > MAX_HEAD_BYTES) return new ResponseParseError('HEAD_TOO_LARGE', 'trailers too large');
          if (lf === -1) return null;
          offset = lf + 1;
          const line = this.#line;
          this.#line = '';
          if (line === '' || line === '\r') this.#complete(sink, data.length - offset);
          break;
        }
        case State.Done:
          // Bytes after a complete response: it was reported as not reusable, so the caller
          // drops the connection; the bytes go with it.
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

  #onHead(text: string, sink: ResponseSink): ResponseParseError | null {
    const lines = text.split('\n');
    const statusLine = stripCR(lines[0] ?? '');
    // HTTP/1.x SP 3DIGIT [SP reason]
    if (!statusLine.startsWith('HTTP/1.') || statusLine.charCodeAt(8) !== 0x20) {
      return new ResponseParseError('INVALID_STATUS_LINE', 'invalid status line');
    }
    const minor = statusLine.charCodeAt(7) - 0x30;
    const status = parseStatus(statusLine);
    if (status < 0 || (minor !== 0 && minor !== 1)) return new ResponseParseError('INVALID_STATUS_LINE', 'invalid status line');
    const reason = statusLine.length > 13 ? statusLine.slice(13) : '';

    const rawHeaders: string[] = [];
    let contentLength = -1;
    let chunked = false;
    let transferEncoding = false;
    let connectionClose = minor === 0;
    this.keepAliveMs = -1;
    for (let i = 1; i < lines.length; i++) {
      const line = stripCR(lines[i] as string);
      const first = line.charCodeAt(0);
      if (first === 0x20 || first === 0x09) return new ResponseParseError('OBS_FOLD', 'folded header line');
      const colon = line.indexOf(':');
      if (colon <= 0) return new ResponseParseError('INVALID_HEADER', 'invalid header line');
      const name = line.slice(0, colon);
      const value = trimOWS(line, colon + 1);
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
            const n = parseDecimal(value);
            if (n < 0 || (contentLength !== -1 && contentLength !== n)) {
              return new ResponseParseError('INVALID_CONTENT_LENGTH', 'invalid content-length');
            }
            contentLength = n;
          }
          break;
        case 17:
          if (name.toLowerCase() === 'transfer-encoding') {
            transferEncoding = true;
            // Only the final coding decides; a later header overrides an earlier one's verdict.
            const last = value.slice(value.lastIndexOf(',') + 1).trim().toLowerCase();
            chunked = last === 'chunked';
          }
          break;
      }
      rawHeaders.push(name, value);
    }

    if (status < 200) {
      if (status === 101) return new ResponseParseError('UNEXPECTED_UPGRADE', 'upgrade without a request for one');
      // 1xx informational answers precede the real one; they are not passed on.
      this.#state = State.Head;
      return null;
    }
    this.#reusable = !connectionClose;
    sink.onHead({ status, reason, rawHeaders });
    if (this.#stopped) return null;
    if (this.#noBody || status === 204 || status === 304) {
      this.#complete(sink, 0);
    } else if (transferEncoding) {
      // Both framings at once is how smuggling starts: use chunked, then drop the connection.
      if (contentLength !== -1) this.#reusable = false;
      if (chunked) {
        this.#state = State.ChunkSize;
        this.#line = '';
      } else {
        this.#state = State.UntilClose;
        this.#reusable = false;
      }
    } else if (contentLength > 0) {
      this.#state = State.Length;
      this.#remaining = contentLength;
    } else if (contentLength === 0) {
      this.#complete(sink, 0);
    } else {
      this.#state = State.UntilClose;
      this.#reusable = false;
    }
    return null;
  }
}

/**
 * The end of the head in `buf` from `from`: `(index of the blank line's first LF) * 4 + length
 * of the separator after it` (1 for LF, 2 for CRLF), or -1 when the head is not complete yet.
 */
function findHeadEnd(buf: Buffer, from: number): number {
  let i = buf.indexOf(LF, from);
  while (i !== -1) {
    const next = buf[i + 1];
    if (next === undefined) return -1;
    if (next === LF) return i * 4 + 2;
    if (next === CR) {
      const after = buf[i + 2];
      if (after === undefined) return -1;
      if (after === LF) return i * 4 + 3;
    }
    i = buf.indexOf(LF, i + 1);
  }
  return -1;
}

function stripCR(line: string): string {
  return line.charCodeAt(line.length - 1) === CR ? line.slice(0, -1) : line;
}

/** The value after `from` without surrounding spaces and tabs (not other whitespace: latin1 0xA0 is data). */
function trimOWS(line: string, from: number): string {
  let start = from;
  let end = line.length;
  while (start < end && (line.charCodeAt(start) === 0x20 || line.charCodeAt(start) === 0x09)) start++;
  while (end > start && (line.charCodeAt(end - 1) === 0x20 || line.charCodeAt(end - 1) === 0x09)) end--;
  return line.slice(start, end);
}

function parseStatus(line: string): number {
  let status = 0;
  for (let i = 9; i < 12; i++) {
    const d = line.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) return -1;
    status = status * 10 + d;
  }
  if (status < 100) return -1;
  if (line.length > 12 && line.charCodeAt(12) !== 0x20) return -1;
  return status;
}

/** A non-negative decimal, or -1. */
function parseDecimal(value: string): number {
  if (value.length === 0 || value.length > 15) return -1;
  let n = 0;
  for (let i = 0; i < value.length; i++) {
    const d = value.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/** The size of a chunk-size line (`1a3f[;ext]`, CR optional), or -1. */
function parseChunkSize(line: string): number {
  let end = line.length;
  if (line.charCodeAt(end - 1) === CR) end--;
  const semi = line.indexOf(';');
  if (semi !== -1 && semi < end) end = semi;
  while (end > 0 && (line.charCodeAt(end - 1) === 0x20 || line.charCodeAt(end - 1) === 0x09)) end--;
  if (end === 0 || end > 12) return -1;
  let n = 0;
  for (let i = 0; i < end; i++) {
    const c = line.charCodeAt(i);
    let d: number;
    if (c >= 0x30 && c <= 0x39) d = c - 0x30;
    else if (c >= 0x61 && c <= 0x66) d = c - 0x57;
    else if (c >= 0x41 && c <= 0x46) d = c - 0x37;
    else return -1;
    n = n * 16 + d;
  }
  return n;
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
