/** Sandboxes: launch, list, look at, follow the events of, and stop. */
import { Type } from '@sinclair/typebox';
import { ErrorResponse, LaunchRequest, Sandbox } from '../contract/api.js';
import { ClosingTunnel } from '../proxy/open-tunnels.js';
import { TERMINAL_STATES } from '../store/sandboxes.js';
import { requireScope } from './identity.js';
import type { App, RouteOptions } from './types.js';
import { audited } from './audit.js';

const Id = Type.Object({ id: Type.String({ maxLength: 64 }) });
const Flag = Type.Union([Type.Literal('true'), Type.Literal('false')]);
const HEARTBEAT_MS = 15_000;

export async function sandboxRoutes(app: App, { hub }: RouteOptions): Promise<void> {
  app.post(
    '/api/sandboxes',
    {
      schema: {
        tags: ['sandboxes'],
        summary: 'Launch a sandbox; answers at once, follow /events to see it come up',
        body: LaunchRequest,
        response: { 202: Sandbox, 400: ErrorResponse, 401: ErrorResponse, 409: ErrorResponse },
      },
    },
    async (request, reply) => {
      const actor = requireScope(request, 'sandboxes:launch');
      // Without a name the service picks one; the entry names the one it picked, and a refused
      // launch (nothing picked) says that none was given.
      const target = `${actor.username}/${request.body.name ?? '(no name given)'}`;
      const targetOf = (launched: Sandbox) => `${actor.username}/${launched.name}`;
      const { name: _name, ...resources } = request.body;
      const sandbox = await audited(hub, request, { action: 'sandbox.launch', target, targetOf, details: resources }, () =>
        hub.sandboxes.launch(actor, request.body),
      );
      return reply.code(202).header('location', `/api/sandboxes/${sandbox.id}`).send(sandbox);
    },
  );

  app.get(
    '/api/sandboxes',
    {
      schema: {
        tags: ['sandboxes'],
        summary: 'Your live sandboxes; `ended=true` adds recent stopped and failed ones; `all=true` shows everyone\'s to admins',
        querystring: Type.Object({ all: Type.Optional(Flag), ended: Type.Optional(Flag) }, { additionalProperties: false }),
        response: { 200: Type.Array(Sandbox), 401: ErrorResponse },
      },
    },
    async (request) =>
      hub.sandboxes.list(requireScope(request, 'sandboxes:read'), { all: request.query.all === 'true', includeEnded: request.query.ended === 'true' }),
  );

  app.get(
    '/api/sandboxes/:id',
    { schema: { tags: ['sandboxes'], summary: 'One sandbox', params: Id, response: { 200: Sandbox, 401: ErrorResponse, 404: ErrorResponse } } },
    async (request) => hub.sandboxes.get(requireScope(request, 'sandboxes:read'), request.params.id),
  );

  app.delete(
    '/api/sandboxes/:id',
    {
      schema: {
        tags: ['sandboxes'],
        summary: 'Stop a sandbox: its container is removed, the home stays',
        params: Id,
        response: { 200: Sandbox, 401: ErrorResponse, 404: ErrorResponse },
      },
    },
    async (request) => {
      const actor = requireScope(request, 'sandboxes:launch');
      return audited(hub, request, { action: 'sandbox.stop', target: request.params.id }, () => hub.sandboxes.stop(actor, request.params.id));
    },
  );

  app.get(
    '/api/sandboxes/:id/events',
    {
      schema: {
        tags: ['sandboxes'],
        summary: 'Server-sent events of the sandbox: its history, then each new event; ends when it stops or fails, or when the credential that opened it ends',
        params: Id,
        response: { 401: ErrorResponse, 404: ErrorResponse },
      },
    },
    async (request, reply) => {
      const identity = requireScope(request, 'sandboxes:read');
      const row = await hub.sandboxes.visible(identity, request.params.id);
      const afterId = Number(request.headers['last-event-id'] ?? 0) || 0;
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      let lastSent = afterId;
      let ended = false;
      const send = (event: { id: number; state: string }) => {
        if (ended || event.id <= lastSent) return;
        lastSent = event.id;
        res.write(`id: ${event.id}\nevent: ${event.state}\ndata: ${JSON.stringify(event)}\n\n`);
        if (TERMINAL_STATES.includes(event.state as never)) finish();
      };
      const queued: Parameters<typeof send>[0][] = [];
      let replaying = true;
      const unsubscribe = hub.events.subscribe(row.id, (e) => (replaying ? queued.push(e) : send(e)));
      const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
      const finish = () => {
        if (ended) return;
        ended = true;
        unsubscribe();
        clearInterval(heartbeat);
        res.end();
      };
      request.raw.on('close', finish);
      // The stream ends with the credential that opened it (sign-out, revocation, disabling, demotion).
      const tunnel = new ClosingTunnel('events', identity, row.id, row.user_id !== identity.userId, finish);
      if (!hub.tunnels.track(tunnel, res, request.tunnelEndings)) {
        // Ended meanwhile, or the client has already gone (then its close was missed): stop here.
        finish();
        return;
      }
      // Subscribe first, then replay: nothing that happens in between is lost or sent twice.
      for (const e of await hub.events.history(row.id, afterId)) send(e);
      replaying = false;
      for (const e of queued) send(e);
    },
  );
}
