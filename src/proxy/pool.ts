/**
 * The proxy's connections to sandboxes: per sandbox address, a LIFO list of idle keep-alive
 * connections (the busiest stay warm, idle ones age out), a cap on open connections with a
 * queue beyond it, and a limit on how long a new connection may take to open. Answers
 * themselves have no time limit (long polls, event streams).
 *
 * Written for the proxy rather than using `http.Agent` and `http.request`: node's client spends
 * about as much CPU per request as the rest of the proxy together, and requests here need none
 * of its generality (see forward.ts). Each connection keeps one set of listeners for its whole
 * life, so a request adds or removes none.
 */
import net, { type Socket } from 'node:net';
import { ResponseParser, type ResponseSink } from './response-parser.js';

/** What uses a connection for one request: the response sink, and two socket events. */
export interface ConnectionUser extends ResponseSink {
  /** The connection failed or ended before the response was complete. */
  onUpstreamFailure(err: NodeJS.ErrnoException, responseStarted: boolean): void;
  /** The connection can take more of the request body. */
  onUpstreamDrain(): void;
}

/** Someone waiting for a connection while the sandbox has as many open as it may. */
export interface ConnectionWaiter {
  onConnection(conn: UpstreamConnection): void;
}

export interface PoolOptions {
  connectTimeoutMs: number;
  /** Open connections per sandbox; requests beyond wait. */
  maxConnections?: number;
  /** Idle connections kept per sandbox. */
  maxIdle?: number;
  /** How long an idle connection is kept (less if the sandbox announces a shorter Keep-Alive). */
  idleTimeoutMs?: number;
  /** Opens a TCP connection; `net.connect` unless a test needs otherwise. */
  connect?: (host: string, port: number) => Socket;
}

const DEFAULTS = {
  maxConnections: 256,
  maxIdle: 64,
  idleTimeoutMs: 60_000,
  connect: (host: string, port: number): Socket => net.connect({ host, port }),
};
/** Keep-Alive timeouts announced by a sandbox are shortened by this much, against the race with its close. */
const KEEP_ALIVE_MARGIN_MS = 1_000;
const SWEEP_INTERVAL_MS = 10_000;

function connectTimeoutError(ms: number): NodeJS.ErrnoException {
  const err: NodeJS.ErrnoException = new Error(`connect timed out after ${ms} ms`);
  err.code = 'ETIMEDOUT';
  return err;
}

function hangUpError(): NodeJS.ErrnoException {
  const err: NodeJS.ErrnoException = new Error('socket hang up');
  err.code = 'ECONNRESET';
  return err;
}

/** One keep-alive connection to a sandbox, carrying one request at a time. */
export class UpstreamConnection {
  readonly socket: Socket;
  readonly parser = new ResponseParser();
  /** True once it has carried a request: a stale keep-alive connection may fail on its next one. */
  reused = false;
  user: ConnectionUser | null = null;
  idleSince = 0;
  readonly #target: Target;
  #error: NodeJS.ErrnoException | null = null;

  constructor(socket: Socket, target: Target) {
    this.socket = socket;
    this.#target = target;
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('drain', () => this.user?.onUpstreamDrain());
    socket.on('error', (err: NodeJS.ErrnoException) => {
      this.#error ??= err;
    });
    socket.on('close', () => this.#onClose());
  }

  /** Starts a request on this connection; `noBody` for HEAD. */
  attach(user: ConnectionUser, noBody: boolean): void {
    this.user = user;
    this.parser.reset(noBody);
  }

  /** Ends the current request: back to the pool when `reusable`, else closed. */
  done(reusable: boolean): void {
    this.user = null;
    if (reusable && !this.socket.destroyed) {
      // A pooled connection is always read: an idle one so that its closing (or a sandbox
      // talking out of turn) is noticed, a reused one so that the next answer arrives at all.
      if (this.socket.isPaused()) this.socket.resume();
      this.#target.release(this);
    } else {
      this.socket.destroy();
    }
  }

  #onData(chunk: Buffer): void {
    const user = this.user;
    if (user === null) {
      // A sandbox talking out of turn on an idle connection: it is out of step, drop it.
      this.socket.destroy();
      return;
    }
    const err = this.parser.execute(chunk, user);
    if (err !== null && this.user === user) {
      this.user = null;
      this.parser.stop();
      this.socket.destroy();
      user.onUpstreamFailure(err, true);
    }
  }

  #onClose(): void {
    this.#target.forget(this);
    const user = this.user;
    if (user === null) return;
    this.user = null;
    const started = this.parser.started;
    const cut = this.parser.finish(user);
    if (cut !== null) user.onUpstreamFailure(this.#error ?? hangUpError(), started);
  }
}

/** The connections to one sandbox address. */
class Target {
  readonly host: string;
  readonly port: number;
  readonly idle: UpstreamConnection[] = [];
  readonly waiters: ConnectionWaiter[] = [];
  /** Connections open or opening, idle ones included. */
  open = 0;
  readonly #pool: SandboxPool;

  constructor(pool: SandboxPool, host: string, port: number) {
    this.#pool = pool;
    this.host = host;
    this.port = port;
  }

  release(conn: UpstreamConnection): void {
    conn.reused = true;
    const waiter = this.waiters.shift();
    if (waiter !== undefined) {
      waiter.onConnection(conn);
      return;
    }
    const options = this.#pool.options;
    const hint = conn.parser.keepAliveMs;
    if (this.idle.length >= options.maxIdle || (hint >= 0 && hint <= KEEP_ALIVE_MARGIN_MS) || this.#pool.closed) {
      conn.socket.destroy();
      return;
    }
    conn.idleSince = Date.now();
    conn.socket.unref();
    this.idle.push(conn);
  }

