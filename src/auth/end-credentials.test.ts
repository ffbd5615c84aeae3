import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/load.js';
import { ClosingTunnel, OpenTunnels, type OpenTunnel } from '../proxy/open-tunnels.js';
import type { ProxyIdentity } from '../proxy/types.js';
import { openDatabase } from '../store/database.js';
import { SessionRepository } from '../store/sessions.js';
import { SshKeyRepository } from '../store/ssh-keys.js';
import { TokenRepository } from '../store/tokens.js';
import { UserRepository } from '../store/users.js';
import { Authenticator, TOKEN_PREFIX } from './authenticator.js';
import { endCredentials, identityEnds, tunnelEnds, type CredentialSelector } from './end-credentials.js';
import { sha256 } from './secrets.js';

const session = (userId: number, id: string): ProxyIdentity => ({ userId, username: `u${userId}`, admin: false, via: 'session', credentialId: id, scopes: null });
const token = (userId: number, id: string, scopes: string[]): ProxyIdentity => ({
  userId,
  username: `u${userId}`,
  admin: scopes.includes('admin'),
  via: 'token',
  credentialId: id,
  scopes: new Set(scopes),
});
const tunnel = (identity: ProxyIdentity, asAdmin = false): OpenTunnel => new ClosingTunnel('websocket', identity, 's', asAdmin, () => {});

describe('which identities and tunnels an ending covers', () => {
  const mine = session(1, 'ses-a');
  const myOther = session(1, 'ses-b');
  const myToken = token(1, 'tok_1', ['sandboxes:access']);
  const theirs = session(2, 'ses-c');

  it('signing out covers that session alone', () => {
    const out: CredentialSelector = { kind: 'session', sessionId: 'ses-a' };
    expect([mine, myOther, myToken, theirs].map((i) => identityEnds(out, i))).toEqual([true, false, false, false]);
  });

  it("signing out everywhere covers all the user's sessions and none of their tokens; a password change keeps the current session", () => {
    const everywhere: CredentialSelector = { kind: 'sessions', userId: 1 };
    expect([mine, myOther, myToken, theirs].map((i) => identityEnds(everywhere, i))).toEqual([true, true, false, false]);
    const password: CredentialSelector = { kind: 'sessions', userId: 1, except: 'ses-a' };
    expect([mine, myOther, myToken, theirs].map((i) => identityEnds(password, i))).toEqual([false, true, false, false]);
  });

  it("revoking a token covers that token of its owner, not another user's credential with the same id", () => {
    const revoke: CredentialSelector = { kind: 'token', tokenId: 'tok_1', userId: 1 };
    expect([mine, myToken, token(2, 'tok_1', [])].map((i) => identityEnds(revoke, i))).toEqual([false, true, false]);
    const stranger: CredentialSelector = { kind: 'token', tokenId: 'tok_1', userId: 2 };
    expect(tunnelEnds(stranger, tunnel(myToken))).toBe(false);
  });

  it('disabling a user covers all their sessions and tokens and nobody else', () => {
    const disable: CredentialSelector = { kind: 'user', userId: 1 };
    expect([mine, myOther, myToken, theirs].map((i) => tunnelEnds(disable, tunnel(i)))).toEqual([true, true, true, false]);
  });

  it("demoting an admin closes what only admin rights kept open: others' sandboxes and admin-scoped tokens, not their own sessions", () => {
    const demote: CredentialSelector = { kind: 'admin-rights', userId: 1 };
    const adminToken = token(1, 'tok_admin', ['sandboxes:access', 'admin']);
    expect(tunnelEnds(demote, tunnel(mine))).toBe(false);
    expect(tunnelEnds(demote, tunnel(myToken))).toBe(false);
    expect(tunnelEnds(demote, tunnel(mine, true))).toBe(true);
    expect(tunnelEnds(demote, tunnel(adminToken))).toBe(true);
    expect(tunnelEnds(demote, tunnel(session(2, 'ses-c'), true))).toBe(false);
    // Their role changed: every cached identity of theirs is stale.
    expect(identityEnds(demote, mine)).toBe(true);
  });
});

