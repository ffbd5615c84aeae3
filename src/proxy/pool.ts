/**
 * The one connection pool to all sandboxes: keep-alive, LIFO (the busiest connections stay warm
 * and idle ones age out), and a limit on how long a new connection may take to open. Answers
 * themselves have no time limit (long polls, event streams), and a reused connection costs
 * nothing extra per request: the timer is armed only where a connection is made.
 */
import http from 'node:http';
import { Socket } from 'node:net';
import type { Duplex } from 'node:stream';

/** Connections one sandbox may hold open at once, and keep idle. */
const MAX_SOCKETS_PER_SANDBOX = 256;
const MAX_FREE_SOCKETS_PER_SANDBOX = 64;

/** An error that says a connection to a sandbox took longer than the connect timeout. */
function connectTimeoutError(ms: number): NodeJS.ErrnoException {
  const err: NodeJS.ErrnoException = new Error(`connect timed out after ${ms} ms`);
  err.code = 'ETIMEDOUT';
  return err;
}

export class SandboxPool extends http.Agent {
  readonly #connectTimeoutMs: number;

  constructor(connectTimeoutMs: number) {
    super({
      keepAlive: true,
      maxSockets: MAX_SOCKETS_PER_SANDBOX,
      maxFreeSockets: MAX_FREE_SOCKETS_PER_SANDBOX,
      scheduling: 'lifo',
    });
    this.#connectTimeoutMs = connectTimeoutMs;
  }

  override createConnection(
    options: http.ClientRequestArgs,
    callback?: (err: Error | null, stream: Duplex) => void,
  ): Duplex | null | undefined {
    const socket = super.createConnection(options, callback);
    if (socket instanceof Socket && socket.connecting) {
      const ms = this.#connectTimeoutMs;
      const timer = setTimeout(() => socket.destroy(connectTimeoutError(ms)), ms);
      const clear = (): void => clearTimeout(timer);
      socket.once('connect', clear);
      socket.once('close', clear);
    }
    return socket;
  }
}
