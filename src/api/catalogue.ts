/** What can be launched and where: the image catalogue and the machines. */
import { Type } from '@sinclair/typebox';
import { ErrorResponse, Image, Machine } from '../contract/api.js';
import { toMachineView, withoutEngineText } from '../machines/view.js';
import { toEnvironmentView } from '../environments/environments.js';
import { revalidate } from './conditional-get.js';
import { requireScope } from './identity.js';
import type { App, RouteOptions } from './types.js';


export async function catalogueRoutes(app: App, { hub }: RouteOptions): Promise<void> {
  app.get(
    '/api/images',
    { schema: { tags: ['catalogue'], summary: 'Images users may launch', response: { 200: Type.Array(Image), 401: ErrorResponse } } },
    async (request) => {
      const identity = requireScope(request, 'machines:read');
      const fallback = hub.config.images.default;
      return hub.images.list(identity).map(({ entry, source, sizeBytes, environment }) => ({
        name: entry.name,
        image: entry.image,
        description: entry.description,
        default: entry.name === fallback,
        sudo: entry.sudo,
        source,
        sizeBytes,
        ...(environment ? { environment: toEnvironmentView(environment) } : {}),
      }));
    },
  );

  app.get(
    '/api/machines',
    {
      schema: {
        tags: ['catalogue'],
        summary: 'Machines, their capacity and who is on them since when (their samples over time: GET /api/machines/history)',
        response: { 200: Type.Array(Machine), 401: ErrorResponse, 403: ErrorResponse },
      },
      // Polled every few seconds by every open dashboard; an answer like the last is a 304.
      onSend: revalidate,
    },
    async (request) => {
      const identity = requireScope(request, 'machines:read');
      const live = await hub.sandboxesRepo.live();
      const capacities = hub.machines.capacities();
      const room = new Map(hub.sandboxes.ledger.room(capacities).map((r) => [r.machine, r]));
      const { ledger } = hub.sandboxes;
      const catalogue = hub.images.list().map(({ entry }) => entry);
      return hub.machines.list().map((m, i) => {
        const view = toMachineView(m, capacities[i]!, room.get(m.name), ledger.usedOn(m.name), live, (id) => hub.liveStats.get(id), catalogue);
        return identity.admin ? view : withoutEngineText(view);
      });
    },
  );
}
