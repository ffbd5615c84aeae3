/**
 * GET /metrics: the hub's Prometheus series. Admins and tokens with the `metrics:read` scope
 * may read it (the series name every user and sandbox); with `metrics.public` anyone may, for
 * a hub whose port only the monitoring network reaches. Registered as a plugin that also times
 * every API request, so it is registered before the routes it times.
 */
import { Type } from '@sinclair/typebox';
import fp from 'fastify-plugin';
import type { FastifyRequest } from 'fastify';
import { ErrorResponse } from '../contract/api.js';
import { ShivaError } from '../contract/errors.js';
import type { Hub } from '../hub.js';
import { requireUser } from './identity.js';
import type { App, RouteOptions } from './types.js';

/** 401 without credentials; 403 unless an admin, or a metrics:read token whose owner is still an admin. */
async function requireMetricsReader(request: FastifyRequest, hub: Hub): Promise<void> {
  const identity = requireUser(request);
  if (identity.admin) return;
  if (!identity.scopes?.has('metrics:read')) {
    throw new ShivaError('FORBIDDEN', 'Reading /metrics needs an admin, or a token with the scope metrics:read.');
  }
  // Like the admin scope, metrics:read counts only while its owner is an admin.
  const owner = await hub.users.byId(identity.userId);
  if (owner?.role !== 'admin') {
    throw new ShivaError('FORBIDDEN', 'This token has the scope metrics:read, but its owner is no longer an admin.');
  }
}

export const metricsPlugin = fp(async (app: App, { hub }: RouteOptions) => {
  app.addHook('onResponse', (request, reply, done) => {
    // The route pattern, not the URL: ids in paths must not make a series each.
    hub.metrics.observeRequest(request.method, request.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000);
    done();
  });

  app.get(
    '/metrics',
    {
      schema: {
        tags: ['hub'],
        summary: 'Prometheus series of the hub, its machines and sandboxes (text exposition format)',
        produces: ['text/plain'],
        response: { 200: Type.String({ description: 'Prometheus text format 0.0.4' }), 401: ErrorResponse, 403: ErrorResponse },
      },
    },
    async (request, reply) => {
      if (!hub.config.metrics.public) await requireMetricsReader(request, hub);
      const text = await hub.metrics.exposition();
      return reply.header('content-type', hub.metrics.contentType).header('cache-control', 'no-store').send(text);
    },
  );
});
