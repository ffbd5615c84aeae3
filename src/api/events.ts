/** The recent events of every sandbox, for admins. */
import { Type } from '@sinclair/typebox';
import { ErrorResponse, RecentEvent } from '../contract/api.js';
import { LogPageQuery, LogPageSchema, nextBefore } from '../contract/paging.js';
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
        querystring: Type.Object(LogPageQuery, { additionalProperties: false }),
        response: {
          200: LogPageSchema(RecentEvent),
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
        nextBefore: nextBefore(rows, limit),
      };
    },
  );
}
