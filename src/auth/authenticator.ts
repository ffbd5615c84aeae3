/**
 * Who is asking: resolves a session cookie, a bearer token or HTTP Basic credentials to an
 * identity. Sessions and tokens are cached in memory for a few seconds so the proxy makes no
 * database query per request; sign-out and revocation drop their entries at once.
 */
import type { IncomingMessage } from 'node:http';
import { ShivaError } from '../contract/errors.js';
import { isScope, type Scope } from '../contract/scopes.js';
import { now } from '../store/database.js';
import type { SessionRepository } from '../store/sessions.js';
import type { TokenRepository } from '../store/tokens.js';
import type { UserRepository, UserRow } from '../store/users.js';
import { credentialsFor } from './authorization-header.js';
import { verifyPassword } from './passwords.js';
import { randomSecret, sha256 } from './secrets.js';
import { SignInLimiter, type SignInLimits } from './sign-in-limiter.js';

export const SESSION_COOKIE = 'shiva_session';
export const TOKEN_PREFIX = 'shiva_';
/** Lookups overlapping a revocation are made again up to this many times in all. */
const LOOKUP_ATTEMPTS = 3;

export interface Identity {
  userId: number;
  username: string;
  admin: boolean;
  /** How the request proved who it is. */
  via: 'session' | 'token' | 'password';
  /** The session's or token's stored id, to sign out or revoke. */
  credentialId: string | null;
  /** What a token may do; null for sessions and passwords, which may do all their user may. */
  scopes: ReadonlySet<Scope> | null;
}

/** Whether the identity may do what `scope` covers (admin rights are checked separately). */
export function hasScope(identity: Identity, scope: Scope): boolean {
  return identity.scopes === null || identity.scopes.has(scope);
}

/** When and from where a token was last used. */
export interface TokenUse {
  at: string;
  address: string | null;
}

interface CacheEntry {
  identity: Identity;
  until: number;
}

export interface AuthenticatorOptions {
  users: UserRepository;
  sessions: SessionRepository;
  tokens: TokenRepository;
  sessionHours: number;
  sessionIdleHours: number;
  /** Local passwords: everyone, nobody, or only the local user admin (break-glass). */
  localSignIn: 'all' | 'none' | 'admin-only';
  cacheSeconds: number;
  signInLimits: SignInLimits;
}

export class Authenticator {
  private readonly cache = new Map<string, CacheEntry>();
  private readonly tokenUse = new Map<string, TokenUse>();
  private readonly sessionUse = new Map<string, string>();
  private readonly limiter: SignInLimiter;
  /** Counts calls to forget(): a lookup that sees it change while it waits on the database starts again. */
  private generation = 0;

  constructor(private readonly options: AuthenticatorOptions) {
    this.limiter = new SignInLimiter(options.signInLimits);
  }

  /** The identity behind a request's cookie or bearer token, or null. Basic auth is not read here. */
  async fromRequest(req: IncomingMessage): Promise<Identity | null> {
    const bearer = credentialsFor(req.headers.authorization, 'bearer');
    if (bearer !== null) return this.fromToken(bearer, req.socket.remoteAddress ?? null);
    const cookie = readCookie(req.headers.cookie, SESSION_COOKIE);
    return cookie ? this.fromSession(cookie) : null;
  }

  /** Synchronous fast path for the proxy: answers from the cache, or undefined when it must ask the database. */
  cached(req: IncomingMessage): Identity | null | undefined {
    const authorization = req.headers.authorization;
    const bearer = credentialsFor(authorization, 'bearer');
    let key: string | undefined;
    if (bearer !== null) key = `t:${sha256(bearer)}`;
    else {
      const cookie = readCookie(req.headers.cookie, SESSION_COOKIE);
      if (!cookie) return authorization ? undefined : null;
      key = `s:${sha256(cookie)}`;
    }
    const hit = this.cache.get(key);
    if (!hit || hit.until < Date.now()) return undefined;
    this.noteUse(hit.identity, req.socket.remoteAddress ?? null);
    return hit.identity;
  }

  async fromSession(cookie: string): Promise<Identity | null> {
    return this.fromSessionId(sha256(cookie));
  }

  /**
   * The identity of the hub session with this stored id (a sandbox cookie names its session so),
   * or null once it has ended: signed out, expired or idle.
   */
  async fromSessionId(id: string): Promise<Identity | null> {
    const hit = this.fromCache(`s:${id}`);
    if (hit) {
      this.noteUse(hit, null);
      return hit;
    }
    return this.lookUp(`s:${id}`, () => this.sessionFromDatabase(id));
  }

