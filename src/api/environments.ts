/** Saved environments: save a running sandbox, list, share and delete what was saved (docs/environments.md). */
import { Type } from '@sinclair/typebox';
import { Environment, ErrorResponse, SaveRequest, SaveStarted } from '../contract/api.js';
import { toEnvironmentView } from '../environments/environments.js';
import { audited } from './audit.js';
import { requireScope } from './identity.js';
import type { App, RouteOptions } from './types.js';

const Id = Type.Object({ id: Type.String({ maxLength: 64 }) });

export async function environmentRoutes(app: App, { hub }: RouteOptions): Promise<void> {
  app.post(
    '/api/sandboxes/:id/save',
    {
      schema: {
        tags: ['environments'],
        summary: "Save your running sandbox as an environment in the team's registry; answers at once, the sandbox's events tell the progress and outcome",
        params: Id,
        body: SaveRequest,
        response: { 202: SaveStarted, 400: ErrorResponse, 401: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse, 503: ErrorResponse },
      },
    },
    async (request, reply) => {
      const actor = requireScope(request, 'sandboxes:launch');
      const { name, description: _description, ...options } = request.body;
      const started = await audited(hub, request, { action: 'environment.save', target: `${actor.username}/${name.slice(0, 64)}`, details: { sandbox: request.params.id, ...options } }, () =>
        hub.saver.start(actor, request.params.id, request.body),
      );
      return reply.code(202).send(started);
    },
  );

  app.get(
    '/api/environments',
    {
      schema: {
        tags: ['environments'],
        summary: 'The saved environments you may launch: yours and shared ones (admins: everyone\'s), oldest first',
        response: { 200: Type.Array(Environment), 401: ErrorResponse },
      },
    },
    async (request) => hub.environments.visibleTo(requireScope(request, 'sandboxes:read')).map(toEnvironmentView),
  );

  app.patch(
    '/api/environments/:id',
    {
      schema: {
        tags: ['environments'],
        summary: 'Share a saved environment with everyone, or take it back (its owner or an admin)',
        params: Id,
        body: Type.Object({ shared: Type.Boolean() }, { additionalProperties: false }),
        response: { 200: Environment, 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse },
      },
    },
    async (request) => {
      const actor = requireScope(request, 'sandboxes:launch');
      const row = await audited(hub, request, { action: 'environment.share', target: request.params.id, details: { shared: request.body.shared } }, () =>
        hub.environments.setShared(actor, request.params.id, request.body.shared),
      );
      return toEnvironmentView(row);
    },
  );

  app.delete(
    '/api/environments/:id',
    {
      schema: {
        tags: ['environments'],
        summary: "Delete a saved environment: its manifest from the team's registry (space comes back at the registry's garbage collection), then its record",
        params: Id,
        response: { 200: Environment, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 503: ErrorResponse },
      },
    },
    async (request) => {
      const actor = requireScope(request, 'sandboxes:launch');
      const row = await audited(hub, request, { action: 'environment.delete', target: request.params.id }, () => hub.environments.remove(actor, request.params.id));
      return toEnvironmentView(row);
    },
  );
}
