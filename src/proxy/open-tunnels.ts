/**
 * Every connection that outlives the check that let it in: a proxied WebSocket, a proxied
 * request still in flight (a long poll, a stream), and the hub's own server-sent event streams.
 * Each remembers the credential that opened it, so that ending that credential (sign-out,
 * password change, revocation, disabling, demotion) or removing the sandbox's route ends the
 * connection too, at once, instead of when it next asks (it never asks again: the check is
 * made only when it opens). JupyterHub and configurable-http-proxy leave open WebSockets
 * running after a logout; this registry is what makes DESIGN.md's "ending a credential ends
 * every tunnel it opened" hold.
 *
 * The proxy adds one entry per admitted request, so the entries form an intrusive doubly linked
 * list: adding and removing are a few pointer writes, with no hashing and nothing allocated
 * beyond the entry itself (a Set of fresh objects cost about 1.5 µs per request here, the
 * list about 0.2 µs). Ending walks the list, which happens rarely.
 */
import type { ProxyIdentity, ProxyLogger } from './types.js';

/** What kind of connection an entry is; logged, and a stopped sandbox ends only proxied ones. */
export type TunnelKind = 'request' | 'websocket' | 'events' | 'ssh';

/**
 * One open connection, as the registry sees it; a subclass says how it ends. The `listPrev`
 * and `listNext` links belong to the registry (OpenTunnels) and nothing else writes them.
 */
export abstract class OpenTunnel {
  listPrev: OpenTunnel | null = null;
  listNext: OpenTunnel | null = null;
  listed = false;

  constructor(
    readonly kind: TunnelKind,
    /** The identity that opened it: its user, and the session or token (`via` + `credentialId`). */
    readonly identity: ProxyIdentity,
    /** The sandbox it reaches or follows. */
    readonly sandboxId: string,
    /** Admitted only because its user is an admin: the sandbox belongs to someone else. */
    readonly asAdmin: boolean,
  ) {}

  /** Closes it now; removal from the registry follows from its own close handler. */
  abstract end(): void;
}

/** The client's side of an open tunnel: a `ServerResponse` or a socket. */
export interface ClientStream {
  readonly destroyed: boolean;
  destroy(): void;
  on(event: 'close', listener: () => void): unknown;
}

/** An open tunnel that ends by destroying the client's side of it (the proxy's requests and WebSockets). */
export class ClientTunnel extends OpenTunnel {
  readonly #stream: ClientStream;

  constructor(kind: TunnelKind, identity: ProxyIdentity, sandboxId: string, asAdmin: boolean, stream: ClientStream) {
    super(kind, identity, sandboxId, asAdmin);
    this.#stream = stream;
  }

  end(): void {
    this.#stream.destroy();
  }
}

/** An open tunnel that ends by calling `close` (the hub's event streams end their answer cleanly). */
export class ClosingTunnel extends OpenTunnel {
  readonly #close: () => void;

  constructor(kind: TunnelKind, identity: ProxyIdentity, sandboxId: string, asAdmin: boolean, close: () => void) {
    super(kind, identity, sandboxId, asAdmin);
    this.#close = close;
  }

  end(): void {
    this.#close();
  }
}

/** Which open tunnels an ending covers. */
export type TunnelFilter = (tunnel: OpenTunnel) => boolean;

/**
 * How long an ending is remembered for connections whose identity was checked before it and
 * that register after it (a check waits on the database; the ending may land in between).
 */
const RECENT_ENDINGS_MS = 60_000;
const RECENT_ENDINGS_MAX = 1_000;

interface Ending {
  seq: number;
  at: number;
  filter: TunnelFilter;
  reason: string;
}

export class OpenTunnels {
  #head: OpenTunnel | null = null;
  #size = 0;
  readonly #log: ProxyLogger;
  #endings = 0;
  readonly #recent: Ending[] = [];

  constructor(log: ProxyLogger) {
    this.#log = log;
  }

  #add(tunnel: OpenTunnel): void {
    if (tunnel.listed) return;
    tunnel.listed = true;
    tunnel.listPrev = null;
    tunnel.listNext = this.#head;
    if (this.#head !== null) this.#head.listPrev = tunnel;
    this.#head = tunnel;
    this.#size++;
  }