  /** Synchronous fast path of fromSessionId: the cached identity, or undefined when the database must be asked. */
  cachedSessionId(id: string): Identity | undefined {
    const hit = this.fromCache(`s:${id}`);
    if (!hit) return undefined;
    this.noteUse(hit, null);
    return hit;
  }

  async fromToken(secret: string, address: string | null = null): Promise<Identity | null> {
    if (!secret.startsWith(TOKEN_PREFIX)) return null;
    const hash = sha256(secret);
    const hit = this.fromCache(`t:${hash}`);
    if (hit) {
      this.noteUse(hit, address);
      return hit;
    }
    return this.lookUp(`t:${hash}`, () => this.tokenFromDatabase(hash, address));
  }

  /**
   * Whether the stored session or token `credentialId` still stands, read from the database
   * past the cache and without counting as a use (a check must not keep an idle session
   * alive): it exists, has not expired or gone idle, and its user is enabled. Another process
   * may have ended it (`shiva users set-password` writes the database directly).
   */
  async stillStands(via: 'session' | 'token', credentialId: string): Promise<boolean> {
    const at = now();
    let userId: number;
    if (via === 'session') {
      const session = await this.options.sessions.find(credentialId);
      const lastSeen = this.sessionUse.get(credentialId) ?? session?.last_seen_at ?? session?.created_at ?? at;
      if (!session || session.expires_at <= at || lastSeen <= this.idleSince()) return false;
      userId = session.user_id;
    } else {
      const token = await this.options.tokens.byId(credentialId);
      if (!token || (token.expires_at && token.expires_at <= at)) return false;
      userId = token.user_id;
    }
    const user = await this.options.users.byId(userId);
    return user !== undefined && !user.disabled;
  }

  private async sessionFromDatabase(id: string): Promise<Identity | null> {
    const session = await this.options.sessions.find(id);
    const at = now();
    const lastSeen = this.sessionUse.get(id) ?? session?.last_seen_at ?? session?.created_at ?? at;
    if (!session || session.expires_at <= at || lastSeen <= this.idleSince()) return null;
    this.sessionUse.set(id, at);
    const user = await this.options.users.byId(session.user_id);
    return user ? toIdentity(user, 'session', id, null) : null;
  }

  private async tokenFromDatabase(hash: string, address: string | null): Promise<Identity | null> {
    const token = await this.options.tokens.byHash(hash);
    if (!token || (token.expires_at && token.expires_at <= now())) return null;
    const user = await this.options.users.byId(token.user_id);
    if (!user) return null;
    this.tokenUse.set(token.id, { at: now(), address });
    return toIdentity(user, 'token', token.id, parseScopes(token.scopes));
  }

  /**
   * Runs a database lookup and caches its answer, unless a credential was forgotten meanwhile:
   * then the answer may predate the ending (read before the rows went, cached after the cache
   * was cleared), so the lookup is made again. After a few overlaps in a row, null.
   */
  private async lookUp(key: string, fromDatabase: () => Promise<Identity | null>): Promise<Identity | null> {
    for (let attempt = 0; attempt < LOOKUP_ATTEMPTS; attempt++) {
      const generation = this.generation;
      const identity = await fromDatabase();
      if (generation === this.generation) return this.remember(key, identity);
    }
    return null;
  }

  /**
   * Checks a username and password (login and HTTP Basic). Always takes the time of a real
   * check; throws RATE_LIMITED after too many failures for the account or the address.
   */
  async fromPassword(username: string, password: string, address: string): Promise<Identity | null> {
    const local = this.options.localSignIn;
    if (local === 'none' || (local === 'admin-only' && username !== 'admin')) {
      throw new ShivaError('LOCAL_SIGN_IN_DISABLED');
    }
    const user = await this.checkPassword(username, password, address, () => this.options.users.byName(username));
    return user ? toIdentity(user, 'password', null, null) : null;
  }

  /**
   * Checks a signed-in user's current password (before a change), through the same limiter
   * as sign-in: wrong guesses count against the account and the source. Throws RATE_LIMITED.
   */
  async verifyCurrentPassword(identity: Pick<Identity, 'userId' | 'username'>, password: string, address: string): Promise<boolean> {
    return (await this.checkPassword(identity.username, password, address, () => this.options.users.byId(identity.userId))) !== null;
  }

