/** Users' homes: an admin's request to measure them all now rather than at the next scheduled pass. */
import { HomeMeasurement, ErrorResponse } from '../contract/api.js';
import { ShivaError } from '../contract/errors.js';
import { QuotaCommandError } from '../quota/command.js';
import { requireAdmin } from './identity.js';
import type { App, RouteOptions } from './types.js';
import { audited } from './audit.js';

export async function homeRoutes(app: App, { hub }: RouteOptions): Promise<void> {
  app.post(
    '/api/homes/measure',
    {
      schema: {
        tags: ['users'],
        summary: "Measure every user's home now and answer when done (admins only); one measurement at a time, shared by whoever asks meanwhile",
        response: { 200: HomeMeasurement, 401: ErrorResponse, 403: ErrorResponse, 502: ErrorResponse },
      },
    },
    async (request) => {
      requireAdmin(request);
      return audited(hub, request, { action: 'homes.measure' }, async () => {
        try {
          return await hub.homeQuotas.measureNow();
        } catch (err) {
          request.log.warn({ err: (err as Error).message }, 'measuring the homes failed');
          if (err instanceof QuotaCommandError) throw new ShivaError('QUOTA_BACKEND_FAILED', err.message);
          throw new ShivaError('QUOTA_BACKEND_FAILED', 'The homes could not be measured; the hub\'s log says why.');
        }
      });
    },
  );
}
