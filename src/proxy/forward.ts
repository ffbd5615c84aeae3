/**
 * One proxied request: its head written to a pooled sandbox connection, its body streamed up,
 * the answer parsed and streamed down, with backpressure both ways and nothing buffered whole.
 * A request that finds its kept-alive connection closed by the sandbox before any answer is
 * tried once more on a new connection only when it is idempotent (RFC 9110 §9.2.2) and has no
 * body; any other (a bodiless POST that restarts a kernel, say) may have been acted on, so it
 * gets a 502 instead of a second run, as configurable-http-proxy answers. An answer the
 * parser cannot frame exactly is a 502 and its connection is closed; any other failure before
 * the answer is a clear 503, and one during the answer cuts the client's answer short so that
 * it is not taken as complete.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isFieldValue } from './field-syntax.js';
import { downstreamResponseHeaders, hasRequestBody, requestFraming, sandboxCredential, upstreamRequestHeaders } from './headers.js';
import { badAnswerMessage, classifyUpstreamError, connectionLostMessage, unreachableMessage } from './pages.js';
import type { ConnectionUser, ConnectionWaiter, SandboxPool, UpstreamConnection } from './pool.js';
import type { Refusal } from './respond.js';
import { ResponseParseError, type ResponseHead } from './response-parser.js';
import type { ProxyActivity, ProxyLogger, ProxyMetrics, ProxyRoute } from './types.js';

export interface ForwardContext {
  pool: SandboxPool;
  /** Whether client-sent X-Forwarded-* are passed on (see upstreamRequestHeaders). */
  trustProxy: boolean;
  metrics: ProxyMetrics;
  log: ProxyLogger;
  /** Told of a request that counts once the sandbox answers it. */
  activity: ProxyActivity;
  reply(req: IncomingMessage, res: ServerResponse, refusal: Refusal): void;
}

/**
 * When a client leaves before its answer is complete, the rest of the answer is read and dropped
 * to keep the connection, if it comes within this time and size; past either, the connection is
 * closed instead (a long download or an event stream must not be read to nowhere).
 */
const DRAIN_GRACE_MS = 2_000;
const DRAIN_MAX_BYTES = 256 * 1024;

/**
 * Methods a client may repeat without a different outcome (RFC 9110 §9.2.2): only these are
 * sent again when a kept-alive connection turns out dead.
 */
const idempotentMethods: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);

/** How an admitted request is passed on. */
export interface Passage {
  /** Authenticated by a cookie: the sandbox must apply its own XSRF checks (see sandboxCredential). */
  byCookie: boolean;
  /**
   * Answer with `Content-Security-Policy: sandbox` added (CSP Level 3 §6.3.2), for the path form
   * on the hub's own origin: a page the sandbox serves there renders as an opaque origin, with
   * no script, so it cannot act for whoever opens it on the hub.
   */
  sandboxCsp: boolean;
  /** The request counts as activity (see ProxyActivity.counts), recorded when the sandbox answers it. */
  counts: boolean;
}

/** The request line and headers as sent to the sandbox, or null when a header value cannot be sent as is. */
function requestHead(req: IncomingMessage, url: string, route: ProxyRoute, trustProxy: boolean, byCookie: boolean): string | null {
  const headers = upstreamRequestHeaders(req, sandboxCredential(route.token, byCookie), trustProxy, false);
  let head = `${req.method ?? 'GET'} ${url} HTTP/1.1\r\n`;
  for (let i = 0; i < headers.length; i += 2) {
    const value = headers[i + 1] as string;
    // Node's parser has already refused bad names and most bad values; this keeps whatever
    // else could end the head early (a CR or LF, a NUL) from ever being written.
    if (!isFieldValue(value)) return null;
    head += `${headers[i] as string}: ${value}\r\n`;
  }
  // HTTP/1.0 clients may send no Host; the sandbox speaks HTTP/1.1, which requires one.
  if (req.headers.host === undefined) head += `host: ${route.target.host}:${route.target.port}\r\n`;
  return head + '\r\n';
}

/** Forwards `req` to the route's sandbox and streams the answer to `res`. */
export function forwardRequest(ctx: ForwardContext, req: IncomingMessage, res: ServerResponse, url: string, route: ProxyRoute, passage: Passage): void {
  if (requestFraming(req) === 'invalid') {
    // Where this body ends is unclear, so nothing after it on this connection can be trusted.
    res.shouldKeepAlive = false;
    ctx.reply(req, res, { code: 'INVALID_HEADER', message: 'The request is framed ambiguously (Transfer-Encoding must end in chunked, and never come with Content-Length).' });
    return;
  }
  const head = requestHead(req, url, route, ctx.trustProxy, passage.byCookie);
  if (head === null) {
    ctx.reply(req, res, { code: 'INVALID_HEADER', message: 'A header of the request has a value that cannot be forwarded.' });
    return;
  }
  new Exchange(ctx, req, res, route, head, passage.sandboxCsp, passage.counts).start(false);
}

