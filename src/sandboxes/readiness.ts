/**
 * Waiting for a sandbox's server to answer. Polls with a fast, growing backoff instead of fixed
 * sleeps: most servers answer within a second, and the first tries should catch that moment.
 */
import http from 'node:http';

export interface ReadinessOptions {
  host: string;
  port: number;
  path: string;
  token: string;
  timeoutMs: number;
  signal?: AbortSignal;
  /** Called between tries, at most every `aliveEveryMs`; throws or returns a reason when the container died. */
  checkAlive?: () => Promise<string | null>;
  aliveEveryMs?: number;
}

export class NotReadyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotReadyError';
  }
}

const FIRST_DELAY_MS = 10;
const MAX_DELAY_MS = 200;

export async function waitForServer(options: ReadinessOptions): Promise<number> {
  const started = Date.now();
  const deadline = started + options.timeoutMs;
  const aliveEvery = options.aliveEveryMs ?? 1000;
  let delay = FIRST_DELAY_MS;
  let lastAliveCheck = started;
  let lastProblem = 'no answer yet';
  for (;;) {
    options.signal?.throwIfAborted();
    const status = await probe(options).catch((err: NodeJS.ErrnoException) => {
      lastProblem = err.code ?? err.message;
      return 0;
    });
    if (status === 200) return Date.now() - started;
    if (status) lastProblem = `HTTP ${status}`;
    if (options.checkAlive && Date.now() - lastAliveCheck >= aliveEvery) {
      lastAliveCheck = Date.now();
      const dead = await options.checkAlive();
      if (dead) throw new NotReadyError(dead);
    }
    if (Date.now() + delay > deadline) {
      throw new NotReadyError(
        `the server did not answer within ${Math.round(options.timeoutMs / 1000)} s (last: ${lastProblem})`,
      );
    }
    await sleep(delay, options.signal);
    delay = Math.min(MAX_DELAY_MS, Math.ceil(delay * 1.5));
  }
}

function probe(options: ReadinessOptions): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get(
      {
        host: options.host,
        port: options.port,
        path: options.path,
        headers: { authorization: `token ${options.token}` },
        timeout: 1000,
        agent: false,
        // A probe that hangs (a server that accepts and says nothing) must not hold up an abort.
        ...(options.signal ? { signal: options.signal } : {}),
      },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
    req.on('error', reject);
  });
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
