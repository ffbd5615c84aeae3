/**
 * The claims a sign-in is decided on: the ID token's, completed from the provider's userinfo
 * endpoint when the ID token lacks one that the configuration needs. Providers in their
 * conformant default (Keycloak, Okta, oidc-provider's `conformIdTokenClaims`) put `email`,
 * `email_verified`, `hd` or groups only in userinfo when the authorization code flow is used;
 * Google puts them in the ID token, where no extra request is made.
 */
import * as client from 'openid-client';
import type { OidcSettings } from './oidc.js';

/** A claim set: the ID token's, with userinfo's filled in where the ID token had none. */
export type SignInClaims = client.IDToken;

/** Why userinfo could not complete the claims; `cause` is openid-client's error. */
export class UserInfoError extends Error {
  constructor(
    readonly kind: 'failed' | 'subject_mismatch',
    cause: unknown,
  ) {
    super(`userinfo ${kind}`, { cause });
    this.name = 'UserInfoError';
  }
}

// oauth4webapi's code for a JSON attribute that differs from the expected value; on the
// userinfo response the only attribute compared is `sub` (OpenID Connect Core 1.0 §5.3.2).
const SUBJECT_MISMATCH = 'OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED';

/**
 * The claims `admit` reads under these settings: always `email`; `hd` when a Google domain
 * list decides; the groups claim when admin groups are configured. `email_verified` is not
 * asked for alone (Entra ID never sends it), but comes along whenever userinfo is read.
 */
export function neededClaims(settings: OidcSettings): string[] {
  const needed = ['email'];
  if (settings.preset === 'google' && settings.allowedDomains.length > 0) needed.push('hd');
  if (settings.adminGroups.length > 0) needed.push(settings.groupsClaim);
  // Only a new account reads them, but which sign-in is a first one is known only later.
  if (settings.uidClaim) needed.push(settings.uidClaim);
  if (settings.gidClaim) needed.push(settings.gidClaim);
  return needed;
}

/**
 * Returns `idToken` as is when it holds every needed claim, or when the provider publishes no
 * userinfo endpoint (then the decision is made on the ID token alone, as before). Otherwise
 * reads userinfo with the access token, checks that its `sub` is the ID token's, and adds the
 * claims the ID token lacks; where both have a claim the ID token's (signed) value wins.
 * Throws UserInfoError when the request fails or the subject differs.
 */
export async function completeClaims(
  config: client.Configuration,
  idToken: client.IDToken,
  accessToken: string,
  needed: readonly string[],
): Promise<SignInClaims> {
  if (needed.every((name) => idToken[name] !== undefined)) return idToken;
  if (!config.serverMetadata().userinfo_endpoint) return idToken;
  let userinfo: client.UserInfoResponse;
  try {
    userinfo = await client.fetchUserInfo(config, accessToken, idToken.sub);
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    throw new UserInfoError(code === SUBJECT_MISMATCH ? 'subject_mismatch' : 'failed', err);
  }
  return { ...userinfo, ...idToken };
}
