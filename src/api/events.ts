/** The recent events of every sandbox, for admins. */
import { Type } from '@sinclair/typebox';
import { ErrorResponse, RecentEvent } from '../contract/api.js';
import { toEvent } from '../sandboxes/events.js';
import { requireAdmin } from './identity.js';
import type { App, RouteOptions } from './types.js';

export async function eventRoutes(app: App, { hub }: RouteOptions): Promise<void> {
  app.get(
    '/api/events',
    {
      schema: {
        tags: ['sandboxes'],
        summary: 'Events of all sandboxes, newest first, a page at a time (admins only)',
        querystring: Type.Object(
          {
            before: Type.Optional(Type.String({ pattern: '^[0-9]{1,15}$', description: 'Continue after this event id (from nextBefore)' })),
            limit: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,2}$', description: '1-999, default 100' })),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ entries: Type.Array(RecentEvent), nextBefore: Type.Union([Type.Integer(), Type.Null()]) }),
          400: ErrorResponse,
          401: ErrorResponse,
          403: ErrorResponse,
        },
      },
    },
    async (request) => {
      requireAdmin(request);
      const limit = Number(request.query.limit ?? 100);
      const rows = await hub.sandboxesRepo.recentEvents(limit, request.query.before ? Number(request.query.before) : undefined);
      return {
        entries: rows.map((r) => ({ ...toEvent(r), user: r.username, name: r.name })),
        nextBefore: rows.length === limit ? rows.at(-1)!.id : null,
      };
    },
  );
}
