/**
 * Every error that comes out of the Docker Engine (or out of failing to reach it) is turned into
 * a RuntimeError here, in one place, so the core sees five kinds and a one-line message for its
 * log: never a stack, never dockerode's "(HTTP code 409) unexpected - …" wrapping. Only the
 * messages written here in full (no NVIDIA runtime, no CDI) are marked plain, fit for users.
 */
import { RuntimeError, type RuntimeErrorKind } from '../types.js';

/** What a failed call was about, so a 404 can say which thing is missing. */
export interface ErrorContext {
  /** The engine's address, for "does not answer" messages. */
  address: string;
  /** What a 404 means for this call. */
  notFound?: 'not_found' | 'image_not_found';
  /** The container or image the call was about, for messages. */
  subject?: string;
}

export const NO_NVIDIA_RUNTIME_MESSAGE =
  "this machine's Docker Engine has no NVIDIA runtime: install the NVIDIA Container Toolkit there and restart the engine, or launch without GPUs";

export const NO_CDI_MESSAGE =
  "this machine's Docker Engine cannot give CDI devices: it needs Docker 25 or later with the cdi feature and the NVIDIA Container Toolkit's CDI specs (nvidia-ctk cdi generate); or set the machine's gpus.mode to deviceRequests or devices";

/** Socket-level failures: the engine is not there, not listening, not ours to talk to, or not answering. */
const UNREACHABLE: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOENT: 'no socket at that path',
  EACCES: "permission denied on its socket (is the hub's user in the docker group?)",
  EPERM: 'permission denied on its socket',
  ETIMEDOUT: 'the connection timed out',
  ECONNRESET: 'the connection was reset',
  EPIPE: 'the connection was closed',
  EHOSTUNREACH: 'the host is unreachable',
  ENETUNREACH: 'the network is unreachable',
  ENOTFOUND: 'the host name does not resolve',
  EAI_AGAIN: 'the host name does not resolve (yet)',
  ECONNABORTED: 'the connection was aborted',
  UND_ERR_SOCKET: 'the connection failed',
};

interface EngineErrorShape {
  statusCode?: unknown;
  json?: unknown;
  code?: unknown;
  level?: unknown;
  message?: unknown;
}

/** The HTTP status the engine answered with, when it answered. */
export function engineStatus(err: unknown): number | null {
  const status = (err as EngineErrorShape | null)?.statusCode;
  return typeof status === 'number' ? status : null;
}

/**
 * The engine's own words: `json.message` of a dockerode error, else the error's message with
 * dockerode's "(HTTP code N) reason - " prefix removed.
 */
export function engineMessage(err: unknown): string {
  if (err === null || err === undefined) return 'unknown error';
  if (typeof err !== 'object') return String(err);
  const { json, message } = err as EngineErrorShape;
  let text: string | undefined;
  if (json && typeof json === 'object' && !Buffer.isBuffer(json)) {
    const m = (json as { message?: unknown }).message;
    if (typeof m === 'string') text = m;
  } else if (typeof json === 'string' && json.trim()) {
    text = json;
  } else if (Buffer.isBuffer(json) && json.length > 0) {
    text = json.toString('utf8');
  }
  text ??= typeof message === 'string' ? message.replace(/^\(HTTP code \d+\) [^-]*- /, '') : 'unknown error';
  return oneLine(text);
}

/**
 * The host path of a `Mounts` bind the engine refused because it does not exist on the machine
 * ("invalid mount config for type "bind": bind source path does not exist: /x"), else null.
 */
export function missingBindSource(err: unknown): string | null {
  return /bind source path does not exist: (\/.*)$/.exec(engineMessage(err))?.[1]?.trim() ?? null;
}

/** True when the engine refused a GPU request because it has no NVIDIA runtime or toolkit. */
export function isMissingNvidiaRuntime(err: unknown): boolean {
  return /could not select device driver "?nvidia"?/i.test(engineMessage(err));
}

/** The error for a GPU request on an engine without NVIDIA support, keeping the engine's words as cause. */
export function noNvidiaRuntimeError(cause?: unknown): RuntimeError {
  return new RuntimeError('failed', NO_NVIDIA_RUNTIME_MESSAGE, { cause, plain: true });
}

/** Why the engine could not be reached at all, or null when it did answer (or the error is ours). */
export function unreachableReason(err: unknown): string | null {
  if (engineStatus(err) !== null || err === null || typeof err !== 'object') return null;
  const { code, level, message } = err as EngineErrorShape;
  if (typeof code === 'string' && code in UNREACHABLE) return UNREACHABLE[code] ?? code;
  // ssh2 marks its failures with a level ("client-socket", "client-authentication", …).
  if (typeof level === 'string' && level.startsWith('client-')) {
    return `ssh: ${typeof message === 'string' ? oneLine(message) : level}`;
  }
  if (typeof message === 'string' && /socket hang up|ECONNREFUSED|ECONNRESET|timed? ?out/i.test(message)) {
    return oneLine(message);
  }
  return null;
}

