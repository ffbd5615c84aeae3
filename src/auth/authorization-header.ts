/**
 * Reading the `Authorization` header (RFC 9110 §11.6.2): `auth-scheme [ 1*SP credentials ]`,
 * where the scheme is case-insensitive (RFC 9110 §11.1), so `bearer`, `Bearer` and `BEARER`
 * are one scheme. Kept apart from the authenticator because the API and the proxy both read it.
 */

/** The authentication schemes the hub understands. */
export type AuthScheme = 'bearer' | 'basic';

/**
 * The credentials after `scheme` in an Authorization header, trimmed; '' when the scheme is
 * there without credentials; null when the header is missing or names another scheme.
 */
export function credentialsFor(header: string | undefined, scheme: AuthScheme): string | null {
  if (!header || header.length < scheme.length) return null;
  if (header.slice(0, scheme.length).toLowerCase() !== scheme) return null;
  const rest = header.slice(scheme.length);
  // The scheme is a whole token: "Bearerx" is not "Bearer".
  if (rest !== '' && rest[0] !== ' ' && rest[0] !== '\t') return null;
  return rest.trim();
}