  /** The user when the password is theirs (and they are enabled), reserving the attempt before any await. */
  private async checkPassword(username: string, password: string, address: string, find: () => Promise<UserRow | undefined>): Promise<UserRow | null> {
    const attempt = this.limiter.reserve(username, address);
    try {
      const user = await find();
      const ok = await verifyPassword(password, user?.password_hash ?? null);
      if (!ok || !user || user.disabled) {
        attempt.failed();
        return null;
      }
      attempt.succeeded();
      return user;
    } finally {
      attempt.abandoned();
    }
  }

  /** Opens a session; returns the cookie value (shown to the browser only) and its expiry. */
  async openSession(userId: number): Promise<{ cookie: string; expiresAt: Date }> {
    const cookie = randomSecret();
    const createdAt = new Date();
    const expiresAt = new Date(createdAt.getTime() + this.options.sessionHours * 3600_000);
    await this.options.sessions.create({
      id: sha256(cookie),
      userId,
      createdAt: createdAt.toISOString(),
      expiresAt: expiresAt.toISOString(),
    });
    return { cookie, expiresAt };
  }

  /**
   * Forgets the cached identities `predicate` selects (after a revocation or a change of role),
   * and makes lookups under way now start again. To end credentials, call endCredentials
   * (end-credentials.ts), which also deletes them and closes what they opened.
   */
  forget(predicate: (identity: Identity) => boolean = () => true): void {
    this.generation++;
    for (const [key, entry] of this.cache) if (predicate(entry.identity)) this.cache.delete(key);
  }

  /** Token last-use times gathered since the last call; the caller writes them in one batch. */
  drainTokenUse(): Map<string, TokenUse> {
    const drained = new Map(this.tokenUse);
    this.tokenUse.clear();
    return drained;
  }

  /** Session last-use times gathered since the last call, likewise. */
  drainSessionUse(): Map<string, string> {
    const drained = new Map(this.sessionUse);
    this.sessionUse.clear();
    return drained;
  }

  /** The time before which an unused session has ended. */
  idleSince(): string {
    return new Date(Date.now() - this.options.sessionIdleHours * 3600_000).toISOString();
  }

  private noteUse(identity: Identity, address: string | null): void {
    if (!identity.credentialId) return;
    if (identity.via === 'token') this.tokenUse.set(identity.credentialId, { at: now(), address });
    else this.sessionUse.set(identity.credentialId, now());
  }

  private fromCache(key: string): Identity | null {
    const hit = this.cache.get(key);
    if (!hit) return null;
    if (hit.until >= Date.now()) return hit.identity;
    this.cache.delete(key);
    return null;
  }

  private remember(key: string, identity: Identity | null): Identity | null {
    if (!identity) return null;
    if (this.options.cacheSeconds > 0) this.cache.set(key, { identity, until: Date.now() + this.options.cacheSeconds * 1000 });
    return identity;
  }
}

function toIdentity(user: UserRow, via: Identity['via'], credentialId: string | null, scopes: ReadonlySet<Scope> | null): Identity | null {
  if (user.disabled) return null;
  // A token is an admin's only while its owner is one and it carries the admin scope.
  const admin = user.role === 'admin' && (scopes === null || scopes.has('admin'));
  return { userId: user.id, username: user.username, admin, via, credentialId, scopes };
}

function parseScopes(stored: string): ReadonlySet<Scope> {
  return new Set((JSON.parse(stored) as string[]).filter(isScope));
}

/** Reads one cookie without parsing the whole header into an object (this runs per proxied request). */
export function readCookie(header: string | undefined, name: string): string | null {
  if (!header) return null;
  let start = 0;
  while (start < header.length) {
    let end = header.indexOf(';', start);
    if (end === -1) end = header.length;
    while (header.charCodeAt(start) === 32) start++;
    const eq = header.indexOf('=', start);
    if (eq !== -1 && eq < end && eq - start === name.length && header.startsWith(name, start)) {
      return header.slice(eq + 1, end).trim() || null;
    }
    start = end + 1;
  }
  return null;
}

/** Parses `Authorization: Basic …` into username and password. */
export function parseBasic(header: string | undefined): { username: string; password: string } | null {
  const credentials = credentialsFor(header, 'basic');
  if (!credentials) return null;
  const decoded = Buffer.from(credentials, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return null;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}
