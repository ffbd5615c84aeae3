/**
 * Usage accounting through the API: sandbox-, CPU-, GPU- and memory-hours per user per UTC day,
 * as JSON or as a CSV download, answered from the daily roll-up (src/usage/report.ts). Admins
 * see everyone (or one user); anyone else sees only themself, and asking for another user is
 * refused rather than quietly answered with one's own.
 */
import { Type, type Static } from '@sinclair/typebox';
import { ErrorResponse, UsageReport } from '../contract/api.js';
import { ShivaError } from '../contract/errors.js';
import { NAME_MAX_LENGTH, NAME_PATTERN } from '../contract/names.js';
import { usageCsv, usageCsvFilename } from '../usage/csv.js';
import { resolveRange } from '../usage/range.js';
import { usageReport } from '../usage/report.js';
import { requireAdmin, requireScope } from './identity.js';
import type { App, RouteOptions } from './types.js';

const UsageQuery = Type.Object(
  {
    // Checked by resolveRange rather than by a pattern here, so that every bad day answers INVALID_RANGE.
    from: Type.Optional(Type.String({ description: 'First UTC day, YYYY-MM-DD; default: 29 days before to', examples: ['2026-03-01'] })),
    to: Type.Optional(Type.String({ description: 'Last UTC day, included; default: today', examples: ['2026-03-31'] })),
    user: Type.Optional(
      Type.String({ pattern: NAME_PATTERN, maxLength: NAME_MAX_LENGTH, description: 'Only this user (admins; others may name only themself)' }),
    ),
    format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('csv')], { description: 'csv answers a download, one row per user and day' })),
  },
  { additionalProperties: false },
);

export async function usageRoutes(app: App, { hub }: RouteOptions): Promise<void> {
  app.get(
    '/api/usage',
    {
      schema: {
        tags: ['usage'],
        summary: 'Sandbox-, CPU-, GPU- and memory-hours per user per UTC day; everyone\'s for admins, your own for others',
        querystring: UsageQuery,
        response: {
          200: {
            content: {
              'application/json': { schema: UsageReport },
              'text/csv': { schema: Type.String({ description: 'day,user,sandboxes,sandbox_hours,cpu_hours,gpu_hours,memory_gib_hours' }) },
            },
          },
          400: ErrorResponse,
          401: ErrorResponse,
          403: ErrorResponse,
          404: ErrorResponse,
        },
      },
    },
    async (request, reply) => {
      const identity = requireScope(request, 'sandboxes:read');
      const q: Static<typeof UsageQuery> = request.query;
      // undefined: everyone's.
      let user: string | undefined;
      if (q.user === undefined) user = identity.admin ? undefined : identity.username;
      else if (q.user === identity.username) user = identity.username;
      else {
        requireAdmin(request);
        if (!(await hub.users.byName(q.user))) throw new ShivaError('USER_NOT_FOUND', `There is no user ${q.user}.`);
        user = q.user;
      }
      const now = Date.now();
      const range = resolveRange(q, now);
      const report = await usageReport(hub.usage, range, now, user);
      if (q.format !== 'csv') return reply.type('application/json; charset=utf-8').send(report);
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="${usageCsvFilename(report)}"`)
        .send(usageCsv(report));
    },
  );
}
