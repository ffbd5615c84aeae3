/**
 * The one way the dashboard talks to the hub: JSON in and out, the session cookie, errors turned
 * into ApiError with the hub's stable code. A 401 UNAUTHENTICATED anywhere means the session is
 * over: the handler sends the person to sign in and back.
 */
import { connection } from './connection';
import type { ErrorCode } from './types';

/** Codes for failures that never reached the hub's error handler. */
export type ClientErrorCode = 'UNREACHABLE' | 'BAD_RESPONSE';

export class ApiError extends Error {
  readonly status: number;
  readonly code: ErrorCode | ClientErrorCode;

  constructor(status: number, code: ErrorCode | ClientErrorCode, message: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

export function isApiError(err: unknown, code?: ErrorCode | ClientErrorCode): err is ApiError {
  return err instanceof ApiError && (code === undefined || err.code === code);
}

type Handler = () => void;

/** Where the person signs in again; `next` brings them back to where they were. */
export function signInPath(location: { pathname: string; search: string }): string {
  const here = `${location.pathname}${location.search}`;
  return here === '/' || location.pathname === '/login' ? '/login' : `/login?next=${encodeURIComponent(here)}`;
}

let onUnauthenticated: Handler = () => {
  if (window.location.pathname !== '/login') window.location.assign(signInPath(window.location));
};

/** The app replaces the default full-page redirect with a client-side one. */
export function setUnauthenticatedHandler(handler: Handler): void {
  onUnauthenticated = handler;
}

interface ErrorBody {
  error: { code: ErrorCode; message: string };
}

function isErrorBody(body: unknown): body is ErrorBody {
  if (typeof body !== 'object' || body === null || !('error' in body)) return false;
  const { error } = body;
  return typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string';
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  body?: unknown;
  signal?: AbortSignal;
}

/** The hub's CSRF token (a readable cookie set at sign-in), echoed on every request that changes something. */
function csrfHeader(): Record<string, string> {
  const token = document.cookie
    .split('; ')
    .find((c) => c.startsWith('shiva_csrf='))
    ?.slice('shiva_csrf='.length);
  return token ? { 'x-csrf-token': token } : {};
}

export async function request<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const { method = 'GET', body, signal } = options;
  let res: Response;
  try {
    // No `cache` option, on purpose: in the default mode the browser keeps answers the hub marks
    // `no-cache` and revalidates them with their ETag, so a poll of an unchanged list is a 304
    // the browser answers from its copy (`no-store` or `reload` here would fetch it whole).
    res = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: {
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(method === 'GET' ? {} : csrfHeader()),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
    });
  } catch (err) {
    if (signal?.aborted) throw err;
    connection.markUnreachable();
    throw new ApiError(0, 'UNREACHABLE', err instanceof Error ? err.message : String(err));
  }
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = undefined;
  }
  if (res.ok && parsed !== undefined) {
    connection.markReachable();
    return parsed as T;
  }
  if (isErrorBody(parsed)) {
    connection.markReachable();
    if (parsed.error.code === 'UNAUTHENTICATED') onUnauthenticated();
    throw new ApiError(res.status, parsed.error.code, parsed.error.message);
  }
  // A gateway in front of the hub answers these when the hub itself is down or restarting.
  if (res.status === 502 || res.status === 503 || res.status === 504) {
    connection.markUnreachable();
    throw new ApiError(res.status, 'UNREACHABLE', `The hub does not answer (HTTP ${res.status}).`);
  }
  throw new ApiError(res.status, 'BAD_RESPONSE', `Unexpected answer from the hub (HTTP ${res.status}).`);
}
