/** Signing in and out with a local account; the session lives in an HttpOnly cookie. */
import { Type } from '@sinclair/typebox';
import { ErrorResponse, LoginRequest, User } from '../contract/api.js';
import { ShivaError } from '../contract/errors.js';
import type { App, RouteOptions } from './types.js';
import { audited, claimedActor } from './audit.js';
import { clearSessionCookies, setSessionCookies } from './session-cookies.js';
import { toUser } from './users.js';

export async function authRoutes(app: App, { hub }: RouteOptions): Promise<void> {
  const secure = hub.publicUrl.startsWith('https://');

  app.post(
    '/api/auth/login',
    {
      schema: {
        tags: ['auth'],
        summary: 'Sign in with a local account; sets the session cookie',
        body: LoginRequest,
        response: { 200: Type.Object({ user: User }), 401: ErrorResponse },
      },
    },
    async (request, reply) => {
      const { actor, details } = claimedActor(request.body.username);
      const identity = await audited(hub, request, { actor, action: 'auth.login', details: { method: 'password', ...details } }, async () => {
        const found = await hub.auth.fromPassword(request.body.username, request.body.password, request.ip);
        if (!found) throw new ShivaError('INVALID_CREDENTIALS');
        return found;
      });
      setSessionCookies(reply, await hub.auth.openSession(identity.userId), secure);
      const user = await hub.users.byId(identity.userId);
      return { user: toUser(user!, hub.homeQuotas) };
    },
  );

  app.post(
    '/api/auth/logout',
    {
      schema: {
        tags: ['auth'],
        summary: 'Sign out: ends this session, or with everywhere=true every session of yours, and closes what they opened (WebSockets, streams); API tokens stay',
        querystring: Type.Object({ everywhere: Type.Optional(Type.Union([Type.Literal('true'), Type.Literal('false')])) }, { additionalProperties: false }),
        response: { 204: Type.Null() },
      },
    },
    async (request, reply) => {
      const identity = request.identity;
      if (identity?.via === 'session' && identity.credentialId) {
        const sessionId = identity.credentialId;
        const everywhere = request.query.everywhere === 'true';
        // Ends what the sessions opened too: kernel WebSockets, streams, event streams.
        await audited(hub, request, { action: 'auth.logout', details: { everywhere } }, () =>
          everywhere
            ? hub.endCredentials({ kind: 'sessions', userId: identity.userId }, 'signed out everywhere')
            : hub.endCredentials({ kind: 'session', sessionId }, 'signed out'),
        );
      }
      clearSessionCookies(reply);
      return reply.code(204).send(null);
    },
  );
}
