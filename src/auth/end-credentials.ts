/**
 * Ending credentials everywhere at once: the stored sessions or tokens go, the identities the
 * authenticator caches for them are forgotten, and every open tunnel they opened (proxied
 * WebSockets, requests in flight, the hub's event streams) is closed, in that order, in one
 * call. Every route that ends a credential calls this, so none of the three can be forgotten.
 *
 * What each way of ending covers (DESIGN.md, "Security model"):
 * - signing out: that session; signing out everywhere: all the user's sessions (tokens stay,
 *   as GitHub's and JupyterHub's sign-outs leave API tokens alone);
 * - changing one's password: all the user's sessions but the one that changed it;
 * - revoking a token: that token;
 * - removing an SSH key: that key, and the SSH connections signed in with it;
 * - disabling a user (and deleting one): all their sessions and tokens; the tokens are deleted,
 *   so enabling the user again does not bring them back;
 * - demoting an admin: no credential is deleted, but what only admin rights kept open is
 *   closed: tunnels into other users' sandboxes, and anything opened with a token that
 *   carries the `admin` scope.
 */
import type { OpenTunnel, OpenTunnels } from '../proxy/open-tunnels.js';
import type { SessionRepository } from '../store/sessions.js';
import type { SshKeyRepository } from '../store/ssh-keys.js';
import type { TokenRepository } from '../store/tokens.js';
import type { Authenticator } from './authenticator.js';

/** Whose credentials end. Ids are the stored ones: a session's is the hash of its cookie. */
export type CredentialSelector =
  | { kind: 'session'; sessionId: string }
  | { kind: 'sessions'; userId: number; except?: string }
  | { kind: 'token'; tokenId: string; userId: number }
  | { kind: 'ssh-key'; keyId: string; userId: number }
  | { kind: 'user'; userId: number }
  | { kind: 'admin-rights'; userId: number };

/** The identity fields an ending is decided on (the authenticator's `Identity` and the proxy's both have them). */
export interface CredentialHolder {
  userId: number;
  via: 'session' | 'token' | 'password' | 'ssh-key';
  credentialId: string | null;
  scopes?: ReadonlySet<string> | null;
}

/** How much an ending ended. */
export interface EndedCredentials {
  sessions: number;
  tokens: number;
  sshKeys: number;
  tunnels: number;
}

export interface CredentialEndingDeps {
  sessions: SessionRepository;
  tokens: TokenRepository;
  sshKeys: Pick<SshKeyRepository, 'delete'>;
  auth: Authenticator;
  tunnels: OpenTunnels;
}

/** Whether a cached identity is stale after the ending (a demoted admin's are all stale: their role changed). */
export function identityEnds(selector: CredentialSelector, identity: CredentialHolder): boolean {
  switch (selector.kind) {
    case 'session':
      return identity.via === 'session' && identity.credentialId === selector.sessionId;
    case 'sessions':
      return identity.userId === selector.userId && identity.via === 'session' && (selector.except === undefined || identity.credentialId !== selector.except);
    case 'token':
      // Also by owner: someone naming another user's token id ends nothing of theirs.
      return identity.userId === selector.userId && identity.via === 'token' && identity.credentialId === selector.tokenId;
    case 'ssh-key':
      return identity.userId === selector.userId && identity.via === 'ssh-key' && identity.credentialId === selector.keyId;
    case 'user':
    case 'admin-rights':
      return identity.userId === selector.userId;
  }
}

/** Whether an open tunnel closes with the ending. */
export function tunnelEnds(selector: CredentialSelector, tunnel: OpenTunnel): boolean {
  if (selector.kind !== 'admin-rights') return identityEnds(selector, tunnel.identity);
  const { identity } = tunnel;
  if (identity.userId !== selector.userId) return false;
  return tunnel.asAdmin || (identity.via === 'token' && identity.scopes?.has('admin') === true);
}

/**
 * Ends the selected credentials: deletes their rows, forgets their cached identities and closes
 * their open tunnels (each logged with `reason`). A token selector deletes the token only when
 * it belongs to `userId`; `tokens` in the answer says whether it did.
 */
export async function endCredentials(deps: CredentialEndingDeps, selector: CredentialSelector, reason: string): Promise<EndedCredentials> {
  const forget = (identity: CredentialHolder) => identityEnds(selector, identity);
  // Lookups already under way when the rows go are made again (the authenticator retries a
  // lookup that overlapped a forget), so none of them caches or admits what ends here.
  deps.auth.forget(forget);
  let sessions = 0;
  let tokens = 0;
  let sshKeys = 0;
  switch (selector.kind) {
    case 'session':
      sessions = (await deps.sessions.delete(selector.sessionId)) ? 1 : 0;
      break;
    case 'sessions':
      sessions = (await deps.sessions.deleteForUser(selector.userId, selector.except)).length;
      break;
    case 'token':
      tokens = (await deps.tokens.delete(selector.tokenId, selector.userId)) ? 1 : 0;
      break;
    case 'ssh-key':
      sshKeys = (await deps.sshKeys.delete(selector.keyId, selector.userId)) ? 1 : 0;
      break;
    case 'user':
      sessions = (await deps.sessions.deleteForUser(selector.userId)).length;
      tokens = await deps.tokens.deleteForUser(selector.userId);
      break;
    case 'admin-rights':
      break;
  }
  deps.auth.forget(forget);
  const tunnels = deps.tunnels.end((tunnel) => tunnelEnds(selector, tunnel), reason);
  return { sessions, tokens, sshKeys, tunnels };
}
