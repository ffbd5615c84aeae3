/** Liveness for probes and load balancers: no auth, no database. */
import { Health } from '../contract/api.js';
import { VERSION } from '../version.js';
import type { App } from './types.js';

export async function healthRoutes(app: App): Promise<void> {
  app.get('/api/health', { schema: { tags: ['hub'], summary: 'Is the hub up', response: { 200: Health } } }, async () => ({
    status: 'ok' as const,
    version: VERSION,
  }));
}
