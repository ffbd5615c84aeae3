/**
 * CSRF protection for requests authenticated by the session cookie: the double-submit pattern.
 * At sign-in the browser also gets a readable cookie holding a token derived from its session
 * cookie; state-changing API requests must echo it in `X-CSRF-Token`. Another site can make
 * the browser send the session cookie, but it cannot read the token to echo it. Requests with
 * a bearer token carry no ambient credential and need none of this.
 */
import { timingSafeEqual } from 'node:crypto';
import { sha256 } from './secrets.js';

export const CSRF_COOKIE = 'shiva_csrf';
export const CSRF_HEADER = 'x-csrf-token';

/** The token that goes with a session cookie. */
export function csrfToken(sessionCookie: string): string {
  return sha256(`csrf:${sessionCookie}`);
}

export function csrfMatches(sessionCookie: string, sent: string | string[] | undefined): boolean {
  if (typeof sent !== 'string') return false;
  const expected = Buffer.from(csrfToken(sessionCookie));
  const given = Buffer.from(sent);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export const changesState = (method: string): boolean => !SAFE_METHODS.has(method);
