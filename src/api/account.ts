/** Changing one's own password. */
import { Type } from '@sinclair/typebox';
import { hashPassword, verifyPassword } from '../auth/passwords.js';
import { ChangePasswordRequest, ErrorResponse } from '../contract/api.js';
import { ShivaError } from '../contract/errors.js';
import { requireUser } from './identity.js';
import type { App, RouteOptions } from './types.js';
import { audited } from './audit.js';

export async function accountRoutes(app: App, { hub }: RouteOptions): Promise<void> {
  app.put(
    '/api/me/password',
    {
      schema: {
        tags: ['users'],
        summary: 'Change your password; your other sessions end, with what they opened (WebSockets, streams); API tokens stay',
        body: ChangePasswordRequest,
        response: { 204: Type.Null(), 400: ErrorResponse, 401: ErrorResponse },
      },
    },
    async (request, reply) => {
      const identity = requireUser(request);
      const user = await audited(hub, request, { action: 'user.password', target: identity.username }, async () => {
        const row = await hub.users.byId(identity.userId);
        if (!row || !(await verifyPassword(request.body.currentPassword, row.password_hash))) {
          throw new ShivaError('INVALID_CREDENTIALS', 'The current password is wrong.');
        }
        await hub.users.setPassword(row.id, await hashPassword(request.body.newPassword));
        return row;
      });
      const keep = identity.via === 'session' ? (identity.credentialId ?? undefined) : undefined;
      await hub.endCredentials({ kind: 'sessions', userId: user.id, ...(keep ? { except: keep } : {}) }, 'password changed');
      return reply.code(204).send(null);
    },
  );
}
