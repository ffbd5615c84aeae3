/**
 * Jupyter's own view of a sandbox's activity, read from its server as the hub reaches it (the
 * route's address and secret, under the sandbox's base path, as readiness.ts does):
 *
 * - `GET <base>api/kernels`: a kernel whose `execution_state` is `busy` is running code now,
 *   whether or not anyone watches (a long training cell with no output); otherwise its
 *   `last_activity`, which Notebook 6 moves on every IOPub message of the kernel (status,
 *   output), connected client or not.
 * - `GET <base>api/terminals`: each terminal's `last_activity`, which Notebook 6 moves only when a
 *   WebSocket client is connected and a message passes either way (terminal/handlers.py); a
 *   terminal printing with no page open does not move it.
 *
 * Everything a sandbox answers is its owner's to write: answers are size-capped, parsed as
 * untrusted, and times in the future read as now. Each probe has a time limit, never throws
 * (a sandbox that does not answer is logged and left out), and only so many run at once.
 */
import http from 'node:http';
import type { LastActivity } from './types.js';

/** Where and how the hub reaches a sandbox's server. */
export interface JupyterTarget {
  host: string;
  port: number;
  /** The sandbox's base path, ending in `/` (e.g. `/user/alice/lab/`). */
  basePath: string;
  /** The per-sandbox secret the server demands (`Authorization: token <secret>`). */
  token: string;
}

export interface JupyterActivityOptions {
  /** Time for one probe (both requests), in ms. */
  timeoutMs: number;
  /** Probes at once, across sandboxes. */
  concurrency: number;
  log: { warn(obj: object, msg?: string): void };
  /** The clock, in ms since the epoch (tests). */
  now?: () => number;
}

/** An answer larger than this is not Jupyter's listing. */
const MAX_ANSWER_BYTES = 1024 * 1024;

/** Reads kernels and terminals of sandboxes, a bounded number at once. */
export class JupyterActivity {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly options: JupyterActivityOptions) {}

  /** The latest kernel or terminal activity of the sandbox `id` at `target`; null when none or unreadable. */
  async read(id: string, target: JupyterTarget): Promise<LastActivity | null> {
    await this.slot();
    try {
      return await this.probe(target);
    } catch (err) {
      this.options.log.warn({ sandboxId: id, err: (err as Error).message }, 'culling: could not read the sandbox\'s kernels and terminals');
      return null;
    } finally {
      this.release();
    }
  }

  private async probe(target: JupyterTarget): Promise<LastActivity | null> {
    const now = (this.options.now ?? Date.now)();
    const signal = AbortSignal.timeout(this.options.timeoutMs);
    const [kernels, terminals] = await Promise.all([getJson(target, 'api/kernels', signal), getJson(target, 'api/terminals', signal)]);
    let latest: LastActivity | null = null;
    const consider = (at: number, kind: 'kernel' | 'terminal'): void => {
      if (latest === null || at > latest.at) latest = { at, kind };
    };
    for (const kernel of listOf(kernels)) {
      if (kernel.execution_state === 'busy') consider(now, 'kernel');
      const at = timeOf(kernel.last_activity, now);
      if (at !== null) consider(at, 'kernel');
    }
    for (const terminal of listOf(terminals)) {
      const at = timeOf(terminal.last_activity, now);
      if (at !== null) consider(at, 'terminal');
    }
    return latest;
  }

  private async slot(): Promise<void> {
    if (this.running < this.options.concurrency) {
      this.running++;
      return;
    }
    // The finishing probe hands its slot straight over, so running stays counted.
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.running--;
  }
}

/** The entries of a JSON list that are objects; anything else reads as no entries. */
function listOf(value: unknown): Array<Record<string, unknown>> {
  if (!Array.isArray(value)) return [];
  return value.filter((v): v is Record<string, unknown> => typeof v === 'object' && v !== null);
}

/** An ISO 8601 time as ms, at most `now`; null when it is not one. */
function timeOf(value: unknown, now: number): number | null {
  if (typeof value !== 'string') return null;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.min(at, now);
}

/** GETs `<base><path>` from the sandbox and parses its JSON; rejects on any status but 200, a bad or oversized answer, or the signal. */
function getJson(target: JupyterTarget, path: string, signal: AbortSignal): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const req = http.get(
      {
        host: target.host,
        port: target.port,
        path: `${target.basePath}${path}`,
        headers: { authorization: `token ${target.token}`, accept: 'application/json' },
        // A connection per request, closed after it. Kept alive, each sandbox would hold an idle
        // connection to the hub (a descriptor on each side) between checks a minute apart, to
        // save about 0.5 ms of CPU per sandbox per check (npm run bench:culling).
        agent: false,
        signal,
      },
      (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          reject(new Error(`${path} answered HTTP ${res.statusCode ?? 0}`));
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_ANSWER_BYTES) {
            res.destroy(new Error(`${path} answered more than ${MAX_ANSWER_BYTES} bytes`));
            return;
          }
          chunks.push(chunk);
        });
        res.on('error', reject);
        res.on('end', () => {
          try {
            resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
          } catch {
            reject(new Error(`${path} answered something other than JSON`));
          }
        });
      },
    );
    req.on('error', (err: NodeJS.ErrnoException) => reject(err.name === 'AbortError' || err.name === 'TimeoutError' ? new Error(`${path}: no answer in time`) : err));
  });
}
