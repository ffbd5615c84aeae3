/**
 * The CLI's way to the hub: where it is and which token to send (flags, then SHIVA_URL and
 * SHIVA_TOKEN, then the file `shiva login` writes), and typed calls that turn error bodies
 * into messages.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ErrorBody } from '../contract/errors.js';

export interface Credentials {
  url: string;
  token?: string;
  username?: string;
  /** The saved token's id, when `shiva login` made it (so `shiva logout` can revoke it). */
  tokenId?: string;
}

export const credentialsFile = (env: NodeJS.ProcessEnv = process.env): string =>
  env.SHIVA_CREDENTIALS ?? path.join(env.XDG_CONFIG_HOME ?? path.join(os.homedir(), '.config'), 'shiva', 'credentials.json');

/** What `shiva login` saved, or an empty object when nothing (or nothing readable) is saved. */
export async function loadSaved(env: NodeJS.ProcessEnv = process.env): Promise<Partial<Credentials>> {
  try {
    return JSON.parse(await readFile(credentialsFile(env), 'utf8')) as Partial<Credentials>;
  } catch {
    // No saved login yet.
    return {};
  }
}

export async function loadCredentials(flags: { url?: string }, env: NodeJS.ProcessEnv = process.env): Promise<Credentials> {
  const saved = await loadSaved(env);
  const url = (flags.url || env.SHIVA_URL || saved.url || 'http://127.0.0.1:8000').replace(/\/+$/, '');
  const token = env.SHIVA_TOKEN || (saved.url === undefined || saved.url === url ? saved.token : undefined);
  return { url, token, username: saved.username };
}

export async function saveCredentials(credentials: Credentials, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const file = credentialsFile(env);
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  await writeFile(file, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
  return file;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** The hub's error answer as an ApiError with its code. */
function failure(status: number, text: string): ApiError {
  let parsed: ErrorBody | undefined;
  try {
    parsed = JSON.parse(text) as ErrorBody;
  } catch {
    // Not one of ours (a proxy in between?): report the status.
  }
  return new ApiError(status, parsed?.error.code ?? `HTTP_${status}`, parsed?.error.message ?? `The hub answered ${status}.`);
}

export class HubClient {
  constructor(readonly credentials: Credentials) {}

  async request<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
    const res = await this.fetch(path, {
      method,
      headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    if (!res.ok) throw failure(res.status, text);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /** A GET answered with text rather than JSON (a CSV download), as it comes. */
  async text(path: string): Promise<string> {
    const res = await this.fetch(path, {});
    const text = await res.text();
    if (!res.ok) throw failure(res.status, text);
    return text;
  }

  /**
   * Server-sent events of a path, one parsed `data` object at a time, until the stream ends;
   * with `afterId`, only those after the event of that id (the Last-Event-ID of a resumed stream).
   */
  async *events<T>(path: string, afterId?: number): AsyncGenerator<T> {
    const res = await this.fetch(path, { headers: { accept: 'text/event-stream', ...(afterId ? { 'last-event-id': String(afterId) } : {}) } });
    if (!res.ok || !res.body) throw new ApiError(res.status, `HTTP_${res.status}`, `The hub answered ${res.status} to ${path}.`);
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of res.body) {
      buffer += decoder.decode(chunk as Uint8Array, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) !== -1) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = block
          .split('\n')
          .filter((l) => l.startsWith('data:'))
          .map((l) => l.slice(5).trimStart())
          .join('\n');
        if (data) yield JSON.parse(data) as T;
      }
    }
  }

  private async fetch(path: string, init: RequestInit & { headers?: Record<string, string> }): Promise<Response> {
    const headers: Record<string, string> = { ...init.headers };
    if (this.credentials.token && !headers.authorization) headers.authorization = `Bearer ${this.credentials.token}`;
    try {
      return await fetch(`${this.credentials.url}${path}`, { ...init, headers });
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
      throw new ApiError(0, 'HUB_UNREACHABLE', `Cannot reach the hub at ${this.credentials.url} (${cause}).`);
    }
  }
}