/** The RuntimeError for an engine error; a RuntimeError passes through unchanged. */
export function classifyEngineError(err: unknown, context: ErrorContext): RuntimeError {
  if (err instanceof RuntimeError) return err;
  const options = { cause: err };

  const reason = unreachableReason(err);
  if (reason !== null) return unavailableError(context.address, reason, err);

  if (isMissingNvidiaRuntime(err)) return noNvidiaRuntimeError(err);
  if (/could not select device driver "?cdi"?|unresolvable CDI devices/i.test(engineMessage(err))) {
    return new RuntimeError('failed', NO_CDI_MESSAGE, { ...options, plain: true });
  }

  const status = engineStatus(err);
  const message = engineMessage(err);
  // Mounts (never Binds) refuse a missing host path: the engine's words name the path, which is the hub's own.
  const missing = /bind source path does not exist:\s*(\S+)/i.exec(message);
  if (missing) return new RuntimeError('mount_missing', `the folder ${missing[1]} to mount does not exist on this machine`, { ...options, plain: true });
  const subject = context.subject ? ` ${context.subject}` : '';
  if (status === 404) {
    const kind: RuntimeErrorKind = context.notFound ?? 'not_found';
    const text = kind === 'image_not_found' ? `the image${subject} is not on this machine` : message;
    return new RuntimeError(kind, text, options);
  }
  if (status === 409) return new RuntimeError('conflict', message, options);
  if (status === null) {
    // Not an engine answer and not a known socket failure: a bug or an unexpected library error.
    // Keep the kind generic and the message short; the cause carries the rest for the logs.
    const name = err instanceof Error ? err.name : 'Error';
    return new RuntimeError('failed', `the call to the Docker Engine at ${context.address} failed: ${name}: ${message}`, options);
  }
  return new RuntimeError('failed', message, options);
}

/** The error for an engine that cannot be reached or does not answer in time. */
export function unavailableError(address: string, reason: string, cause?: unknown): RuntimeError {
  return new RuntimeError('unavailable', `the Docker Engine at ${address} does not answer: ${reason}`, { cause });
}

/** Registry answers that mean "no such image" rather than "cannot get there". */
const IMAGE_MISSING = /pull access denied|manifest unknown|manifest for .* not found|repository does not exist|not found|no such image|unauthorized|denied: requested access/i;
/** A registry that wants credentials the pull did not bring (distribution's htpasswd realm says this). */
const REGISTRY_CREDENTIALS = /no basic auth credentials|authentication required/i;
/** Failures on the way to the registry: DNS, routing, TLS, timeouts. */
const REGISTRY_UNREACHABLE = /no route to host|dial tcp|lookup .*(no such host|server misbehaving)|i\/o timeout|timeout|timed out|connection refused|network is unreachable|tls: |x509: |EOF$/i;

/**
 * The RuntimeError for a failed pull request. An engine that cannot be reached stays
 * `unavailable`; anything the engine answered is about the image or its registry.
 */
export function classifyPullError(err: unknown, ref: string, address: string): RuntimeError {
  if (err instanceof RuntimeError) return err;
  const reason = unreachableReason(err);
  if (reason !== null) return unavailableError(address, reason, err);
  return classifyRegistryFailure(engineMessage(err), engineStatus(err), ref, err);
}

/**
 * The RuntimeError for a pull the engine reported as failed, in its answer or inside its
 * progress stream. A missing image and an unreachable registry are both image_not_found for
 * the core (it cannot launch that image here), the latter with the reason in the message;
 * engine-side failures (a full disk) stay `failed`.
 */
export function classifyRegistryFailure(message: string, status: number | null, ref: string, cause?: unknown): RuntimeError {
  const text = oneLine(message);
  if (REGISTRY_CREDENTIALS.test(text)) {
    return new RuntimeError('image_not_found', `the image ${ref} could not be pulled: its registry asks for credentials the hub was not given (registry.username and registry.passwordEnv, docs/registry.md): ${text}`, { cause });
  }
  // The network test comes first so that "lookup registry: no such host" keeps its reason.
  if (status !== 404 && REGISTRY_UNREACHABLE.test(text)) {
    return new RuntimeError('image_not_found', `the image ${ref} could not be pulled: ${text}`, { cause });
  }
  if (status === 404 || IMAGE_MISSING.test(text)) {
    // The registry's words ("manifest unknown") say which of tag, repository or access it was.
    return new RuntimeError('image_not_found', `the image ${ref} is not in any registry this engine can reach: ${text}`, { cause });
  }
  return new RuntimeError('failed', `pulling ${ref} failed: ${text}`, { cause });
}

function oneLine(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 500 ? `${line.slice(0, 497)}...` : line;
}
