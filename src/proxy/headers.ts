/**
 * Header rewriting between the browser and a sandbox: what goes up (the sandbox's token instead
 * of the user's credentials, the browser's Host, X-Forwarded-*, no hop-by-hop headers) and what
 * comes down (no hop-by-hop headers, no cookie that would overwrite the hub's session).
 * Runs once per request each way, so it works on flat arrays and avoids regular expressions.
 */
import type { IncomingMessage } from 'node:http';

/**
 * Request headers that never reach a sandbox: hop-by-hop ones (RFC 7230 §6.1), `Expect` (the hub
 * already answered `100 Continue`), and the user's own credentials. `Upgrade` and `Connection`
 * are set again for WebSocket requests.
 */
const droppedRequestHeaders = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authorization',
  'te',
  'trailer',
  'upgrade',
  'http2-settings',
  'expect',
  'authorization',
]);

/** `Connection` values that list no other header, which is nearly always the case. */
function isPlainConnectionValue(value: string): boolean {
  return value === 'keep-alive' || value === 'close' || value === 'Keep-Alive' || value === 'Upgrade' || value === 'upgrade';
}

/** The headers a `Connection` header names as hop-by-hop, lowercase; null when it names none. */
function connectionListed(value: string | undefined): Set<string> | null {
  if (value === undefined || isPlainConnectionValue(value)) return null;
  const listed = new Set<string>();
  for (const token of value.split(',')) {
    const name = token.trim().toLowerCase();
    if (name !== '' && name !== 'close' && name !== 'keep-alive' && name !== 'upgrade') listed.add(name);
  }
  return listed.size === 0 ? null : listed;
}

/** The `Cookie` header without the hub's own cookie; '' when nothing is left. */
export function stripCookie(header: string, cookieName: string): string {
  if (header.indexOf(cookieName) === -1) return header;
  const kept: string[] = [];
  for (const pair of header.split(';')) {
    const eq = pair.indexOf('=');
    const name = (eq === -1 ? pair : pair.slice(0, eq)).trim();
    if (name !== cookieName && pair.trim() !== '') kept.push(pair.trim());
  }
  return kept.join('; ');
}

/** True when a `Set-Cookie` value sets (or clears) the cookie named `cookieName`. */
export function setsCookie(setCookie: string, cookieName: string): boolean {
  if (setCookie.indexOf(cookieName) === -1) return false;
  const eq = setCookie.indexOf('=');
  if (eq === -1) return false;
  const semi = setCookie.indexOf(';');
  if (semi !== -1 && semi < eq) return false;
  return setCookie.slice(0, eq).trim() === cookieName;
}

/** The port the browser addressed, for X-Forwarded-Port. */
function hostPort(host: string | undefined, encrypted: boolean): string {
  if (host !== undefined) {
    const colon = host.lastIndexOf(':');
    if (colon !== -1 && colon > host.lastIndexOf(']')) return host.slice(colon + 1);
  }
  return encrypted ? '443' : '80';
}

/** True when the request carries a body (a length other than 0, or chunked). */
export function hasRequestBody(req: IncomingMessage): boolean {
  const headers = req.headers;
  if (headers['transfer-encoding'] !== undefined) return true;
  const length = headers['content-length'];
  return length !== undefined && length !== '0';
}

/**
 * How the proxy proves itself to a sandbox: `[header name, value]`. A request authenticated by a
 * bearer token gets `Authorization: token <secret>`, which Jupyter takes as token-authenticated
 * (exempt from its XSRF check: a bearer token is not sent by browsers on their own). One
 * authenticated by a cookie gets `X-Shiva-Sandbox-Secret: <secret>`, which the bundled images
 * accept without marking the request token-authenticated, so Jupyter's own XSRF and Origin
 * checks still apply to what a browser sends.
 */
export function sandboxCredential(secret: string, byCookie: boolean): readonly [string, string] {
  return byCookie ? [SANDBOX_SECRET_HEADER, secret] : ['authorization', `token ${secret}`];
}

/** The header carrying the sandbox secret for cookie-authenticated requests. */
export const SANDBOX_SECRET_HEADER = 'x-shiva-sandbox-secret';
/** Request headers of this prefix are the proxy's own: any a client sends is dropped. */
const OWN_HEADER_PREFIX = 'x-shiva-';

/**
 * The headers to send to the sandbox, as a flat `[name, value, …]` list for `http.request`.
 * Keeps the browser's Host (Jupyter compares it with Origin), appends the client to
 * X-Forwarded-For, keeps X-Forwarded-Proto/Host/Port set by a proxy in front or sets them, and
 * replaces any credentials with the sandbox's own secret (see sandboxCredential).
 */
