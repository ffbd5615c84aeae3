/** The two cookies of a signed-in browser: the HttpOnly session and its readable CSRF token. */
import type { FastifyReply } from 'fastify';
import { SESSION_COOKIE } from '../auth/authenticator.js';
import { CSRF_COOKIE, csrfToken } from '../auth/csrf.js';

export function setSessionCookies(reply: FastifyReply, session: { cookie: string; expiresAt: Date }, secure: boolean): void {
  const base = { path: '/', sameSite: 'lax' as const, secure, expires: session.expiresAt };
  reply.setCookie(SESSION_COOKIE, session.cookie, { ...base, httpOnly: true });
  reply.setCookie(CSRF_COOKIE, csrfToken(session.cookie), { ...base, httpOnly: false });
}

export function clearSessionCookies(reply: FastifyReply): void {
  reply.clearCookie(SESSION_COOKIE, { path: '/' });
  reply.clearCookie(CSRF_COOKIE, { path: '/' });
}
