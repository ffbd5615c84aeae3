/** What can be launched and where: the image catalogue and the machines. */
import { Type } from '@sinclair/typebox';
import { ErrorResponse, Image, Machine } from '../contract/api.js';
import { requireScope } from './identity.js';
import type { App, RouteOptions } from './types.js';

const GiB = 1024 ** 3;

export async function catalogueRoutes(app: App, { hub }: RouteOptions): Promise<void> {
  app.get(
    '/api/images',
    { schema: { tags: ['catalogue'], summary: 'Images users may launch', response: { 200: Type.Array(Image), 401: ErrorResponse } } },
    async (request) => {
      requireScope(request, 'machines:read');
      const { catalogue, default: fallback } = hub.config.images;
      return catalogue.map((i) => ({ name: i.name, image: i.image, description: i.description, default: i.name === fallback }));
    },
  );

  app.get(
    '/api/machines',
    { schema: { tags: ['catalogue'], summary: 'Machines, their capacity and who is on them since when', response: { 200: Type.Array(Machine), 401: ErrorResponse } } },
    async (request) => {
      requireScope(request, 'machines:read');
      const live = await hub.sandboxesRepo.live();
      return hub.machines.list().map((m) => {
        const here = live.filter((s) => s.machine === m.name);
        return {
          name: m.name,
          status: m.status,
          lastSeenAt: m.lastSeenAt,
          error: m.error,
          engine: m.info ? { version: m.info.version, os: m.info.operatingSystem } : null,
          cpus: m.info?.cpus ?? 0,
          memoryBytes: m.info?.memoryBytes ?? 0,
          allocated: {
            cpus: here.reduce((sum, s) => sum + s.cpus, 0),
            memoryBytes: here.reduce((sum, s) => sum + s.memory_bytes, 0),
          },
          usage: m.usage,
          // Who holds which GPU comes with GPU launches; until then none is held.
          gpus: m.gpus.map((g) => ({ ...g, sandboxId: null, user: null })),
          sandboxes: here.map((s) => ({
            id: s.id,
            user: s.username,
            name: s.name,
            cpus: s.cpus,
            memoryGiB: s.memory_bytes / GiB,
            since: s.started_at ?? s.created_at,
          })),
        };
      });
    },
  );
}
