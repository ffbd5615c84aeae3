/**
 * What the proxy answers when it does not forward: small HTML pages for browsers and the API's
 * JSON error bodies for everything else. Every interpolated string is escaped; these pages show
 * names and reasons that came from users and containers.
 */
import { LAUNCHING_STATES, type SandboxState } from '../contract/sandbox-states.js';
import { errorCodes, type ErrorBody, type ErrorCode } from '../contract/errors.js';

const htmlEscapes: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};
const htmlSpecial = /[&<>"']/g;

export function escapeHtml(text: string): string {
  return text.replace(htmlSpecial, (c) => htmlEscapes[c] ?? c);
}

/**
 * Headers of every page the proxy writes itself (error pages, the sign-out confirmation): they
 * run no script, load nothing but their inline style and empty icon, post forms only to their
 * own origin, and no page may frame them (CSP Level 3 `frame-ancestors`, with X-Frame-Options for
 * older browsers). Framing matters most for the sign-out confirmation: another port of the
 * sandbox's host, or another sandbox under a shared domain, is same-site, so the SameSite=Lax
 * sandbox cookie goes along with a framed request and one tricked click would sign the person out.
 */
export const PAGE_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
};

/** The API's error body, serialised. */
export function errorJson(code: ErrorCode, message?: string, details?: unknown): string {
  const body: ErrorBody = { error: { code, message: message ?? errorCodes[code].message } };
  if (details !== undefined) body.error.details = details;
  return JSON.stringify(body);
}

/**
 * An empty icon in the page itself, so that browsers do not ask for /favicon.ico: on a sandbox's
 * origin that request would reach the sandbox (or another error page), and on the hub a 404.
 */
export const NO_FAVICON = '<link rel="icon" href="data:,">';

export interface PageOptions {
  title: string;
  message: string;
  /** Reload the page after this many seconds (while a sandbox is starting). */
  refreshSeconds?: number;
  /** Extra links under the message: [href, text]. */
  links?: ReadonlyArray<readonly [string, string]>;
  /**
   * Where "Back to the dashboard" goes: '/' on the hub's own pages; the hub's absolute URL on
   * pages served on a sandbox's origin, where '/' is the sandbox's own root.
   */
  home?: string;
}

export function errorPage(options: PageOptions): string {
  const refresh =
    options.refreshSeconds !== undefined
      ? `<meta http-equiv="refresh" content="${Math.max(1, Math.floor(options.refreshSeconds))}">`
      : '';
  const links = [...(options.links ?? []), [options.home ?? '/', 'Back to the dashboard'] as const]
    .map(([href, text]) => `<a href="${escapeHtml(href)}">${escapeHtml(text)}</a>`)
    .join(' · ');
  return (
    '<!doctype html><html lang="en"><head><meta charset="utf-8">' +
    '<meta name="viewport" content="width=device-width, initial-scale=1">' +
    NO_FAVICON +
    refresh +
    `<title>${escapeHtml(options.title)} · Shiva</title>` +
    '<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40em;margin:4em auto;padding:0 1em;color:#222}' +
    'h1{font-size:1.4em}p.links{margin-top:2em}</style></head><body>' +
    `<h1>${escapeHtml(options.title)}</h1><p>${escapeHtml(options.message)}</p>` +
    `<p class="links">${links}</p></body></html>`
  );
}

/**
 * The page that asks before Jupyter's Logout signs a browser out of Shiva, when the request did
 * not come from the sandbox's own page (jupyter-controls.ts): its button posts to `action` on
 * the same origin, which the proxy's Origin check lets through; `back` returns to the sandbox.
 */