  #delete(tunnel: OpenTunnel): void {
    if (!tunnel.listed) return;
    tunnel.listed = false;
    const { listPrev: prev, listNext: next } = tunnel;
    if (prev !== null) prev.listNext = next;
    else this.#head = next;
    if (next !== null) next.listPrev = prev;
    tunnel.listPrev = null;
    tunnel.listNext = null;
    this.#size--;
  }

  /**
   * How many endings there have been. Read it before checking a credential and hand it to
   * track(): an ending made while the check waited then still reaches the connection.
   */
  get endings(): number {
    return this.#endings;
  }

  /**
   * Adds `tunnel` until `stream` (the client's side of it: a response or a socket) closes. A
   * stream already destroyed is not added, since its close has been emitted. `since` is
   * `endings` as read before its identity was checked: an ending made after that which covers
   * it ends it at once (as does one too old to be remembered still, to be safe). Returns
   * false when the tunnel was not added: then it must not be opened.
   */
  track(tunnel: OpenTunnel, stream: ClientStream, since: number = this.#endings): boolean {
    if (stream.destroyed) return false;
    if (since < this.#endings) {
      const missed = this.#missedEnding(tunnel, since);
      if (missed !== null) {
        this.#logEnd(tunnel, missed);
        tunnel.end();
        return false;
      }
    }
    this.#add(tunnel);
    stream.on('close', () => this.#delete(tunnel));
    return true;
  }

  /** The reason of an ending after `since` that covers `tunnel`, or null. */
  #missedEnding(tunnel: OpenTunnel, since: number): string | null {
    const oldest = this.#recent[0];
    if (oldest === undefined || oldest.seq > since + 1) return 'its sign-in was checked too long ago';
    for (const ending of this.#recent) if (ending.seq > since && ending.filter(tunnel)) return ending.reason;
    return null;
  }

  /** The distinct sessions, tokens and SSH keys that hold open tunnels now, each with its user. */
  credentials(): Array<{ via: 'session' | 'token' | 'ssh-key'; credentialId: string; userId: number }> {
    const seen = new Map<string, { via: 'session' | 'token' | 'ssh-key'; credentialId: string; userId: number }>();
    for (let tunnel = this.#head; tunnel !== null; tunnel = tunnel.listNext) {
      const { via, credentialId, userId } = tunnel.identity;
      if (via === 'password' || credentialId === null) continue;
      seen.set(`${via}:${credentialId}`, { via, credentialId, userId });
    }
    return [...seen.values()];
  }

  get size(): number {
    return this.#size;
  }

  /**
   * Ends every open tunnel `filter` selects, logging each at info with its user, sandbox and
   * `reason` (never a secret: a session is named by nothing, a token by its public id).
   * Returns how many were ended.
   */
  end(filter: TunnelFilter, reason: string): number {
    this.#remember(filter, reason);
    const ending = this.#select(filter);
    for (const tunnel of ending) {
      this.#delete(tunnel);
      this.#logEnd(tunnel, reason);
      try {
        tunnel.end();
      } catch (err) {
        this.#log.warn({ sandbox: tunnel.sandboxId, err: err instanceof Error ? err.message : String(err) }, 'closing an open connection failed');
      }
    }
    return ending.length;
  }

  #remember(filter: TunnelFilter, reason: string): void {
    const at = Date.now();
    this.#recent.push({ seq: ++this.#endings, at, filter, reason });
    let drop = 0;
    while (drop < this.#recent.length - 1 && (this.#recent.length - drop > RECENT_ENDINGS_MAX || this.#recent[drop]!.at < at - RECENT_ENDINGS_MS)) drop++;
    if (drop > 0) this.#recent.splice(0, drop);
  }

  #logEnd(tunnel: OpenTunnel, reason: string): void {
    const { identity } = tunnel;
    this.#log.info(
      {
        user: identity.username,
        sandbox: tunnel.sandboxId,
        kind: tunnel.kind,
        via: identity.via,
        ...(identity.via === 'token' ? { token: identity.credentialId } : {}),
        ...(identity.via === 'ssh-key' ? { sshKey: identity.credentialId } : {}),
        asAdmin: tunnel.asAdmin,
        reason,
      },
      'closed an open connection',
    );
  }

  /** Ends the proxied tunnels into a sandbox whose route went (its event streams end by themselves). */
  endSandbox(sandboxId: string, reason: string): number {
    return this.end((t) => t.sandboxId === sandboxId && t.kind !== 'events', reason);
  }

  /** Ends everything, without logging each (the hub is closing). */
  clear(): void {
    const all = this.#select(() => true);
    for (const tunnel of all) {
      this.#delete(tunnel);
      tunnel.end();
    }
  }

  #select(filter: TunnelFilter): OpenTunnel[] {
    const selected: OpenTunnel[] = [];
    for (let tunnel = this.#head; tunnel !== null; tunnel = tunnel.listNext) if (filter(tunnel)) selected.push(tunnel);
    return selected;
  }
}
