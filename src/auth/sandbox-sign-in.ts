/**
 * Signing a browser in to one sandbox's origin, as an OAuth 2.0 authorization code does
 * (RFC 6749 §4.1): the hub, which knows the browser's session, issues a one-time code and sends
 * the browser to the sandbox's origin; there the proxy redeems the code and sets the sandbox
 * cookie. The code is 32 random bytes, used once, valid for 60 s (RFC 6749 §4.1.2 recommends at
 * most 10 minutes) and bound to the sandbox's label, the user and the hub session.
 *
 * The cookie (`shiva_sandbox`) holds `<hub session id>.<HMAC-SHA256(key, label "\n" session id)>`
 * in base64url: it names the hub session (whose id is a hash of its cookie, so it opens nothing
 * on the hub) and proves that the hub issued it for this sandbox's origin only. It lives as long
 * as the hub session: sign-out, expiry or ending all sessions end it, since the proxy resolves
 * it to that session on each request. The key is kept in the database (store/meta.ts).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const SANDBOX_COOKIE = 'shiva_sandbox';
/** How long a code may wait to be redeemed. */
export const CODE_LIFETIME_MS = 60_000;

/**
 * Every `shiva_sandbox` value in a Cookie header, in order. A page on a sibling host may have
 * set one for a parent domain (cookie tossing); the browser then sends both, so each is tried
 * rather than only the first.
 */
export function sandboxCookieValues(header: string | undefined): string[] {
  if (header === undefined || header.indexOf(SANDBOX_COOKIE) === -1) return [];
  const values: string[] = [];
  for (const pair of header.split(';')) {
    const eq = pair.indexOf('=');
    if (eq !== -1 && pair.slice(0, eq).trim() === SANDBOX_COOKIE) values.push(pair.slice(eq + 1).trim());
  }
  return values;
}

/** What a code stands for. */
export interface SandboxGrant {
  /** The sandbox's DNS label (contract/sandbox-host.ts): where the code may be redeemed. */
  label: string;
  userId: number;
  /** The id of the hub session the browser is signed in with. */
  sessionId: string;
  /** Where the browser goes after the callback: a path under the sandbox's own prefix. */
  next: string;
}

interface Pending extends SandboxGrant {
  expiresAt: number;
}

export class SandboxSignIn {
  /** Codes by value; inserted in order of expiry (one lifetime for all), so pruning stops at the first live one. */
  readonly #codes = new Map<string, Pending>();

  constructor(
    private readonly key: Buffer,
    private readonly clock: () => number = Date.now,
  ) {}

  /** A new one-time code for the grant (43 characters of base64url). */
  issue(grant: SandboxGrant): string {
    this.#prune();
    const code = randomBytes(32).toString('base64url');
    this.#codes.set(code, { ...grant, expiresAt: this.clock() + CODE_LIFETIME_MS });
    return code;
  }

  /**
   * The grant behind `code` if it was issued for the sandbox `label` and has not expired; null
   * otherwise. A code is gone after its first redemption, good or bad, so a code shown on the
   * wrong host (or guessed) is spent.
   */
  redeem(code: string, label: string): SandboxGrant | null {
    const pending = this.#codes.get(code);
    if (!pending) return null;
    this.#codes.delete(code);
    if (pending.expiresAt <= this.clock() || pending.label !== label) return null;
    return { label: pending.label, userId: pending.userId, sessionId: pending.sessionId, next: pending.next };
  }

  /** The cookie value that proves `sessionId` signed in to the sandbox `label`. */
  cookieValue(label: string, sessionId: string): string {
    return `${sessionId}.${this.#mac(label, sessionId).toString('base64url')}`;
  }

  /** The hub session a cookie value stands for on the sandbox `label`, or null if it was not made for it. */
  sessionOf(label: string, value: string): string | null {
    const dot = value.indexOf('.');
    if (dot <= 0) return null;
    const sessionId = value.slice(0, dot);
    const given = Buffer.from(value.slice(dot + 1), 'base64url');
    const expected = this.#mac(label, sessionId);
    return given.length === expected.length && timingSafeEqual(given, expected) ? sessionId : null;
  }

  #mac(label: string, sessionId: string): Buffer {
    return createHmac('sha256', this.key).update(`${label}\n${sessionId}`).digest();
  }

  #prune(): void {
    const now = this.clock();
    for (const [code, pending] of this.#codes) {
      if (pending.expiresAt > now) break;
      this.#codes.delete(code);
    }
  }
}
