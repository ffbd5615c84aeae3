/**
 * Who a request is from, resolved once per API request and kept on it, plus the guards routes use.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { hasScope, parseBasic, readCookie, SESSION_COOKIE, type Authenticator, type Identity } from '../auth/authenticator.js';
import { changesState, csrfMatches, CSRF_HEADER } from '../auth/csrf.js';
import type { Scope } from '../contract/scopes.js';
import type { OpenTunnels } from '../proxy/open-tunnels.js';
import { ShivaError } from '../contract/errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    identity: Identity | null;
    /**
     * How many credential endings the hub had made before this request's identity was checked:
     * a route that keeps its connection open hands it to OpenTunnels.track(), so that an
     * ending made while the check waited still ends the connection.
     */
    tunnelEndings: number;
  }
}

export const identityPlugin = fp(async (app: FastifyInstance, opts: { auth: Authenticator; tunnels: OpenTunnels }) => {
  app.decorateRequest('identity', null);
  app.decorateRequest('tunnelEndings', 0);
  app.addHook('onRequest', async (request) => {
    request.tunnelEndings = opts.tunnels.endings;
    request.identity = await opts.auth.fromRequest(request.raw);
    // A cookie a page of another site (a sandbox's among them) made the browser send is not the
    // user asking: a read goes on as anonymous, so that page cannot even learn from the size or
    // timing of an answer it cannot read. A change is refused outright, as a forged one is
    // below: run as anonymous, sign-out would still answer with the browser's cookies cleared.
    if (request.identity?.via === 'session' && sentByAnotherSite(request)) {
      if (changesState(request.method)) throw new ShivaError('CSRF_FAILED');
      request.identity = null;
    }
    // A browser's cookie goes along with any site's request; only our pages can read the token.
    if (request.identity?.via === 'session' && changesState(request.method)) {
      const cookie = readCookie(request.headers.cookie, SESSION_COOKIE)!;
      if (!csrfMatches(cookie, request.headers[CSRF_HEADER])) throw new ShivaError('CSRF_FAILED');
    }
  });
});

/**
 * Whether the browser says a page of another site made this request (Fetch Metadata,
 * `Sec-Fetch-Site` `same-site` or `cross-site`, W3C Fetch Metadata Request Headers; the resource
 * isolation policy web.dev describes). `SameSite=Lax` keeps the hub's cookie on requests from
 * sandboxes under the same registrable domain (`*.sbx.example.com` beside `hub.example.com`), and
 * every sandbox is written by its owner (DESIGN.md's security model). Navigations of the whole
 * window pass (`Sec-Fetch-Dest: document`, or no Dest from a browser older than it): the
 * sandbox sign-in and the company sign-in arrive as links and redirects from other sites. A
 * frame or an embedded object is a navigation too, but another site's page makes it, and its
 * load event times the answer even though frame-ancestors keeps it from showing. Browsers set
 * these headers and pages cannot; a client without them (curl, the CLI) is not a page of
 * another site.
 */
export function sentByAnotherSite(request: Pick<FastifyRequest, 'headers'>): boolean {
  const site = request.headers['sec-fetch-site'];
  if (site !== 'same-site' && site !== 'cross-site') return false;
  if (request.headers['sec-fetch-mode'] !== 'navigate') return true;
  const dest = request.headers['sec-fetch-dest'];
  return dest !== undefined && dest !== 'document';
}

/** The signed-in user, or 401. */
export function requireUser(request: FastifyRequest): Identity {
  if (!request.identity) throw new ShivaError('UNAUTHENTICATED');
  return request.identity;
}

/** The user, if their credential covers `scope`; else 403 naming the missing scope. */
export function requireScope(request: FastifyRequest, scope: Scope): Identity {
  const identity = requireUser(request);
  if (!hasScope(identity, scope)) throw missingScope(scope);
  return identity;
}

/** The 403 for a token without `scope`. */
export function missingScope(scope: Scope): ShivaError {
  return new ShivaError('FORBIDDEN', `This token lacks the scope ${scope}.`);
}

/** An admin, or 403 (401 when anonymous). */
export function requireAdmin(request: FastifyRequest): Identity {
  const identity = requireUser(request);
  if (!identity.admin) throw new ShivaError('FORBIDDEN', 'Only admins may do this.');
  return identity;
}

/** The user, from a cookie, a token, or HTTP Basic credentials (so scripts get a token in one call). */
export async function requireUserOrBasic(request: FastifyRequest, auth: Authenticator): Promise<Identity> {
  if (request.identity) return request.identity;
  const basic = parseBasic(request.headers.authorization);
  if (basic) {
    const identity = await auth.fromPassword(basic.username, basic.password, request.ip);
    if (!identity) throw new ShivaError('INVALID_CREDENTIALS');
    return identity;
  }
  throw new ShivaError('UNAUTHENTICATED');
}
