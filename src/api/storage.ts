/**
 * GET /api/storage: free and total bytes of the homes filesystem, and whether launches are
 * refused for it. Every signed-in user may see the figures (they explain a STORAGE_FULL);
 * where the homes live and why the hub cannot read them are for admins only.
 */
import { ErrorResponse, Storage, type HomesStorage } from '../contract/api.js';
import type { HomesFilesystem } from '../storage/homes-filesystem.js';
import { requireScope } from './identity.js';
import type { App, RouteOptions } from './types.js';

export async function storageRoutes(app: App, { hub }: RouteOptions): Promise<void> {
  app.get(
    '/api/storage',
    { schema: { tags: ['catalogue'], summary: 'Free and total bytes of the homes filesystem', response: { 200: Storage, 401: ErrorResponse, 403: ErrorResponse } } },
    async (request) => {
      const identity = requireScope(request, 'machines:read');
      return { homes: homesView(hub.homesFilesystem, identity.admin) };
    },
  );
}

/** The last reading as the API shows it; `admin` adds the path and the problem. */
export function homesView(homes: Pick<HomesFilesystem, 'reading' | 'full' | 'root' | 'minFreePercent'>, admin: boolean): HomesStorage {
  const { figures, readAt, problem } = homes.reading();
  return {
    freeBytes: figures?.freeBytes ?? null,
    sizeBytes: figures?.sizeBytes ?? null,
    minFreePercent: homes.minFreePercent,
    full: homes.full(),
    readAt,
    ...(admin ? { root: homes.root, problem } : {}),
  };
}
