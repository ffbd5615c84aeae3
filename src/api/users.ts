/** Users: who am I, and for admins the list and creation of accounts. */
import { Type, type Static } from '@sinclair/typebox';
import { hashPassword, randomPassword } from '../auth/passwords.js';
import { CreatedUser, CreateUserRequest, ErrorResponse, Me, UpdateUserRequest, User } from '../contract/api.js';
import { ShivaError } from '../contract/errors.js';
import { NAME_MAX_LENGTH, NAME_PATTERN } from '../contract/names.js';
import { UidRangeExhausted } from '../store/user-ids.js';
import { DEFAULT_PAGE_LIMIT, PageQuery, PageSchema, type Page } from '../contract/paging.js';
import { cursorScope, decodeCursor, nextCursor } from '../store/cursor.js';
import { USER_SORTS, type UserRow, type UserSort } from '../store/users.js';
import { requireAdmin, requireUser } from './identity.js';
import type { App, RouteOptions } from './types.js';
import { audited } from './audit.js';
import type { HomeQuotas } from '../quota/home-quotas.js';

/** A user as the API shows them, with their home's last measured bytes and the quota that applies. */
export const toUser = (row: UserRow, quotas: Pick<HomeQuotas, 'figures'>): User => ({
  id: row.id,
  username: row.username,
  email: row.email,
  admin: row.role === 'admin',
  disabled: row.disabled === 1,
  createdAt: row.created_at,
  uid: row.uid,
  gid: row.gid,
  ...quotas.figures(row),
});

const UsersQuery = Type.Object(
  {
    ...PageQuery,
    q: Type.Optional(Type.String({ maxLength: 128, description: 'Search: users whose name or email contains this text, in any case' })),
    sort: Type.Optional(
      Type.Union(
        (Object.keys(USER_SORTS) as UserSort[]).map((s) => Type.Literal(s)),
        { description: 'username (default) or created, oldest first; a leading - reverses' },
      ),
    ),
    username: Type.Optional(Type.String({ pattern: NAME_PATTERN, maxLength: NAME_MAX_LENGTH, description: 'Only the user of this exact name' })),
  },
  { additionalProperties: false },
);

