/** The shared datasets (storage.datasets) the asking user's sandboxes get. */
import { Type } from '@sinclair/typebox';
import { Dataset, ErrorResponse } from '../contract/api.js';
import { datasetsFor } from '../sandboxes/datasets.js';
import { requireScope } from './identity.js';
import type { App, RouteOptions } from './types.js';

export async function datasetRoutes(app: App, { hub }: RouteOptions): Promise<void> {
  app.get(
    '/api/datasets',
    {
      schema: {
        tags: ['catalogue'],
        summary: "The shared datasets your sandboxes get, and where they appear; the host folder for admins only",
        response: { 200: Type.Array(Dataset), 401: ErrorResponse, 403: ErrorResponse },
      },
    },
    async (request) => {
      const identity = requireScope(request, 'machines:read');
      // Only what this user gets: the names of other teams' datasets are theirs to know.
      return datasetsFor(hub.config.storage.datasets, identity).map((d) => ({
        name: d.name,
        containerPath: d.containerPath,
        readOnly: d.readOnly,
        description: d.description,
        // Host paths tell where the shared filesystem and other data live: for admins.
        ...(identity.admin ? { hostPath: d.hostPath } : {}),
      }));
    },
  );
}
