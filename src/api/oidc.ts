/**
 * Company sign-in: `/api/auth/oidc/login` sends the browser to the identity provider,
 * `/api/auth/oidc/callback` brings it back signed in, or shows a page that says why not.
 * `/api/auth/providers` tells the sign-in page which ways to sign in there are.
 */
import { Type } from '@sinclair/typebox';
import type { FastifyReply } from 'fastify';
import { AuthProviders } from '../contract/api.js';
import { NEXT_MAX_LENGTH, safeNextPath } from '../contract/next-path.js';
import { setSessionCookies } from './session-cookies.js';
import { OidcRefusal } from '../auth/oidc.js';
import { NO_FAVICON } from '../proxy/pages.js';
import type { App, RouteOptions } from './types.js';

const FLOW_COOKIE = 'shiva_oidc';
const FLOW_PATH = '/api/auth/oidc';

export async function oidcRoutes(app: App, { hub }: RouteOptions): Promise<void> {
  const secure = hub.publicUrl.startsWith('https://');
  const local = hub.config.auth.local;

  app.get(
    '/api/auth/providers',
    {
      schema: {
        tags: ['auth'],
        summary: 'The ways to sign in to this hub (no auth)',
        response: { 200: AuthProviders },
      },
    },
    async () => ({
      local: local.enabled,
      oidc: hub.oidc ? { name: hub.oidc.displayName, loginUrl: `${FLOW_PATH}/login` } : null,
    }),
  );

  const oidc = hub.oidc;
  if (!oidc) return;

  app.get(
    `${FLOW_PATH}/login`,
    {
      schema: {
        tags: ['auth'],
        summary: 'Start signing in with the identity provider; `next` is where to land afterwards',
        querystring: Type.Object({ next: Type.Optional(Type.String({ maxLength: NEXT_MAX_LENGTH })) }, { additionalProperties: false }),
      },
    },
    async (request, reply) => {
      try {
        const { url, flowId } = await oidc.start(safeNextPath(request.query.next));
        reply.setCookie(FLOW_COOKIE, flowId, { path: FLOW_PATH, httpOnly: true, sameSite: 'lax', secure, maxAge: 600 });
        return reply.redirect(url, 302);
      } catch (err) {
        if (err instanceof OidcRefusal) return refusalPage(reply, err.reason, 503);
        throw err;
      }
    },
  );

  app.get(
    `${FLOW_PATH}/callback`,
    { schema: { tags: ['auth'], summary: 'Where the identity provider sends the browser back', hide: true } },
    async (request, reply) => {
      reply.clearCookie(FLOW_COOKIE, { path: FLOW_PATH });
      const current = new URL(request.url, hub.publicUrl);
      const record = (actor: string | null, result: 'ok' | 'refused', details: Record<string, unknown>) =>
        hub.audit.record({ actor, action: 'auth.login', result, address: request.ip, details: { method: 'oidc', ...details } });
      try {
        const { user, next } = await oidc.finish(request.cookies[FLOW_COOKIE] ?? null, current);
        setSessionCookies(reply, await hub.auth.openSession(user.id), secure);
        await record(user.username, 'ok', { email: user.email });
        return reply.redirect(next, 302);
      } catch (err) {
        if (!(err instanceof OidcRefusal)) throw err;
        await record(err.email, 'refused', { reason: err.code });
        return refusalPage(reply, err.reason, 403);
      }
    },
  );
}

function refusalPage(reply: FastifyReply, reason: string, status: number): FastifyReply {
  const escaped = reason.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  return reply
    .code(status)
    .type('text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .send(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">${NO_FAVICON}` +
        `<title>Sign-in refused · Shiva</title><style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;line-height:1.5}</style></head>` +
        `<body><h1>You could not be signed in</h1><p id="reason">${escaped}</p><p><a href="/login">Back to sign-in</a></p></body></html>`,
    );
}
