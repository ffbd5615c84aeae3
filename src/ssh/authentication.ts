/**
 * Who an SSH connection is: public-key sign-in only (RFC 4252 section 7), one connection at a
 * time. A key signs in only as its owner; an admin's key reaches another user's sandbox only
 * when `sandboxes.adminAccess` is on, as the proxy's rule (audited by the gateway).
 *
 * - A key query without a signature is answered from the keys table, so clients try their next
 *   key; only a valid signature over this session's id signs in.
 * - The signature is checked by signatures.ts against the stored key and its stored type: the
 *   algorithm the client names must be the key's, and `ssh-rsa` signatures (SHA-1) are refused;
 *   RSA keys sign in with rsa-sha2-256/512 (RFC 8332), which every OpenSSH since 7.2 sends.
 * - Failed connections are limited as web sign-ins are (sign-in-limiter.ts): a connection that
 *   ends without signing in after trying a key counts as one failure for its user name and
 *   address; a locked-out address is refused before any key is looked at. A connection may try
 *   at most MAX_TRIES keys (OpenSSH's MaxAuthTries is 6; agents hold more), then it is cut.
 */
import { timingSafeEqual } from 'node:crypto';
import type { AuthContext } from 'ssh2';
import type { SignInAttempt, SignInLimiter } from '../auth/sign-in-limiter.js';
import { plainText } from '../contract/plain-text.js';
import { parseSshUser, type SshTarget } from '../contract/ssh.js';
import type { SshKeyRepository, SshKeyRow } from '../store/ssh-keys.js';
import type { UserRepository } from '../store/users.js';
import { fingerprintOf } from './public-keys.js';
import { verifySignature } from './signatures.js';


/** Keys one connection may offer before it is cut. */
export const MAX_TRIES = 20;
/** The most of an asked-for user name kept for the audit log and the limiter. */
const ASKED_FOR_MAX = 64;

/** A signed-in connection: whose key, as whom, reaching whose sandbox. */
export interface SshIdentity {
  userId: number;
  username: string;
  admin: boolean;
  keyId: string;
  fingerprint: string;
  target: SshTarget;
  /** The key's owner is an admin reaching another user's sandbox. */
  asAdmin: boolean;
}

/** Why a connection did not sign in, as the metric's `reason` label and the audit say. */
export const REFUSAL_REASONS = ['user_name', 'unknown_key', 'wrong_user', 'disabled', 'sha1_signature', 'bad_signature', 'rate_limited', 'too_many_tries'] as const;
export type RefusalReason = (typeof REFUSAL_REASONS)[number];

export interface AuthenticationDeps {
  keys: Pick<SshKeyRepository, 'byFingerprint'>;
  users: Pick<UserRepository, 'byId' | 'byName'>;
  limiter: SignInLimiter;
  adminAccess: boolean;
}

/** One connection's sign-in: feed it every `authentication` event; read the outcome after. */
export class ConnectionSignIn {
  identity: SshIdentity | null = null;
  /** The last reason a key was refused, when the connection ends unsigned. */
  refusal: RefusalReason | null = null;
  /** The user name asked for (the audit's target). */
  askedFor: string | null = null;
  private tries = 0;
  private attempt: SignInAttempt | null = null;

  constructor(
    private readonly deps: AuthenticationDeps,
    private readonly address: string,
    /** Cuts the connection (too many tries, locked out). */
    private readonly cut: () => void,
  ) {}

  async handle(ctx: AuthContext): Promise<void> {
    if (this.identity) return ctx.reject();
    if (ctx.method !== 'publickey') return ctx.reject(['publickey']);
    // What reaches the audit log and the limiter: printable, bounded.
    this.askedFor = plainText(ctx.username).slice(0, ASKED_FOR_MAX);
    if (++this.tries > MAX_TRIES) return this.refuse(ctx, 'too_many_tries', true);
    const target = parseSshUser(ctx.username);
    // Counted by the user (alice and alice.gpu alike); a name no user can have counts too.
    if (!this.attempt) {
      try {
        this.attempt = this.deps.limiter.reserve(target?.username ?? this.askedFor, this.address);
      } catch {
        return this.refuse(ctx, 'rate_limited', true);
      }
    }
    if (!target) return this.refuse(ctx, 'user_name');
    const decided = await this.decide(ctx, target);
    if (decided === null) return;
    if (typeof decided === 'string') return this.refuse(ctx, decided);
    this.identity = decided;
    this.attempt.succeeded();
    this.attempt = null;
    ctx.accept();
  }

  /** The connection ended: an unsigned one that tried a key counts as a failure. */
  ended(): void {
    if (this.attempt) this.attempt.failed();
    this.attempt = null;
  }

  /** The identity for a valid signature; a reason to refuse; null when the query was answered (pk_ok). */
  private async decide(ctx: AuthContext & { method: 'publickey' }, target: SshTarget): Promise<SshIdentity | RefusalReason | null> {
    const fingerprint = fingerprintOf(ctx.key.data);
    const row = await this.deps.keys.byFingerprint(fingerprint);
    if (!row || !sameKey(row, ctx.key.data)) return 'unknown_key';
    const owner = await this.deps.users.byId(row.user_id);
    if (!owner || owner.disabled) return 'disabled';
    let asAdmin = false;
    if (owner.username !== target.username) {
      const targetUser = await this.deps.users.byName(target.username);
      if (!targetUser || !(owner.role === 'admin' && this.deps.adminAccess)) return 'wrong_user';
      asAdmin = true;
    }
    if (ctx.key.algo !== row.algorithm) return 'unknown_key';
    if (ctx.key.algo === 'ssh-rsa' && !ctx.hashAlgo) return 'sha1_signature';
    if (!ctx.signature || !ctx.blob) {
      // A query: "would this key do?" Yes; the client signs next.
      ctx.accept();
      return null;
    }
    const verdict = verifySignature(row.algorithm, row.public_key, { algo: ctx.key.algo, hashAlgo: ctx.hashAlgo, blob: ctx.blob, signature: ctx.signature });
    if (verdict === 'sha1') return 'sha1_signature';
    if (verdict !== 'valid') return 'bad_signature';
    return { userId: owner.id, username: owner.username, admin: owner.role === 'admin', keyId: row.id, fingerprint, target, asAdmin };
  }

  private refuse(ctx: AuthContext, reason: RefusalReason, cut = false): void {
    this.refusal = reason;
    ctx.reject(['publickey']);
    if (cut) this.cut();
  }
}

function sameKey(row: SshKeyRow, blob: Buffer): boolean {
  const stored = Buffer.from(row.public_key.split(' ')[1] ?? '', 'base64');
  return stored.length === blob.length && timingSafeEqual(stored, blob);
}
