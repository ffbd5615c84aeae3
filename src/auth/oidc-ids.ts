/**
 * The numeric ids of a new company account: from the provider's claims when auth.oidc.uidClaim
 * is set, else allocated by the users table; and the refusals when they cannot be had.
 */
import type { UserRow } from '../store/users.js';
import { parseIdClaim, UidRangeExhausted, UidTaken } from '../store/user-ids.js';
import { OidcRefusal, type OidcSettings } from './oidc.js';
import type { SignInClaims } from './oidc-userinfo.js';

/**
 * The uid and gid a new account takes from the provider's claims (auth.oidc.uidClaim, gidClaim);
 * undefined when no uid claim is configured (the hub then allocates one). A configured claim that
 * is missing or not a person's id (src/store/user-ids.ts) refuses the sign-in.
 */
export function idsFromClaims(settings: OidcSettings, claims: SignInClaims, email: string): { uid: number; gid?: number } | undefined {
  if (!settings.uidClaim) return undefined;
  const read = (claim: string, what: string): number => {
    const parsed = parseIdClaim(claims[claim]);
    if ('id' in parsed) return parsed.id;
    throw new OidcRefusal(
      'uid_claim_invalid',
      `Your account has no usable ${what} here: the identity provider's claim ${claim} ${parsed.problem}. Ask an admin.`,
      email,
    );
  };
  const uid = read(settings.uidClaim, 'user id');
  return settings.gidClaim ? { uid, gid: read(settings.gidClaim, 'group id') } : { uid };
}

/** Runs an account creation, turning the uid errors into refusals the person can read. */
export async function createAccount(create: () => Promise<UserRow | undefined>, email: string): Promise<UserRow | undefined> {
  try {
    return await create();
  } catch (err) {
    if (err instanceof UidTaken) {
      throw new OidcRefusal('uid_taken', `Your user id ${err.uid} already belongs to another account here, so you were not let in. Ask an admin.`, email);
    }
    if (err instanceof UidRangeExhausted) {
      throw new OidcRefusal('uid_range_exhausted', 'No user id is left for a new account here. Ask an admin.', email);
    }
    throw err;
  }
}