class Exchange implements ConnectionUser, ConnectionWaiter {
  readonly #ctx: ForwardContext;
  readonly #req: IncomingMessage;
  readonly #res: ServerResponse;
  readonly #route: ProxyRoute;
  readonly #head: string;
  readonly #hasBody: boolean;
  readonly #chunked: boolean;
  readonly #noBody: boolean;
  readonly #sandboxCsp: boolean;
  readonly #counts: boolean;
  #conn: UpstreamConnection | null = null;
  /** The request body has been written up in full. */
  #sent = false;
  /** The answer's head has been written down. */
  #responded = false;
  /** Over: answered, failed, or the client left. */
  #over = false;
  #retried = false;
  #waiting = false;
  /** Set while the rest of an answer nobody waits for any more is read and dropped. */
  #draining: NodeJS.Timeout | null = null;
  #drained = 0;
  /**
   * Set while reading from the sandbox is paused because the client is not keeping up. The
   * connection must not go back to the pool paused: nothing would read the next answer on it.
   */
  #upstreamPaused = false;

  constructor(ctx: ForwardContext, req: IncomingMessage, res: ServerResponse, route: ProxyRoute, head: string, sandboxCsp: boolean, counts: boolean) {
    this.#ctx = ctx;
    this.#req = req;
    this.#res = res;
    this.#route = route;
    this.#head = head;
    this.#hasBody = hasRequestBody(req);
    this.#chunked = this.#hasBody && req.headers['transfer-encoding'] !== undefined;
    this.#noBody = req.method === 'HEAD';
    this.#sandboxCsp = sandboxCsp;
    this.#counts = counts;
    res.once('close', () => this.#onClientClose());
  }

  start(fresh: boolean): void {
    const target = this.#route.target;
    const conn = this.#ctx.pool.acquire(target.host, target.port, this, fresh);
    if (conn === null) this.#waiting = true;
    else this.onConnection(conn);
  }

  onConnection(conn: UpstreamConnection): void {
    this.#waiting = false;
    if (this.#over) {
      conn.done(true);
      return;
    }
    this.#conn = conn;
    conn.attach(this, this.#noBody);
    conn.socket.write(this.#head, 'latin1');
    if (!this.#hasBody) {
      this.#sent = true;
      return;
    }
    // Only requests with a body get here, and only once: retries are for requests without one.
    const req = this.#req;
    req.on('data', (chunk: Buffer) => this.#sendBody(chunk));
    req.on('end', () => this.#endBody());
  }

  #sendBody(chunk: Buffer): void {
    const socket = this.#conn?.socket;
    if (socket === undefined) return;
    let more: boolean;
    if (this.#chunked) {
      socket.cork();
      socket.write(`${chunk.length.toString(16)}\r\n`, 'latin1');
      socket.write(chunk);
      more = socket.write('\r\n', 'latin1');
      socket.uncork();
    } else {
      more = socket.write(chunk);
    }
    if (!more) this.#req.pause();
  }

  #endBody(): void {
    const conn = this.#conn;
    if (conn === null) return;
    if (this.#chunked) conn.socket.write('0\r\n\r\n', 'latin1');
    this.#sent = true;
  }

  onUpstreamDrain(): void {
    if (this.#hasBody && !this.#sent) this.#req.resume();
  }

  onHead(head: ResponseHead): void {
    if (this.#draining !== null) return;
    const res = this.#res;
    const { headers, sized } = downstreamResponseHeaders(head.rawHeaders);
    // A second policy only narrows what the sandbox's own allows (CSP Level 3 §8.1).
    if (this.#sandboxCsp) headers.push('content-security-policy', 'sandbox');
    try {
      res.writeHead(head.status, head.reason, headers);
    } catch {
      // The parser checks every name and value as node does; should they ever differ, the
      // answer is still refused rather than half sent.
      this.#abandon();
      this.#fail(new ResponseParseError('INVALID_HEADER', 'invalid response header'));
      return;
    }
    this.#responded = true;
    this.#ctx.metrics.request(head.status);
    // The sandbox took the request and answered it: now it was activity, not before.
    if (this.#counts) this.#ctx.activity.touch(this.#route.sandboxId, 'http');
    // A stream (no length) may hold its first chunk back for long: send the head now.
    if (!sized && !this.#noBody) setImmediate(flushHead, res);
  }

  onBody(chunk: Buffer): void {
    if (this.#draining !== null) {
      this.#drained += chunk.length;
      if (this.#drained > DRAIN_MAX_BYTES) this.#abandon();
      return;
    }
    if (!this.#res.write(chunk) && !this.#upstreamPaused && this.#conn !== null) {
      // The client is slower than the sandbox: stop reading until it has taken what it has.
      this.#upstreamPaused = true;
      this.#conn.socket.pause();
      this.#res.once('drain', this.#onClientDrain);
    }
  }

  /** The client took what was written: read from the sandbox again, if still on this exchange. */
  readonly #onClientDrain = (): void => {
    this.#resumeUpstream();
  };

  #resumeUpstream(): void {
    if (!this.#upstreamPaused) return;
    this.#upstreamPaused = false;
    this.#res.removeListener('drain', this.#onClientDrain);
    this.#conn?.socket.resume();
  }

  onComplete(reusable: boolean): void {
    // The last chunk of the answer may have filled the client's buffer and paused the
    // connection; the answer is over, so reading resumes before the pool gets it back.
    this.#resumeUpstream();
    const conn = this.#conn;
    this.#conn = null;
    if (this.#draining !== null) {
      clearTimeout(this.#draining);
      this.#draining = null;
      conn?.done(reusable && this.#sent);
      return;
    }
    this.#over = true;
    this.#res.end();
    // A request body still on its way means the connection is mid-request: it cannot be reused.
    conn?.done(reusable && this.#sent);
    this.#discardBody();
  }

  onUpstreamFailure(err: NodeJS.ErrnoException, responseStarted: boolean): void {
    this.#resumeUpstream();
    const conn = this.#conn;
    this.#conn = null;
    if (this.#draining !== null) {
      clearTimeout(this.#draining);
      this.#draining = null;
    }
    if (this.#over) return;
    if (conn !== null && conn.reused && !responseStarted && !this.#responded && !(err instanceof ResponseParseError)) {
      // The sandbox closed this kept-alive connection, most likely while it was idle, but it
      // may have read and acted on the request first: only what may be repeated is.
      if (!this.#hasBody && !this.#retried && idempotentMethods.has(this.#req.method ?? '')) {
        this.#retried = true;
        this.start(true);
        return;
      }
      if (!this.#hasBody) {
        this.#fail(err, 'SANDBOX_CONNECTION_LOST');
        return;
      }
    }
    this.#fail(err);
  }

  /**
   * Ends the exchange on an upstream failure: a 502 for an answer that could not be framed
   * (`ResponseParseError`) or a connection lost under a request that is not repeated, a 503
   * for a sandbox that cannot be reached; a client whose answer has begun is cut off instead.
   */
  #fail(err: NodeJS.ErrnoException, as?: 'SANDBOX_CONNECTION_LOST'): void {
    this.#over = true;
    this.#discardBody();
    const route = this.#route;
    const badAnswer = err instanceof ResponseParseError;
    const failure = classifyUpstreamError(err);
    const answer = badAnswer ? 'SANDBOX_BAD_RESPONSE' : (as ?? 'SANDBOX_UNREACHABLE');
    this.#ctx.log.warn(
      {
        code: err.code ?? failure,
        // What the client was told (its status: 502 or 503), unless its answer had begun.
        answer: this.#responded || this.#res.headersSent ? 'cut off' : answer,
        sandboxId: route.sandboxId,
        route: `${route.user}/${route.name}`,
        target: `${route.target.host}:${route.target.port}`,
        method: this.#req.method,
      },
      badAnswer ? 'proxy: sandbox answer refused' : as !== undefined ? 'proxy: sandbox connection lost, not retried' : 'proxy: sandbox unreachable',
    );
    if (this.#responded || this.#res.headersSent) {
      this.#res.destroy();
    } else if (badAnswer) {
      this.#ctx.reply(this.#req, this.#res, { code: 'SANDBOX_BAD_RESPONSE', message: badAnswerMessage(route.user, route.name) });
    } else if (as !== undefined) {
      this.#ctx.reply(this.#req, this.#res, { code: as, message: connectionLostMessage(route.user, route.name) });
    } else {
      this.#ctx.reply(this.#req, this.#res, { code: 'SANDBOX_UNREACHABLE', message: unreachableMessage(route.user, route.name, failure) });
    }
  }

  /** Drops the connection mid-request. */
  #abandon(): void {
    if (this.#draining !== null) {
      clearTimeout(this.#draining);
      this.#draining = null;
    }
    this.#upstreamPaused = false;
    this.#res.removeListener('drain', this.#onClientDrain);
    const conn = this.#conn;
    this.#conn = null;
    if (conn !== null) {
      conn.parser.stop();
      conn.done(false);
    }
    this.#discardBody();
  }

  /** Lets the rest of an unsent request body flow to nowhere, so the client's connection is not stuck. */
  #discardBody(): void {
    if (this.#hasBody && !this.#sent) this.#req.resume();
  }

  #onClientClose(): void {
    // Not `writableFinished`: an answer written by someone else (the hub's 408 for an idle
    // body) ends the client's side while this exchange still holds a half-sent request.
    if (this.#over) return;
    // The client went away before its answer was complete.
    this.#over = true;
    if (this.#waiting) {
      const target = this.#route.target;
      this.#ctx.pool.cancel(target.host, target.port, this);
      return;
    }
    const conn = this.#conn;
    if (conn === null || !this.#sent) {
      this.#abandon();
      return;
    }
    // Reading the rest of a short answer costs less than opening a new connection.
    this.#resumeUpstream();
    conn.socket.resume();
    this.#draining = setTimeout(() => this.#abandon(), DRAIN_GRACE_MS);
    this.#draining.unref();
  }
}

function flushHead(res: ServerResponse): void {
  if (!res.writableEnded && !res.destroyed) res.flushHeaders();
}