export function signOutPage(options: { action: string; back: string }): string {
  return (
    '<!doctype html><html lang="en"><head><meta charset="utf-8">' +
    '<meta name="viewport" content="width=device-width, initial-scale=1">' +
    '<title>Sign out · Shiva</title>' +
    '<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40em;margin:4em auto;padding:0 1em;color:#222}' +
    'h1{font-size:1.4em}button{font:inherit;padding:.4em 1.2em}</style></head><body>' +
    '<h1>Sign out of Shiva?</h1>' +
    '<p>This ends your session on the hub: the dashboard and the sandboxes you opened in this browser ask you to sign in again. Your sandboxes keep running.</p>' +
    `<form method="post" action="${escapeHtml(options.action)}"><button type="submit">Sign out</button> ` +
    `<a href="${escapeHtml(options.back)}">Back to the sandbox</a></form></body></html>`
  );
}

/** States in which a missing route is expected to appear soon, so the page reloads itself. */
const transientStates: ReadonlySet<string> = new Set<SandboxState>([...LAUNCHING_STATES, 'running', 'unknown']);

export interface Absence {
  /** e.g. `The sandbox alice/main failed: image not found.` */
  message: string;
  state: string;
  reason: string | null;
  transient: boolean;
}

/** Why `/user/<user>/<name>/` has no route, from what the hub knows of the sandbox. */
export function describeAbsence(
  user: string,
  name: string,
  info: { state: string; reason?: string | null } | undefined,
): Absence {
  const sandbox = `${user}/${name}`;
  if (!info) {
    return { message: `The sandbox ${sandbox} does not exist.`, state: 'absent', reason: null, transient: false };
  }
  const reason = info.reason ?? null;
  const transient = transientStates.has(info.state);
  let message: string;
  if (info.state === 'failed') {
    message = reason ? `The sandbox ${sandbox} failed: ${reason}` : `The sandbox ${sandbox} failed.`;
  } else if (info.state === 'unknown') {
    message = `The machine of the sandbox ${sandbox} does not answer. The sandbox is kept and comes back when its machine does; this page reloads by itself.`;
  } else if (info.state === 'stopped' && reason) {
    // The same reason the dashboard shows; only the owner (or an admin let in) gets this far.
    message = `The sandbox ${sandbox} has stopped: ${reason}. Launch it again from the dashboard.`;
  } else if (transient) {
    message = `The sandbox ${sandbox} is not ready yet (${info.state}); this page reloads by itself.`;
  } else {
    message = `The sandbox ${sandbox} is ${info.state}${reason ? `: ${reason}` : '.'}`;
  }
  return { message, state: info.state, reason, transient };
}

/** How a connection to a sandbox failed, in words a user can act on. */
export type UpstreamFailure = 'refused' | 'reset' | 'timeout' | 'unreachable' | 'other';

export function classifyUpstreamError(err: NodeJS.ErrnoException): UpstreamFailure {
  switch (err.code) {
    case 'ECONNREFUSED':
      return 'refused';
    case 'ECONNRESET':
    case 'EPIPE':
      return 'reset';
    case 'ETIMEDOUT':
      return 'timeout';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EHOSTDOWN':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'unreachable';
    default:
      return err.message === 'socket hang up' ? 'reset' : 'other';
  }
}

export function unreachableMessage(user: string, name: string, failure: UpstreamFailure): string {
  const sandbox = `${user}/${name}`;
  switch (failure) {
    case 'refused':
      return `The sandbox ${sandbox} is not accepting connections; it may still be starting, or it has stopped.`;
    case 'reset':
      return `The sandbox ${sandbox} closed the connection before answering.`;
    case 'timeout':
      return `The sandbox ${sandbox} did not answer in time.`;
    case 'unreachable':
      return `The machine of the sandbox ${sandbox} cannot be reached.`;
    case 'other':
      return `The sandbox ${sandbox} does not answer.`;
  }
}

/** Why an answer of the sandbox was not passed on (its framing or headers; details go to the log). */
export function badAnswerMessage(user: string, name: string): string {
  return `The sandbox ${user}/${name} sent an answer that cannot be passed on safely (ambiguous framing or an invalid header); it was dropped.`;
}

/** Why a request that may have been acted on was not sent again. */
export function connectionLostMessage(user: string, name: string): string {
  return `The sandbox ${user}/${name} closed the connection before answering. The request was not sent again, since it may already have been carried out; check before repeating it.`;
}
