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
        const holdings = here.map((s) => ({ row: s, gpus: JSON.parse(s.gpus) as string[] }));
        const allocated = {
          cpus: here.reduce((sum, s) => sum + s.cpus, 0),
          memoryBytes: here.reduce((sum, s) => sum + s.memory_bytes, 0),
          gpus: new Set(holdings.flatMap((h) => h.gpus)).size,
        };
        const capacity = { cpus: m.info?.cpus ?? 0, memoryBytes: m.info?.memoryBytes ?? 0, gpus: m.gpus.length };
        const up = m.status === 'up';
        return {
          name: m.name,
          status: m.status,
          lastSeenAt: m.lastSeenAt,
          error: m.error,
          engine: m.info ? { version: m.info.version, os: m.info.operatingSystem } : null,
          cpus: m.info?.cpus ?? 0,
          memoryBytes: m.info?.memoryBytes ?? 0,
          capacity,
          allocated,
          free: {
            cpus: up ? Math.max(0, capacity.cpus - allocated.cpus) : 0,
            memoryBytes: up ? Math.max(0, capacity.memoryBytes - allocated.memoryBytes) : 0,
            gpus: up ? Math.max(0, capacity.gpus - allocated.gpus) : 0,
          },
          gpuMode: null,
          usage: m.usage
            ? { ...m.usage, networkReceiveBytesPerSecond: null, networkTransmitBytesPerSecond: null, temperaturesC: [], source: 'host' as const }
            : null,
          gpus: m.gpus.map((g) => ({
            ...g,
            holders: holdings
              .filter((h) => h.gpus.includes(g.uuid))
              .map((h) => ({ sandboxId: h.row.id, user: h.row.username, name: h.row.name })),
          })),
          gpusAt: m.lastSeenAt,
          history: [],
          sandboxes: holdings.map(({ row: s, gpus }) => ({
            id: s.id,
            user: s.username,
            name: s.name,
            state: s.state,
            cpus: s.cpus,
            memoryGiB: s.memory_bytes / GiB,
            gpus,
            since: s.started_at ?? s.created_at,
            cpuPercent: null,
            memoryUsedBytes: null,
          })),
        };
      });
    },
  );
}
