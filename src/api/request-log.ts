/**
 * One debug line per API request, in place of Fastify's two info lines (incoming, completed):
 * a dashboard tab polls several times a minute, which buried everything else at the default
 * level. The line has what an operator looks for when debugging: method, route pattern (not the
 * URL, which may carry ids and query strings), status, the user, and the time to answer.
 */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

async function requestLog(app: FastifyInstance): Promise<void> {
  app.addHook('onResponse', async (request, reply) => {
    request.log.debug(
      {
        method: request.method,
        route: request.routeOptions.url ?? '(no route)',
        status: reply.statusCode,
        user: request.identity?.username ?? null,
        // Milliseconds from the request's arrival to the end of the answer, to 0.1 ms.
        ms: Math.round(reply.elapsedTime * 10) / 10,
      },
      'request',
    );
  });
}

/** Registers the debug line for every request the app answers (the proxy's paths are not the app's). */
export const requestLogPlugin = fp(requestLog, { name: 'request-log' });