export function upstreamRequestHeaders(
  req: IncomingMessage,
  credential: readonly [string, string],
  cookieName: string,
  upgrade: boolean,
): string[] {
  const headers = req.headers;
  const listed = connectionListed(headers.connection);
  const out: string[] = [];
  let forwardedFor: string | undefined;
  let forwardedProto: string | undefined;
  let forwardedHost: string | undefined;
  let forwardedPort: string | undefined;
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined || droppedRequestHeaders.has(name) || name.startsWith(OWN_HEADER_PREFIX)) continue;
    if (typeof value !== 'string') {
      // Only set-cookie is ever an array here; it makes no sense in a request but is harmless.
      for (const item of value) out.push(name, item);
      continue;
    }
    switch (name) {
      case 'cookie': {
        const kept = stripCookie(value, cookieName);
        if (kept !== '') out.push('cookie', kept);
        continue;
      }
      case 'x-forwarded-for':
        forwardedFor = value;
        continue;
      case 'x-forwarded-proto':
        forwardedProto = value;
        continue;
      case 'x-forwarded-host':
        forwardedHost = value;
        continue;
      case 'x-forwarded-port':
        forwardedPort = value;
        continue;
    }
    if (listed !== null && listed.has(name)) continue;
    out.push(name, value);
  }
  const socket = req.socket;
  const encrypted = 'encrypted' in socket && socket.encrypted === true;
  const remote = socket.remoteAddress ?? '';
  out.push(
    'x-forwarded-for',
    forwardedFor === undefined ? remote : `${forwardedFor}, ${remote}`,
    'x-forwarded-proto',
    forwardedProto ?? (encrypted ? 'https' : 'http'),
    'x-forwarded-host',
    forwardedHost ?? headers.host ?? '',
    'x-forwarded-port',
    forwardedPort ?? hostPort(headers.host, encrypted),
    credential[0],
    credential[1],
  );
  if (upgrade) {
    out.push('connection', 'Upgrade', 'upgrade', headers.upgrade ?? 'websocket');
  } else if (req.method !== 'GET' && req.method !== 'HEAD' && !hasRequestBody(req)) {
    // Without a length node would frame an empty POST as chunked; say plainly it has no body.
    out.push('content-length', '0');
  }
  return out;
}

export interface ResponseHeaders {
  headers: string[];
  /** Whether the upstream gave a Content-Length (a fixed-size answer rather than a stream). */
  sized: boolean;
}

/**
 * The sandbox's response headers to pass on, from its raw header list: without hop-by-hop
 * headers (node frames the body itself) and without any Set-Cookie for the hub's cookie.
 * `keepConnection` keeps Connection/Upgrade, which a 101 answer needs.
 */
export function downstreamResponseHeaders(raw: string[], cookieName: string, keepConnection = false): ResponseHeaders {
  const out: string[] = [];
  let sized = false;
  let connection: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    const value = raw[i + 1] as string;
    // Compare by length first so that only candidate names are lowercased.
    switch (name.length) {
      case 2:
        if (name.toLowerCase() === 'te') continue;
        break;
      case 7: {
        const lower = name.toLowerCase();
        if (lower === 'trailer' || (lower === 'upgrade' && !keepConnection)) continue;
        break;
      }
      case 10: {
        const lower = name.toLowerCase();
        if (lower === 'connection') {
          connection = connection === undefined ? value : `${connection}, ${value}`;
          if (!keepConnection) continue;
        } else if (lower === 'keep-alive') {
          continue;
        } else if (lower === 'set-cookie' && setsCookie(value, cookieName)) {
          continue;
        }
        break;
      }
      case 14:
        if (name.toLowerCase() === 'content-length') sized = true;
        break;
      case 16:
        if (name.toLowerCase() === 'proxy-connection') continue;
        break;
      case 17:
        if (name.toLowerCase() === 'transfer-encoding') continue;
        break;
      case 18:
        if (name.toLowerCase() === 'proxy-authenticate') continue;
        break;
    }
    out.push(name, value);
  }
  const listed = connectionListed(connection);
  if (listed === null) return { headers: out, sized };
  const kept: string[] = [];
  for (let i = 0; i < out.length; i += 2) {
    const name = out[i] as string;
    if (!listed.has(name.toLowerCase())) kept.push(name, out[i + 1] as string);
  }
  return { headers: kept, sized };
}

/** A browser loading a page: it gets HTML pages and login redirects instead of JSON. */
export function isBrowserNavigation(req: IncomingMessage): boolean {
  if (req.method !== 'GET') return false;
  const accept = req.headers.accept;
  return accept !== undefined && accept.indexOf('text/html') !== -1;
}