  forget(conn: UpstreamConnection): void {
    this.open--;
    const at = this.idle.lastIndexOf(conn);
    if (at !== -1) this.idle.splice(at, 1);
    this.#pool.forget(conn);
    // A slot came free: open a connection for the first in line.
    const waiter = this.waiters.shift();
    if (waiter !== undefined) waiter.onConnection(this.#pool.connect(this));
  }

  /** An idle connection that is still fresh, or null. */
  takeIdle(now: number): UpstreamConnection | null {
    const idleTimeoutMs = this.#pool.options.idleTimeoutMs;
    for (;;) {
      const conn = this.idle.pop();
      if (conn === undefined) return null;
      if (!conn.socket.destroyed && now - conn.idleSince < idleLimit(conn, idleTimeoutMs)) {
        conn.socket.ref();
        return conn;
      }
      conn.socket.destroy();
    }
  }
}

function idleLimit(conn: UpstreamConnection, idleTimeoutMs: number): number {
  const hint = conn.parser.keepAliveMs;
  return hint >= 0 ? Math.min(idleTimeoutMs, hint - KEEP_ALIVE_MARGIN_MS) : idleTimeoutMs;
}

export class SandboxPool {
  readonly options: Required<PoolOptions>;
  closed = false;
  /** host → port → target: two lookups per request, no key string built. */
  readonly #targets = new Map<string, Map<number, Target>>();
  readonly #connections = new Set<UpstreamConnection>();
  readonly #sweeper: NodeJS.Timeout;

  constructor(options: PoolOptions) {
    this.options = { ...DEFAULTS, ...options };
    this.#sweeper = setInterval(() => this.#sweep(), SWEEP_INTERVAL_MS);
    this.#sweeper.unref();
  }

  /**
   * A connection to `host:port` for one request: an idle one (unless `fresh`), or a new one.
   * Null when the sandbox already has as many connections as it may: `waiter` gets one later.
   */
  acquire(host: string, port: number, waiter: ConnectionWaiter, fresh = false): UpstreamConnection | null {
    const target = this.#target(host, port);
    if (!fresh) {
      const idle = target.takeIdle(Date.now());
      if (idle !== null) return idle;
    }
    if (target.open >= this.options.maxConnections) {
      target.waiters.push(waiter);
      return null;
    }
    return this.connect(target);
  }

  /** Takes a waiter out of line (its client went away). */
  cancel(host: string, port: number, waiter: ConnectionWaiter): void {
    const waiters = this.#targets.get(host)?.get(port)?.waiters;
    const at = waiters?.indexOf(waiter) ?? -1;
    if (waiters && at !== -1) waiters.splice(at, 1);
  }

  /** A new pooled connection to the target. */
  connect(target: Target): UpstreamConnection {
    target.open++;
    const conn = new UpstreamConnection(this.openSocket(target.host, target.port), target);
    this.#connections.add(conn);
    return conn;
  }

  /** A socket to `host:port` outside the pool (for WebSocket tunnels), with the connect timeout. */
  openSocket(host: string, port: number): Socket {
    const socket = this.options.connect(host, port);
    socket.setNoDelay(true);
    if (this.closed) {
      socket.destroy(Object.assign(new Error('the proxy is closed'), { code: 'ECONNABORTED' }));
      return socket;
    }
    const ms = this.options.connectTimeoutMs;
    const timer = setTimeout(() => socket.destroy(connectTimeoutError(ms)), ms);
    const clear = (): void => clearTimeout(timer);
    socket.once('connect', clear);
    socket.once('close', clear);
    return socket;
  }

  forget(conn: UpstreamConnection): void {
    this.#connections.delete(conn);
  }

  /** Open connections per `host:port`, for tests and diagnostics. */
  stats(): Record<string, { open: number; idle: number; waiting: number }> {
    const out: Record<string, { open: number; idle: number; waiting: number }> = {};
    for (const ports of this.#targets.values()) {
      for (const t of ports.values()) out[`${t.host}:${t.port}`] = { open: t.open, idle: t.idle.length, waiting: t.waiters.length };
    }
    return out;
  }

  /** Closes every connection, busy or idle. */
  destroy(): void {
    this.closed = true;
    clearInterval(this.#sweeper);
    for (const conn of [...this.#connections]) conn.socket.destroy();
    this.#connections.clear();
  }

  #target(host: string, port: number): Target {
    let ports = this.#targets.get(host);
    if (ports === undefined) {
      ports = new Map();
      this.#targets.set(host, ports);
    }
    let target = ports.get(port);
    if (target === undefined) {
      target = new Target(this, host, port);
      ports.set(port, target);
    }
    return target;
  }

  /** Closes idle connections past their time, and forgets addresses with nothing open. */
  #sweep(): void {
    const now = Date.now();
    for (const [host, ports] of this.#targets) {
      for (const [port, target] of ports) {
        for (const conn of [...target.idle]) {
          if (now - conn.idleSince >= idleLimit(conn, this.options.idleTimeoutMs)) conn.socket.destroy();
        }
        if (target.open === 0 && target.waiters.length === 0) ports.delete(port);
      }
      if (ports.size === 0) this.#targets.delete(host);
    }
  }
}
