/** API tokens: created with a cookie, a token or HTTP Basic; the secret is shown only once. */
import { randomBytes } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import { hasScope, parseBasic, TOKEN_PREFIX, type Identity } from '../auth/authenticator.js';
import { ADMIN_ONLY_SCOPES, SCOPES, type Scope } from '../contract/scopes.js';
import { randomSecret, sha256 } from '../auth/secrets.js';
import { CreatedToken, CreateTokenRequest, ErrorResponse, Token } from '../contract/api.js';
import { ShivaError } from '../contract/errors.js';
import type { TokenRow } from '../store/tokens.js';
import { missingScope, requireScope, requireUserOrBasic } from './identity.js';
import type { App, RouteOptions } from './types.js';
import { audited, claimedActor } from './audit.js';

const toToken = (row: TokenRow): Token => ({
  id: row.id,
  name: row.name,
  scopes: JSON.parse(row.scopes) as string[],
  createdAt: row.created_at,
  expiresAt: row.expires_at,
  lastUsedAt: row.last_used_at,
  lastUsedFrom: row.last_used_address,
});

/** The scopes a new token gets: those asked for (all its owner may by default), never more than its maker. */
function scopesFor(maker: Identity, asked: readonly Scope[] | undefined): Scope[] {
  const allowed = SCOPES.filter((s) => (!ADMIN_ONLY_SCOPES.includes(s) || maker.admin) && hasScope(maker, s));
  const wanted = asked ?? allowed;
  const beyond = wanted.filter((s) => !allowed.includes(s));
  if (beyond.length > 0) throw new ShivaError('FORBIDDEN', `You may not give a token the scope ${beyond.join(', ')}.`);
  return [...wanted];
}

export async function tokenRoutes(app: App, { hub }: RouteOptions): Promise<void> {
  app.post(
    '/api/tokens',
    {
      schema: {
        tags: ['tokens'],
        summary: 'Create an API token for yourself (also with HTTP Basic username:password)',
        body: CreateTokenRequest,
        response: { 201: CreatedToken, 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 429: ErrorResponse },
      },
    },
    async (request, reply) => {
      const { actor, details } = request.identity ? { actor: request.identity.username, details: {} } : claimedActor(parseBasic(request.headers.authorization)?.username);
      const { identity, scopes } = await audited(hub, request, { actor, action: 'token.create', target: request.body.name, details }, async () => {
        const maker = await requireUserOrBasic(request, hub.auth);
        if (!hasScope(maker, 'tokens:write')) throw missingScope('tokens:write');
        return { identity: maker, scopes: scopesFor(maker, request.body.scopes) };
      });
      const secret = `${TOKEN_PREFIX}${randomSecret()}`;
      const created = new Date();
      const row: TokenRow = {
        id: `tok_${randomBytes(6).toString('hex')}`,
        user_id: identity.userId,
        name: request.body.name,
        hash: sha256(secret),
        // Scopes are recorded now and enforced once scoped tokens arrive; until then a token has its owner's rights.
        scopes: JSON.stringify(scopes),
        created_at: created.toISOString(),
        expires_at: request.body.expiresInDays
          ? new Date(created.getTime() + request.body.expiresInDays * 86_400_000).toISOString()
          : null,
        last_used_at: null,
        last_used_address: null,
      };
      await hub.tokens.create(row);
      return reply.code(201).send({ ...toToken(row), token: secret });
    },
  );

  app.get(
    '/api/tokens',
    { schema: { tags: ['tokens'], summary: 'Your API tokens (never their secrets)', response: { 200: Type.Array(Token), 401: ErrorResponse, 403: ErrorResponse } } },
    async (request) => (await hub.tokens.listByUser(requireScope(request, 'tokens:write').userId)).map(toToken),
  );

  app.delete(
    '/api/tokens/:id',
    {
      schema: {
        tags: ['tokens'],
        summary: 'Revoke one of your API tokens; what it opened (WebSockets, streams) closes at once',
        params: Type.Object({ id: Type.String({ maxLength: 64 }) }),
        response: { 204: Type.Null(), 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse },
      },
    },
    async (request, reply) => {
      const identity = requireScope(request, 'tokens:write');
      await audited(hub, request, { action: 'token.revoke', target: request.params.id }, async () => {
        const ended = await hub.endCredentials({ kind: 'token', tokenId: request.params.id, userId: identity.userId }, 'token revoked');
        if (ended.tokens === 0) throw new ShivaError('TOKEN_NOT_FOUND');
      });
      return reply.code(204).send(null);
    },
  );
}
