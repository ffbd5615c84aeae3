/**
 * The dashboard: the built web app (dist/web) at `/`, with hashed assets cached for good and
 * every other page path answered by index.html, where the app's router takes over.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import staticFiles from '@fastify/static';
import fp from 'fastify-plugin';
import type { App } from './types.js';

/** Where `npm run build` puts the web app: dist/web under the package root (from src/ or dist/). */
export const WEB_ROOT = path.resolve(import.meta.dirname, '..', '..', 'dist', 'web');

export function webAppBuilt(root = WEB_ROOT): boolean {
  return existsSync(path.join(root, 'index.html'));
}

/** Registered at the top level (fastify-plugin), so the not-found handler can send index.html. */
export const webApp = fp(async (app: App, options: { root?: string }) => {
  const root = options.root ?? WEB_ROOT;
  await app.register(staticFiles, {
    root,
    wildcard: false,
    index: false,
    cacheControl: false,
    // The build writes .br and .gz next to each asset; the first page's scripts shrink about 3x.
    preCompressed: true,
    setHeaders(res, file) {
      res.setHeader('cache-control', file.includes(`${path.sep}assets${path.sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
});

/** Whether a request that matched no route is a page of the app rather than a missing API path. */
export function isAppPage(method: string, url: string): boolean {
  if (method !== 'GET' && method !== 'HEAD') return false;
  const pathOnly = url.split('?')[0]!;
  return !pathOnly.startsWith('/api/') && pathOnly !== '/api' && !pathOnly.startsWith('/user/') && !path.extname(pathOnly);
}
