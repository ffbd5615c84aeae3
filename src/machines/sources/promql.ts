/**
 * A small PromQL client: instant queries against a Prometheus server's HTTP API, each under a
 * deadline. Plain fetch is enough for one endpoint and one result type; a client library would
 * bring a dependency for less than a page of code.
 */

/** One series of an instant vector: its labels and its value at the query's time. */
export interface VectorSample {
  labels: Record<string, string>;
  value: number;
}

/** Prometheus did not answer, refused the query, or answered something else than a vector. */
export class PrometheusError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PrometheusError';
  }
}

export interface PromQLOptions {
  /** The server's base URL, e.g. http://prometheus:9090 (a path prefix is kept). */
  url: string;
  timeoutSeconds: number;
}

interface QueryAnswer {
  status?: string;
  error?: string;
  errorType?: string;
  data?: { resultType?: string; result?: Array<{ metric?: Record<string, string>; value?: [number, string] }> };
}

export class PromQL {
  readonly url: string;
  private readonly timeoutMs: number;

  constructor(options: PromQLOptions) {
    this.url = options.url.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutSeconds * 1000;
  }

  /** Runs an instant query; the answer must be a vector (the only kind the readers ask for). */
  async query(expr: string): Promise<VectorSample[]> {
    const url = `${this.url}/api/v1/query?${new URLSearchParams({ query: expr, timeout: `${this.timeoutMs / 1000}s` })}`;
    let res: Response;
    try {
      res = await fetch(url, { signal: AbortSignal.timeout(this.timeoutMs), headers: { accept: 'application/json' } });
    } catch (err) {
      const reason = err instanceof Error && err.name === 'TimeoutError'
        ? `no answer within ${this.timeoutMs / 1000} s`
        : describeFetchError(err);
      throw new PrometheusError(`Prometheus at ${this.url} does not answer: ${reason}`, { cause: err });
    }
    const text = await res.text();
    let answer: QueryAnswer;
    try {
      answer = JSON.parse(text) as QueryAnswer;
    } catch {
      throw new PrometheusError(`${this.url} answered HTTP ${res.status} with something that is not Prometheus's API: ${text.slice(0, 120)}`);
    }
    if (answer.status !== 'success') {
      throw new PrometheusError(`Prometheus at ${this.url} refused the query ${expr}: ${answer.error ?? `HTTP ${res.status}`}`);
    }
    if (answer.data?.resultType !== 'vector' || !Array.isArray(answer.data.result)) {
      throw new PrometheusError(`Prometheus at ${this.url} answered ${answer.data?.resultType ?? 'nothing'} to ${expr}, not a vector`);
    }
    const samples: VectorSample[] = [];
    for (const r of answer.data.result) {
      const value = Number(r.value?.[1]);
      // NaN comes from a division by zero (an idle counter); it is no reading.
      if (Number.isFinite(value)) samples.push({ labels: r.metric ?? {}, value });
    }
    return samples;
  }
}

/** A label value inside double quotes in PromQL (Go's string escapes, which JSON's are a subset of). */
export function promString(value: string): string {
  return JSON.stringify(value);
}

/** fetch wraps the socket error in "fetch failed"; the cause says what happened. */
function describeFetchError(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return cause?.message || cause?.code || (err instanceof Error ? err.message : String(err));
}
