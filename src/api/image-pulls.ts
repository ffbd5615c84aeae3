/**
 * Pulls of catalogue images to the machines, for admins: ask for one (to every machine or one),
 * see the current and recent ones, and follow them as server-sent events.
 */
import { Type } from '@sinclair/typebox';
import { ErrorResponse, ImagePull, ImagePullsQueued, PullImageRequest } from '../contract/api.js';
import { ClosingTunnel } from '../proxy/open-tunnels.js';
import { audited } from './audit.js';
import { startEventStream } from './event-stream.js';
import { requireAdmin } from './identity.js';
import type { App, RouteOptions } from './types.js';

/** What the stream's tunnel follows, in the log's `sandbox` field: no sandbox but all pulls. */
const PULLS_STREAM = 'image-pulls';

export async function imagePullRoutes(app: App, { hub }: RouteOptions): Promise<void> {
  app.post(
    '/api/images/:name/pull',
    {
      schema: {
        tags: ['catalogue'],
        summary:
          'Pull a catalogue image to every machine, or to `machine`, in the background (admins only); answers 202 with each machine\'s pull, followed on /api/images/pulls/events',
        params: Type.Object({ name: Type.String({ maxLength: 64 }) }),
        body: Type.Union([PullImageRequest, Type.Null()]),
        response: { 202: ImagePullsQueued, 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse },
      },
    },
    async (request, reply) => {
      const admin = requireAdmin(request);
      const { name } = request.params;
      const machine = request.body?.machine;
      const pulls = await audited(hub, request, { action: 'image.pull', target: name, details: { machine: machine ?? null } }, async () =>
        hub.imagePulls.request(name, machine, admin.username),
      );
      return reply.code(202).send({ image: name, pulls });
    },
  );

  app.get(
    '/api/images/pulls',
    {
      schema: {
        tags: ['catalogue'],
        summary: 'The image pulls under way and the recent ended ones, oldest first (admins only)',
        response: { 200: Type.Array(ImagePull), 401: ErrorResponse, 403: ErrorResponse },
      },
    },
    async (request) => {
      requireAdmin(request);
      return hub.imagePulls.list();
    },
  );

  app.get(
    '/api/images/pulls/events',
    {
      schema: {
        tags: ['catalogue'],
        summary:
          'Server-sent events of the image pulls (admins only): each pull as it stands, then each change, named after its state; ' +
          'Last-Event-ID resumes after an event; it ends when the credential that opened it ends',
        response: { 401: ErrorResponse, 403: ErrorResponse },
      },
    },
    async (request, reply) => {
      const identity = requireAdmin(request);
      const after = Number(request.headers['last-event-id'] ?? 0) || 0;
      let unsubscribe = (): void => undefined;
      const stream = startEventStream(request, reply, () => unsubscribe());
      let lastSent = after;
      const send = (event: number, pull: ImagePull): void => {
        if (event <= lastSent) return;
        lastSent = event;
        stream.send(event, pull.state, pull);
      };
      // Admin rights opened it: it ends with the credential, and with the admin's demotion.
      if (!hub.tunnels.track(new ClosingTunnel('events', identity, PULLS_STREAM, true, stream.end), stream.res, request.tunnelEndings)) {
        stream.end();
        return;
      }
      // Replayed and subscribed in one go, with nothing awaited between: no change is lost or sent twice.
      for (const { event, pull } of hub.imagePulls.changesSince(after)) send(event, pull);
      unsubscribe = hub.imagePulls.subscribe(send);
    },
  );
}
