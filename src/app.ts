/**
 * buildApp(hub): the hub's HTTP surface without listening. `/user/…` requests and upgrades, and
 * everything on a sandbox's own host (proxy/origins.ts), go straight from Node's server to the
 * proxy (no framework work on that hot path); everything else is the API, served by Fastify.
 * Tests call `app.inject()` or listen on port 0.
 */
import http from 'node:http';
import cookie from '@fastify/cookie';
import swagger from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyServerFactory } from 'fastify';
import { accountRoutes } from './api/account.js';
import { auditRoutes } from './api/audit.js';
import { authRoutes } from './api/auth.js';
import { oidcRoutes } from './api/oidc.js';
import { catalogueRoutes } from './api/catalogue.js';
import { machineHistoryRoutes } from './api/machine-history.js';
import { environmentRoutes } from './api/environments.js';
import { datasetRoutes } from './api/datasets.js';
import { eventRoutes } from './api/events.js';
import { registerErrorHandling } from './api/errors.js';
import { healthRoutes } from './api/health.js';
import { identityPlugin } from './api/identity.js';
import { imagePullRoutes } from './api/image-pulls.js';
import { metricsPlugin } from './api/metrics.js';
import { requestLogPlugin } from './api/request-log.js';
import { sandboxRoutes } from './api/sandboxes.js';
import { sandboxSignInRoutes } from './api/sandbox-sign-in.js';
import { securityHeaders } from './api/security-headers.js';
import { storageRoutes } from './api/storage.js';
import { tokenRoutes } from './api/tokens.js';
import { sshKeyRoutes } from './api/ssh-keys.js';
import type { App } from './api/types.js';
import { usageRoutes } from './api/usage.js';
import { userRoutes } from './api/users.js';
import { homeRoutes } from './api/homes.js';
import { isAppPage, WEB_ROOT, webApp, webAppBuilt } from './api/web.js';
import { answerClientError } from './http/client-error.js';
import { watchRequestBody } from './http/request-body-idle.js';
import type { Hub } from './hub.js';
import { VERSION } from './version.js';

/** Largest API body; launch requests are a few hundred bytes. */
const BODY_LIMIT = 64 * 1024;

export interface AppOptions {
  logger?: FastifyBaseLogger;
  /** The built web app; dist/web by default. */
  webRoot?: string;
}

export async function buildApp(hub: Hub, options: AppOptions = {}): Promise<App> {
  const bodyIdleMs = hub.config.hub.requestBodyIdleSeconds * 1000;
  const headersTimeoutMs = hub.config.hub.requestHeadersTimeoutSeconds * 1000;
  const serverFactory: FastifyServerFactory = (handler) => {
    // A sandbox's own host is all the proxy's; on the hub's host only `/user/…` is.
    const toProxy = (req: http.IncomingMessage): boolean =>
      req.url?.startsWith('/user/') === true || hub.origins.labelOf(req.headers.host) !== null;
    const server = http.createServer(
      // Node checks for slow heads on this interval (30 s by default): a quarter of the limit
      // keeps a short limit close to what was configured.
      { connectionsCheckingInterval: Math.min(30_000, Math.max(100, headersTimeoutMs / 4)) },
      (req, res) => {
        watchRequestBody(req, res, bodyIdleMs, hub.log);
        if (toProxy(req)) hub.proxy.handleRequest(req, res);
        else handler(req, res);
      },
    );
    server.on('upgrade', (req, socket, head) => {
      if (toProxy(req)) hub.proxy.handleUpgrade(req, socket, head);
      else socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    });
    // Jupyter's kernels keep connections open for long; only idle sockets and bodies time out,
    // and heads that take too long to arrive (slowloris).
    server.keepAliveTimeout = 65_000;
    server.headersTimeout = headersTimeoutMs;
    server.requestTimeout = 0;
    return server;
  };

  const app = Fastify({
    serverFactory,
    clientErrorHandler: answerClientError,
    bodyLimit: BODY_LIMIT,
    trustProxy: hub.config.hub.trustProxy,
    ...(options.logger ? { loggerInstance: options.logger } : { logger: false }),
    // Its two info lines per request drowned the lifecycle events: api/request-log.ts logs one, at debug.
    logController: new LogController({ disableRequestLogging: true }),
    ajv: {
      // Bad input is refused, never quietly mended.
      customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: false, allErrors: false },
    },
  }).withTypeProvider<TypeBoxTypeProvider>();

  // Open WebSocket tunnels and event streams would keep the server from closing: end them first.
  app.addHook('preClose', async () => {
    await hub.proxy.close();
    hub.tunnels.clear();
  });
  await app.register(securityHeaders);
  const web = options.webRoot ?? WEB_ROOT;
  const withWeb = webAppBuilt(web);
  registerErrorHandling(app, (request, reply) =>
    withWeb && isAppPage(request.method, request.url) ? reply.header('cache-control', 'no-cache').sendFile('index.html') : null,
  );
  // JSON only. A cross-site form can send text/plain without a preflight; refusing it (415)
  // is part of what keeps cookie-authenticated requests from being forged.
  app.removeContentTypeParser('text/plain');
  await app.register(cookie);
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Shiva API', version: VERSION, description: 'Personal GPU sandboxes for machine-learning teams.' },
      components: {
        securitySchemes: {
          session: { type: 'apiKey', in: 'cookie', name: 'shiva_session' },
          token: { type: 'http', scheme: 'bearer' },
          basic: { type: 'http', scheme: 'basic' },
        },
      },
      security: [{ session: [] }, { token: [] }],
    },
  });
  await app.register(identityPlugin, { auth: hub.auth, tunnels: hub.tunnels });
  await app.register(requestLogPlugin);
  const opts = { hub };
  await app.register(metricsPlugin, opts);
  await app.register(healthRoutes);
  await app.register(authRoutes, opts);
  await app.register(oidcRoutes, opts);
  await app.register(userRoutes, opts);
  await app.register(homeRoutes, opts);
  await app.register(accountRoutes, opts);
  await app.register(eventRoutes, opts);
  await app.register(auditRoutes, opts);
  await app.register(tokenRoutes, opts);
  await app.register(sshKeyRoutes, opts);
  await app.register(sandboxSignInRoutes, opts);
  await app.register(sandboxRoutes, opts);
  await app.register(catalogueRoutes, opts);
  await app.register(machineHistoryRoutes, opts);
  await app.register(environmentRoutes, opts);
  await app.register(imagePullRoutes, opts);
  await app.register(datasetRoutes, opts);
  await app.register(storageRoutes, opts);
  await app.register(usageRoutes, opts);
  if (withWeb) await app.register(webApp, { root: web });
  else hub.log.warn({ webRoot: web }, 'the dashboard is not built (npm run build): serving the API and sandboxes only');
  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  return app;
}