describe('endCredentials against a real database', () => {
  /** A session table whose lookups can be held, to land an ending in the middle of one. */
  class HeldSessions extends SessionRepository {
    hold: Promise<void> | null = null;
    lookups = 0;
    override async find(id: string) {
      const row = await super.find(id);
      this.lookups++;
      if (this.hold) await this.hold;
      return row;
    }
  }

  async function setUp() {
    const db = await openDatabase(':memory:');
    const users = new UserRepository(db);
    const sessions = new HeldSessions(db);
    const tokens = new TokenRepository(db);
    const config = parseConfig({}, {});
    const auth = new Authenticator({
      users,
      sessions,
      tokens,
      sessionHours: config.auth.sessionHours,
      sessionIdleHours: config.auth.sessionIdleHours,
      localSignIn: 'all',
      cacheSeconds: 60,
      signInLimits: config.auth.signInAttempts,
    });
    const tunnels = new OpenTunnels({ info: () => {}, warn: () => {}, error: () => {} });
    const alice = (await users.create({ username: 'alice', passwordHash: null, role: 'user' }))!;
    const addToken = async (id: string, userId: number) => {
      const secret = `${TOKEN_PREFIX}${id}-secret`;
      await tokens.create({ id, user_id: userId, name: id, hash: sha256(secret), scopes: '[]', created_at: new Date().toISOString(), expires_at: null, last_used_at: null, last_used_address: null });
      return secret;
    };
    const sshKeys = new SshKeyRepository(db);
    return { db, auth, sessions, tokens, sshKeys, tunnels, alice, addToken, deps: { sessions, tokens, sshKeys, auth, tunnels } };
  }

  it('deletes a disabled user\'s sessions and tokens and forgets their cached identities', async () => {
    const { db, auth, tokens, alice, addToken, deps } = await setUp();
    const { cookie } = await auth.openSession(alice.id);
    const secret = await addToken('tok_a', alice.id);
    expect(await auth.fromSession(cookie)).not.toBeNull();
    expect(await auth.fromToken(secret)).not.toBeNull();
    expect(await endCredentials(deps, { kind: 'user', userId: alice.id }, 'disabled')).toEqual({ sessions: 1, tokens: 1, sshKeys: 0, tunnels: 0 });
    expect(await auth.fromSession(cookie)).toBeNull();
    expect(await auth.fromToken(secret)).toBeNull();
    expect(await tokens.listByUser(alice.id)).toEqual([]);
    await db.destroy();
  });

  it('removes an SSH key and closes the connections signed in with it, and nothing of another key or another owner', async () => {
    const { db, tunnels, sshKeys, alice, deps } = await setUp();
    const key = (id: string, fingerprint: string) => ({ id, user_id: alice.id, name: id, algorithm: 'ssh-ed25519', fingerprint, public_key: 'ssh-ed25519 AAAA', created_at: new Date().toISOString(), last_used_at: null, last_used_address: null });
    expect(await sshKeys.add(key('key_a', 'SHA256:a'), 5)).toBe('added');
    expect(await sshKeys.add(key('key_b', 'SHA256:b'), 5)).toBe('added');
    const closed: string[] = [];
    const open = (keyId: string) => {
      const identity = { userId: alice.id, username: 'alice', admin: false, via: 'ssh-key' as const, credentialId: keyId };
      const stream = Object.assign(new EventEmitter(), { destroyed: false, destroy: () => undefined });
      tunnels.track(new ClosingTunnel('ssh', identity, 'sbx', false, () => closed.push(keyId)), stream);
    };
    open('key_a');
    open('key_b');
    expect(await endCredentials(deps, { kind: 'ssh-key', keyId: 'key_a', userId: alice.id + 1 }, 'removed')).toEqual({ sessions: 0, tokens: 0, sshKeys: 0, tunnels: 0 });
    expect(await endCredentials(deps, { kind: 'ssh-key', keyId: 'key_a', userId: alice.id }, 'removed')).toEqual({ sessions: 0, tokens: 0, sshKeys: 1, tunnels: 1 });
    expect(closed).toEqual(['key_a']);
    expect((await sshKeys.listByUser(alice.id)).map((k) => k.id)).toEqual(['key_b']);
    await db.destroy();
  });

  it("deletes nothing when a token id is named by someone who does not own it", async () => {
    const { db, auth, alice, addToken, deps } = await setUp();
    const secret = await addToken('tok_a', alice.id);
    expect(await endCredentials(deps, { kind: 'token', tokenId: 'tok_a', userId: alice.id + 1 }, 'revoked')).toEqual({ sessions: 0, tokens: 0, sshKeys: 0, tunnels: 0 });
    expect(await auth.fromToken(secret)).not.toBeNull();
    await db.destroy();
  });

  it('does not let a lookup that began before a sign-out cache or return the ended session', async () => {
    const { db, auth, sessions, alice, deps } = await setUp();
    const { cookie } = await auth.openSession(alice.id);
    let release = () => {};
    sessions.hold = new Promise((resolve) => (release = resolve));
    const lookup = auth.fromSession(cookie);
    while (sessions.lookups === 0) await new Promise((r) => setTimeout(r, 1));
    // The lookup has read the session row; now the session ends before it finishes.
    const ending = endCredentials(deps, { kind: 'session', sessionId: sha256(cookie) }, 'signed out');
    sessions.hold = null;
    release();
    expect((await ending).sessions).toBe(1);
    expect(await lookup).toBeNull();
    expect(await auth.fromSession(cookie)).toBeNull();
    await db.destroy();
  });
});
