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
        summary: 'Recent events of all sandboxes, newest first (admins only)',
        querystring: Type.Object({ limit: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,2}$' })) }, { additionalProperties: false }),
        response: { 200: Type.Array(RecentEvent), 401: ErrorResponse, 403: ErrorResponse },
      },
    },
    async (request) => {
      requireAdmin(request);
      const rows = await hub.sandboxesRepo.recentEvents(Number(request.query.limit ?? 100));
      return rows.map((r) => ({ ...toEvent(r), user: r.username, name: r.name }));
    },
  );
}
