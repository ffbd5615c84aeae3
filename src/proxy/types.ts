/**
 * The proxy's contract with the hub: what it is given (routes, an authenticator, an activity
 * sink) and what it records. Everything here is in memory: the proxy never waits on a database.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { SandboxControls } from './jupyter-controls.js';
import type { OpenTunnels } from './open-tunnels.js';
import type { SandboxOrigins } from './origins.js';
import type { RouteTable } from './route-table.js';

/** Who sent a request, as far as the proxy needs to know. */
export interface ProxyIdentity {
  userId: number;
  username: string;
  admin: boolean;
  /** How the request proved who it is, as the hub's authenticator says (src/auth/authenticator.ts). */
  via: 'session' | 'token' | 'password' | 'ssh-key';
  /**
   * The hub session's or token's stored id: what ending that credential ends. A sandbox cookie
   * resolves to the hub session it was issued for.
   */
  credentialId: string | null;
  /** A token's scopes; it opens sandboxes only with `sandboxes:access`. Null or absent: a session, which may. */
  scopes?: ReadonlySet<string> | null;
}

/** Where `/user/<user>/<name>/` goes, and the token its Jupyter server demands. */
export interface ProxyRoute {
  sandboxId: string;
  user: string;
  name: string;
  target: { host: string; port: number };
  token: string;
}

export interface ProxyLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface ProxyMetrics {
  /** One answer to a plain request: the upstream's status or the proxy's own. */
  request(status: number): void;
  upgrade(result: 'ok' | 'refused' | 'error'): void;
}

export const noopProxyMetrics: ProxyMetrics = Object.freeze({
  request(): void {},
  upgrade(): void {},
});

/** What the proxy needs of the sandbox sign-in (auth/sandbox-sign-in.ts). */
export interface SandboxSignInCodes {
  /** The grant behind a one-time code, if it was issued for this sandbox label and is still valid; spends the code. */
  redeem(code: string, label: string): { sessionId: string; next: string } | null;
  /** The `shiva_sandbox` cookie value for a hub session on the sandbox `label`. */
  cookieValue(label: string, sessionId: string): string;
}

/**
 * What the proxy tells of a sandbox's traffic (docs/culling.md, "What counts as activity"): a
 * request that counts, once the sandbox has answered it (a request the proxy refuses, or one
 * the sandbox never answers, does not); a chunk of a WebSocket that carries a data frame either
 * way (pings, pongs and closes do not), at most once a second per tunnel.
 */
export interface ProxyActivity {
  touch(sandboxId: string, kind: 'http' | 'websocket'): void;
  /**
   * Whether a request is a person's work rather than a page's background traffic: `method`, and
   * `path` after `/user/<user>/<name>` (src/sandboxes/culling/traffic-rules.ts). Every request
   * counts when absent.
   */
  counts?(method: string, path: string): boolean;
}

type MaybeIdentity = ProxyIdentity | null | Promise<ProxyIdentity | null>;

export interface ProxyDeps {
  routes: RouteTable;
  /** Who sent a request on the hub's host, from its session cookie or bearer token; served from the hub's in-memory cache, so usually synchronous. */
  authenticate(req: IncomingMessage): MaybeIdentity;
  /**
   * Who sent a request on the sandbox host `label`: a bearer token, or the `shiva_sandbox`
   * cookie made for that label (resolved to its hub session, `via: 'session'`). The hub's own
   * session cookie is never read there.
   */
  authenticateSandbox(req: IncomingMessage, label: string): MaybeIdentity;
  /** Where browsers reach sandboxes. */
  origins: SandboxOrigins;
  /** The hub's URL that signs a browser in to a sandbox origin, e.g. `http://127.0.0.1:8000/api/sandboxes/authorize`. */
  authorizeUrl: string;
  signIn: SandboxSignInCodes;
  /** Whether admins may open other users' sandboxes (`sandboxes.adminAccess`). */
  adminAccess: boolean;
  /**
   * Called for each request or WebSocket an admin's bearer token makes into another user's
   * sandbox (browsers are audited by the sign-in handshake instead), with the client's address.
   * Must stay cheap: the hub keeps one audit entry per token and sandbox per period.
   */
  onAdminEntry?: (identity: ProxyIdentity, route: ProxyRoute, address: string | null) => void;
  /** Where real traffic is recorded (see ProxyActivity). Must stay cheap. */
  activity: ProxyActivity;
  /** For the 503 page when no route exists: what the hub knows of that sandbox, from memory. */
  describe(user: string, name: string): { state: string; reason?: string | null } | undefined;
  /**
   * The hub's `hub.trustProxy`: whether X-Forwarded-* from the client come from a proxy in front
   * and are passed on (X-Forwarded-For appended to). When false or absent, client-sent
   * X-Forwarded-* and Forwarded headers are dropped and the hub sets its own.
   */
  trustProxy?: boolean;
  /** The cookie of a sandbox origin (`shiva_sandbox`), set by the sign-in callback; never forwarded either. */
  sandboxCookieName: string;
  /** Where anonymous browsers are sent, e.g. '/login'; `?next=` is appended. */
  loginPath: string;
  log: ProxyLogger;
  /** Optional; a no-op object stands in when absent. */
  metrics?: ProxyMetrics;
  /**
   * Where open WebSockets and requests in flight are registered with the credential that opened
   * them, so that ending it ends them (shared with the hub's event streams); the proxy keeps
   * its own when absent.
   */
  tunnels?: OpenTunnels;
  /**
   * What Jupyter's Logout and Quit do (sign out of the hub, stop the sandbox through the hub);
   * when absent, both go on to Jupyter as any other request.
   */
  controls?: SandboxControls;
  /** How long to wait for a TCP connection to a sandbox; 10 s when absent. Answers may take as long as they like. */
  connectTimeoutMs?: number;
}

/** What the hub's `http.Server` calls for `/user/…` requests and upgrades. */
export interface Proxy {
  handleRequest(req: IncomingMessage, res: ServerResponse): void;
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Destroys the upstream connection pool and every open WebSocket tunnel. */
  close(): Promise<void>;
}
