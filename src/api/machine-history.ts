/**
 * GET /api/machines/history: each machine's samples over the last hour, fetched once and then
 * only what is new (machines/history-page.ts), so that polling the machines page costs what
 * changed and not the hour again. Samples are numbers and times only, nothing of an engine's
 * words, so members and admins get the same answer.
 */
import { ErrorResponse, MachineHistoryPage, MachineHistoryQuery } from '../contract/api.js';
import { historyPage, parseHistoryCursor } from '../machines/history-page.js';
import { revalidate } from './conditional-get.js';
import { requireScope } from './identity.js';
import type { App, RouteOptions } from './types.js';

export async function machineHistoryRoutes(app: App, { hub }: RouteOptions): Promise<void> {
  app.get(
    '/api/machines/history',
    {
      schema: {
        tags: ['catalogue'],
        summary: "Machines' usage samples: the whole window, or with ?since= only those newer than that cursor",
        querystring: MachineHistoryQuery,
        response: { 200: MachineHistoryPage, 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse },
      },
      // Nothing new is the same small answer each time: a 304.
      onSend: revalidate,
    },
    async (request) => {
      requireScope(request, 'machines:read');
      const { since } = request.query;
      const cursor = since === undefined ? null : parseHistoryCursor(since);
      const { machines } = hub;
      return historyPage(machines.list(), machines.samples, machines.historySamples, cursor);
    },
  );
}
