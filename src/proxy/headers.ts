/**
 * Header rewriting between the browser and a sandbox: what goes up (the sandbox's token instead
 * of the user's credentials, the browser's Host, the hub's own X-Forwarded-*, no hop-by-hop
 * headers, no hub cookie, no `X-Shiva-*`) and what comes down (no hop-by-hop headers, no
 * cookie that would set one of the hub's).
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

/**
 * Every hub cookie is named with this prefix (shiva_session, shiva_csrf, shiva_sandbox, …):
 * none is ever forwarded to a sandbox, and a sandbox may set none of them.
 */
export const HUB_COOKIE_PREFIX = 'shiva_';

/** Whether a cookie name (as written, before trimming) is the hub's own. */
function isHubCookieName(name: string): boolean {
  return name.trim().startsWith(HUB_COOKIE_PREFIX);
}

/** The `Cookie` header without any of the hub's cookies (`shiva_*`); '' when nothing is left. */
export function stripHubCookies(header: string): string {
  if (header.indexOf(HUB_COOKIE_PREFIX) === -1) return header;
  const kept: string[] = [];
  for (const pair of header.split(';')) {
    const eq = pair.indexOf('=');
    if (!isHubCookieName(eq === -1 ? pair : pair.slice(0, eq)) && pair.trim() !== '') kept.push(pair.trim());
  }
  return kept.join('; ');
}

/** True when a `Set-Cookie` value sets (or clears) one of the hub's cookies (`shiva_*`). */
export function setsHubCookie(setCookie: string): boolean {
  if (setCookie.indexOf(HUB_COOKIE_PREFIX) === -1) return false;
  const eq = setCookie.indexOf('=');
  const semi = setCookie.indexOf(';');
  // A cookie without `=` is a nameless value to browsers (RFC 6265 §5.2 step 5, as Chromium
  // and Firefox read it): it cannot be a hub cookie.
  if (eq === -1 || (semi !== -1 && semi < eq)) return false;
  return isHubCookieName(setCookie.slice(0, eq));
}

/** The port the browser addressed, for X-Forwarded-Port. */
function hostPort(host: string | undefined, encrypted: boolean): string {
  if (host !== undefined) {
    const colon = host.lastIndexOf(':');
    if (colon !== -1 && colon > host.lastIndexOf(']')) return host.slice(colon + 1);
  }
  return encrypted ? '443' : '80';
}

/** How a request's body is framed (RFC 9112 §6.3): by a length, by chunks, not at all, or ambiguously. */
export type RequestFraming = 'none' | 'length' | 'chunked' | 'invalid';

/**
 * The framing of a request node's parser accepted. Node already refuses Transfer-Encoding
 * with Content-Length and repeated lengths; it lets a Transfer-Encoding whose last coding is
 * not chunked through, which RFC 9112 §6.3 rule 4 says a server must refuse, so this does.
 */
export function requestFraming(req: IncomingMessage): RequestFraming {
  const headers = req.headers;
  const te = headers['transfer-encoding'];
  const length = headers['content-length'];
  if (te !== undefined) {
    if (length !== undefined) return 'invalid';
    const last = te.slice(te.lastIndexOf(',') + 1).trim().toLowerCase();
    return last === 'chunked' ? 'chunked' : 'invalid';
  }
  if (length === undefined || length === '0') return 'none';
  return 'length';
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

/**
 * The headers to send to the sandbox, as a flat `[name, value, …]` list. Keeps the browser's
 * Host (Jupyter compares it with Origin) and replaces any credentials with `credential` (see
 * sandboxCredential). Drops every hub cookie and every client-sent `X-Shiva-*` header (those
 * names are the hub's to set). X-Forwarded-For/Proto/Host/Port are the hub's own view of the
 * client, unless `trustProxy` says a proxy in front sets them: then X-Forwarded-For is appended
 * to and the others kept, as configurable-http-proxy's `xfwd` does; without it every client-sent
 * `X-Forwarded-*` and `Forwarded` header is dropped. At most one Content-Length goes up.
 */
export function upstreamRequestHeaders(
  req: IncomingMessage,
  credential: readonly [string, string],
  trustProxy: boolean,
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
    if (value === undefined || droppedRequestHeaders.has(name)) continue;
    if (typeof value !== 'string') {
      // Only set-cookie is ever an array here; it makes no sense in a request but is harmless.
      for (const item of value) out.push(name, item);
      continue;
    }
    // Names starting `x-`: the hub's own `x-shiva-*`, and X-Forwarded-*.
    if (name.charCodeAt(0) === 0x78 && name.charCodeAt(1) === 0x2d) {
      if (name.startsWith('x-shiva-')) continue;
      if (name.startsWith('x-forwarded-')) {
        if (!trustProxy) continue;
        switch (name) {
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
      }
    } else if (name === 'cookie') {
      const kept = stripHubCookies(value);
      if (kept !== '') out.push('cookie', kept);
      continue;
    } else if (name === 'forwarded' && !trustProxy) {
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
  } else if (headers['content-length'] === undefined && headers['transfer-encoding'] === undefined && req.method !== 'GET' && req.method !== 'HEAD') {
    // Without a length a sandbox could wait for a body; say plainly there is none (once: a
    // client's own `Content-Length: 0` is already in the list).
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
 * headers (node frames the body itself) and without any Set-Cookie for a hub cookie (`shiva_*`).
 * `keepConnection` keeps Connection/Upgrade, which a 101 answer needs.
 */
export function downstreamResponseHeaders(raw: string[], keepConnection = false): ResponseHeaders {
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
        } else if (lower === 'set-cookie' && setsHubCookie(value)) {
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
