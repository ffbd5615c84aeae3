/**
 * `GET /api/sandboxes/authorize`: the hub's half of signing a browser in to a sandbox's origin
 * (auth/sandbox-sign-in.ts), as an OAuth 2.0 authorization endpoint (RFC 6749 §4.1.1). A
 * browser that reaches a sandbox host without its cookie is sent here; the hub checks its
 * session and the owner (or an admin, where `sandboxes.adminAccess` allows it, audited and shown
 * in the owner's events), then sends it to `<sandbox origin>/_shiva/callback?code=…`.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { errorCodes, isShivaError, ShivaError } from '../contract/errors.js';
import { parseDirectLabel } from '../contract/sandbox-host.js';
import type { Hub } from '../hub.js';
import { sandboxPath } from '../proxy/origins.js';
import { errorPage } from '../proxy/pages.js';
import { CALLBACK_PATH } from '../proxy/proxy.js';
import type { App, RouteOptions } from './types.js';
import { safeNextPathWithin } from '../contract/next-path.js';

const AuthorizeQuery = Type.Object(
  {
    host: Type.String({ pattern: '^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$', description: "The sandbox host's first DNS label, e.g. main--alice" }),
    next: Type.Optional(Type.String({ maxLength: 4096, description: "Where to go on the sandbox's origin afterwards: a path under its /user/<user>/<name>/" })),
  },
  { additionalProperties: false },
);

/** The sandbox a host label names, from the label itself or (hashed labels) the routes and live sandboxes. */
async function sandboxOfLabel(hub: Hub, label: string): Promise<{ user: string; name: string; id: string | null } | null> {
  const direct = parseDirectLabel(label);
  const route = direct ? hub.routes.get(direct.user, direct.name) : hub.routes.byLabel(label);
  if (route) return { user: route.user, name: route.name, id: route.sandboxId };
  if (!direct) return null;
  const live = (await hub.sandboxesRepo.live()).find((row) => row.username === direct.user && row.name === direct.name);
  return { ...direct, id: live?.id ?? null };
}

/** `next` if it is a path under the sandbox's prefix, else the prefix (the proxy checks it again at the callback). */
function nextFor(next: string | undefined, user: string, name: string): string {
  return safeNextPathWithin(next, sandboxPath(user, name));
}

function refuse(request: FastifyRequest, reply: FastifyReply, err: ShivaError): FastifyReply {
  reply.code(err.status).header('cache-control', 'no-store');
  if (request.headers.accept?.includes('text/html')) {
    return reply.type('text/html; charset=utf-8').send(errorPage({ title: err.code === 'FORBIDDEN' ? 'Not your sandbox' : 'Cannot open this sandbox', message: err.message }));
  }
  return reply.send(err.toBody());
}

export async function sandboxSignInRoutes(app: App, { hub }: RouteOptions): Promise<void> {
  app.get(
    '/api/sandboxes/authorize',
    {
      schema: {
        tags: ['sandboxes'],
        summary: "Signs the browser in to a sandbox's own origin: redirects there with a one-time code (browsers only)",
        querystring: AuthorizeQuery,
      },
    },
    async (request, reply) => {
      try {
        return await authorize(hub, request, reply, request.query);
      } catch (err) {
        if (isShivaError(err)) return refuse(request, reply, err);
        throw err;
      }
    },
  );
}

async function authorize(hub: Hub, request: FastifyRequest, reply: FastifyReply, query: Static<typeof AuthorizeQuery>): Promise<FastifyReply> {
  if (hub.origins.mode === 'path-only') throw new ShivaError('NOT_FOUND', 'This hub serves sandboxes on its own origin; there is nothing to sign in to.');
  const identity = request.identity;
  // Only a browser's sign-in can be carried over: a token is sent by its holder, not by a browser.
  if (identity?.via !== 'session' || !identity.credentialId) {
    return reply.header('cache-control', 'no-store').redirect(`/login?next=${encodeURIComponent(request.url)}`, 302);
  }
  const { host: label, next } = query;
  const sandbox = await sandboxOfLabel(hub, label);
  if (!sandbox) throw new ShivaError('SANDBOX_NOT_FOUND', errorCodes.SANDBOX_NOT_FOUND.message);
  const target = `${sandbox.user}/${sandbox.name}`;
  if (identity.username !== sandbox.user) {
    if (!identity.admin || !hub.config.sandboxes.adminAccess) {
      throw new ShivaError(
        'FORBIDDEN',
        identity.admin
          ? `Admins may open other users' sandboxes only where sandboxes.adminAccess is on; the sandbox ${target} is not yours.`
          : `You are signed in as ${identity.username}; the sandbox ${target} is not yours.`,
      );
    }
    // Once per sign-in to the sandbox's origin, not per request: the owner sees who came in.
    await hub.audit.record({ actor: identity.username, action: 'sandbox.admin-access', target, result: 'ok', address: request.ip });
    if (sandbox.id !== null) {
      const row = await hub.sandboxesRepo.byId(sandbox.id);
      if (row) {
        await hub.events.record(row.id, row.state, `The admin ${identity.username} opened this sandbox.`, null, {
          code: 'admin_opened',
          params: { admin: identity.username },
        });
      }
    }
  }
  const code = hub.sandboxSignIn.issue({ label, userId: identity.userId, sessionId: identity.credentialId, next: nextFor(next, sandbox.user, sandbox.name) });
  return reply
    .header('cache-control', 'no-store')
    .header('referrer-policy', 'no-referrer')
    .redirect(`${hub.origins.originOf(label)}${CALLBACK_PATH}?code=${code}`, 302);
}