export async function userRoutes(app: App, { hub }: RouteOptions): Promise<void> {
  const { sandboxes } = hub.config;

  app.get(
    '/api/me',
    { schema: { tags: ['users'], summary: 'The signed-in user and what they may ask for', response: { 200: Me, 401: ErrorResponse } } },
    async (request) => {
      const identity = requireUser(request);
      const user = await hub.users.byId(identity.userId);
      if (!user) throw new ShivaError('UNAUTHENTICATED');
      return {
        user: toUser(user, hub.homeQuotas),
        limits: {
          defaults: sandboxes.defaults,
          max: { cpus: sandboxes.limits.cpus, memoryGiB: sandboxes.limits.memoryGiB, gpus: sandboxes.limits.gpus, sandboxes: sandboxes.maxPerUser },
        },
      };
    },
  );

  app.get(
    '/api/users',
    {
      schema: {
        tags: ['users'],
        summary: 'Users, a page at a time, with search and sort (admins only)',
        querystring: UsersQuery,
        response: { 200: PageSchema(User), 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse },
      },
    },
    async (request): Promise<Page<User>> => {
      requireAdmin(request);
      const q: Static<typeof UsersQuery> = request.query;
      const sort: UserSort = q.sort ?? 'username';
      const limit = Number(q.limit ?? DEFAULT_PAGE_LIMIT);
      const byId = USER_SORTS[sort].column === 'id';
      const scope = cursorScope(sort, { q: q.q, username: q.username });
      const after = q.cursor === undefined ? undefined : decodeCursor(q.cursor, scope, [byId ? 'number' : 'string'])[0];
      const { rows, total } = await hub.users.page({ sort, limit, after, q: q.q, username: q.username });
      return {
        items: rows.map((row) => toUser(row, hub.homeQuotas)),
        total,
        next: nextCursor(rows, limit, scope, (row) => [byId ? row.id : row.username]),
      };
    },
  );

  app.post(
    '/api/users',
    {
      schema: {
        tags: ['users'],
        summary: 'Create a user (admins only); without a password, one is generated and shown once',
        body: CreateUserRequest,
        response: { 201: CreatedUser, 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 409: ErrorResponse, 503: ErrorResponse },
      },
    },
    async (request, reply) => {
      requireAdmin(request);
      const generated = request.body.password ? undefined : randomPassword();
      const details = { admin: Boolean(request.body.admin) };
      const row = await audited(hub, request, { action: 'user.create', target: request.body.username, details }, async () => {
        const created = await hub.users
          .create({
            username: request.body.username,
            passwordHash: await hashPassword(request.body.password ?? generated!),
            role: request.body.admin ? 'admin' : 'user',
          })
          .catch((err: unknown) => {
            if (err instanceof UidRangeExhausted) throw new ShivaError('UID_RANGE_EXHAUSTED');
            throw err;
          });
        if (!created) throw new ShivaError('USER_EXISTS', `The user ${request.body.username} already exists.`);
        return created;
      });
      request.log.info({ user: row.username, by: request.identity?.username }, 'user created');
      return reply.code(201).send({ ...toUser(row, hub.homeQuotas), ...(generated ? { password: generated } : {}) });
    },
  );

  app.patch(
    '/api/users/:id',
    {
      schema: {
        tags: ['users'],
        summary:
          "Make admin or not, disable or enable, reset the password or set the home quota of a user (admins only). Disabling deletes their API tokens (enabling brings none back) and closes all they opened; a password reset ends their sessions; demotion closes what only admin rights kept open; a quota is set on the filesystem first where the backend has hard limits",
        params: Type.Object({ id: Type.String({ pattern: '^[0-9]{1,12}$' }) }),
        body: UpdateUserRequest,
        response: { 200: User, 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse, 502: ErrorResponse },
      },
    },
    async (request) => {
      const actor = requireAdmin(request);
      const id = Number(request.params.id);
      const { admin, disabled, password, quotaGiB } = request.body;
      const user = await hub.users.byId(id);
      const details = { admin, disabled, passwordReset: password ? true : undefined, quotaGiB };
      const updated = await audited(hub, request, { action: 'user.update', target: user?.username ?? String(id), details }, async () => {
        if (!user) throw new ShivaError('USER_NOT_FOUND');
        const losesAdmin = user.role === 'admin' && !user.disabled && (admin === false || disabled === true);
        if (losesAdmin && (await hub.users.activeAdmins()) <= 1) throw new ShivaError('LAST_ADMIN');
        // The quota first: a filesystem that refuses it leaves the whole request undone.
        let row: UserRow | undefined = user;
        if (quotaGiB !== undefined) row = await hub.homeQuotas.setQuota(user, quotaGiB);
        if (admin === undefined && disabled === undefined && !password) return row;
        return hub.users.update(id, {
          ...(admin !== undefined ? { role: admin ? ('admin' as const) : ('user' as const) } : {}),
          ...(disabled !== undefined ? { disabled } : {}),
          ...(password ? { passwordHash: await hashPassword(password) } : {}),
        });
      });
      if (!user || !updated) throw new ShivaError('USER_NOT_FOUND');
      if (disabled) {
        // Their tokens are deleted, not set aside: enabling them again brings none back.
        await hub.endCredentials({ kind: 'user', userId: id }, `disabled by ${actor.username}`);
      } else {
        if (password) await hub.endCredentials({ kind: 'sessions', userId: id }, `password reset by ${actor.username}`);
        if (admin === false && user.role === 'admin') await hub.endCredentials({ kind: 'admin-rights', userId: id }, `no longer an admin (by ${actor.username})`);
      }
      // Whatever else changed (made admin, enabled), what the hub remembers of this user's identity is stale now.
      hub.auth.forget((i) => i.userId === id);
      if (disabled) await hub.sandboxes.stopAllOf(actor, id);
      request.log.info({ user: user.username, by: actor.username, admin, disabled, password: Boolean(password), quotaGiB }, 'user changed');
      return toUser(updated!, hub.homeQuotas);
    },
  );

  app.delete(
    '/api/users/:id/sessions',
    {
      schema: {
        tags: ['users'],
        summary: "End every session of a user, in every browser, and close what those sessions opened (admins only); their tokens stay",
        params: Type.Object({ id: Type.String({ pattern: '^[0-9]{1,12}$' }) }),
        response: { 204: Type.Null(), 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse },
      },
    },
    async (request, reply) => {
      const actor = requireAdmin(request);
      const id = Number(request.params.id);
      const user = await hub.users.byId(id);
      await audited(hub, request, { action: 'user.sessions.end', target: user?.username ?? String(id) }, async () => {
        if (!user) throw new ShivaError('USER_NOT_FOUND');
        await hub.endCredentials({ kind: 'sessions', userId: id }, `sessions ended by ${actor.username}`);
      });
      return reply.code(204).send(null);
    },
  );
}
