/**
 * Ends the open tunnels of credentials that ended where no route of the hub saw it: a session
 * deleted by `shiva users set-password` (another process writing the hub's database), a session
 * that expired or went idle while its WebSocket stayed open, a token that expired. Ending a
 * credential through the API closes its tunnels at once (end-credentials.ts); this sweep is what
 * makes DESIGN.md's "ending a credential ends every tunnel it opened" hold for the rest. The hub
 * runs it as often as it trusts a cached credential (`auth.tokenCacheSeconds`), so such a tunnel
 * outlives its credential by no more than a new request would be let in on the cache.
 */
import type { OpenTunnels } from '../proxy/open-tunnels.js';
import type { Authenticator } from './authenticator.js';
import type { CredentialSelector, EndedCredentials } from './end-credentials.js';

export interface CredentialSweepDeps {
  tunnels: OpenTunnels;
  auth: Pick<Authenticator, 'stillStands'>;
  /** Whether an SSH key still stands: it exists and its owner is enabled. */
  sshKeyStands(keyId: string): Promise<boolean>;
  endCredentials(selector: CredentialSelector, reason: string): Promise<EndedCredentials>;
}

/** The reason logged for each connection the sweep closes. */
export const ENDED_ELSEWHERE = 'its sign-in ended (expired, or ended outside the hub)';

/**
 * Checks each session, token and SSH key that holds an open tunnel against the database, one query each
 * (tunnels share credentials: a browser's dozens of WebSockets are one session), and ends those
 * that no longer stand. Returns how many tunnels it closed.
 */
export async function sweepEndedCredentials(deps: CredentialSweepDeps): Promise<number> {
  let closed = 0;
  for (const credential of deps.tunnels.credentials()) {
    const { via, credentialId, userId } = credential;
    if (via === 'ssh-key' ? await deps.sshKeyStands(credentialId) : await deps.auth.stillStands(via, credentialId)) continue;
    const selector: CredentialSelector =
      via === 'session' ? { kind: 'session', sessionId: credentialId } : via === 'token' ? { kind: 'token', tokenId: credentialId, userId } : { kind: 'ssh-key', keyId: credentialId, userId };
    closed += (await deps.endCredentials(selector, ENDED_ELSEWHERE)).tunnels;
  }
  return closed;
}
