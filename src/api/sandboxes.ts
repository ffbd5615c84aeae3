/** Sandboxes: launch, list, look at, follow the events of, keep running, and stop. */
import { Type } from '@sinclair/typebox';
import { ErrorResponse, LaunchRequest, Sandbox, type SandboxEvent } from '../contract/api.js';
import { DEFAULT_PAGE_LIMIT, PageQuery, PageSchema } from '../contract/paging.js';
import { ClosingTunnel } from '../proxy/open-tunnels.js';
import { keepRunning } from '../sandboxes/culling/keep.js';
import { OUTCOME_STATES, TERMINAL_STATES, type SandboxState } from '../contract/sandbox-states.js';
import { requireScope } from './identity.js';
import type { App, RouteOptions } from './types.js';
import { audited } from './audit.js';
import { startEventStream } from './event-stream.js';

const Id = Type.Object({ id: Type.String({ maxLength: 64 }) });
const Flag = Type.Union([Type.Literal('true'), Type.Literal('false')]);

export async function sandboxRoutes(app: App, { hub }: RouteOptions): Promise<void> {
  app.post(
    '/api/sandboxes',
    {
      schema: {
        tags: ['sandboxes'],
        summary: 'Launch a sandbox; answers at once, follow /events to see it come up',
        body: LaunchRequest,
        response: { 202: Sandbox, 400: ErrorResponse, 401: ErrorResponse, 409: ErrorResponse, 503: ErrorResponse },
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
        summary:
          "A page of your live sandboxes, oldest first; `ended=true` adds stopped and failed ones, newest first; `all=true` shows everyone's to admins; `q` searches names (and owners', among everyone's)",
        querystring: Type.Object({ all: Type.Optional(Flag), ended: Type.Optional(Flag), ...PageQuery }, { additionalProperties: false }),
        response: { 200: PageSchema(Sandbox), 400: ErrorResponse, 401: ErrorResponse },
      },
    },
    async (request) => {
      const { all, ended, limit, cursor, q } = request.query;
      return hub.sandboxes.list(requireScope(request, 'sandboxes:read'), {
        all: all === 'true',
        ended: ended === 'true',
        limit: Number(limit ?? DEFAULT_PAGE_LIMIT),
        cursor,
        q,
      });
    },
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

  app.post(
    '/api/sandboxes/:id/keep',
    {
      schema: {
        tags: ['sandboxes'],
        summary:
          'Keep it running: counts as activity now and calls off an idle warning; the maximum age (culling.maxAgeHours) is not postponed (docs/culling.md)',
        params: Id,
        response: { 200: Sandbox, 401: ErrorResponse, 404: ErrorResponse, 503: ErrorResponse },
      },
    },
    async (request) => {
      const actor = requireScope(request, 'sandboxes:launch');
      return audited(hub, request, { action: 'sandbox.keep', target: request.params.id }, async () => {
        await keepRunning(hub, actor, request.params.id);
        return hub.sandboxes.get(actor, request.params.id);
      });
    },
  );

  app.get(
    '/api/sandboxes/:id/events',
    {
      schema: {
        tags: ['sandboxes'],
        summary:
          'Server-sent events of the sandbox: its history, then each new event; ends once it is running, stopped or failed ' +
          '(`follow=true`: only when it stops or fails), or when the credential that opened it ends',
        params: Id,
        querystring: Type.Object({ follow: Type.Optional(Flag) }, { additionalProperties: false }),
        response: { 401: ErrorResponse, 404: ErrorResponse },
      },
    },
    async (request, reply) => {
      const identity = requireScope(request, 'sandboxes:read');
      const row = await hub.sandboxes.visible(identity, request.params.id);
      const afterId = Number(request.headers['last-event-id'] ?? 0) || 0;
      // A plain stream ends at a launch's outcome, which is what `curl …/events`, the CLI's `launch`
      // and the dashboard's progress wait for; `?follow=true` keeps it open through later states
      // (unknown, running again, stopping) until the sandbox is stopped or failed.
      const endsAt: readonly SandboxState[] = request.query.follow === 'true' ? TERMINAL_STATES : OUTCOME_STATES;
      const queued: SandboxEvent[] = [];
      let replaying = true;
      const unsubscribe = hub.events.subscribe(row.id, (e) => (replaying ? queued.push(e) : send(e)));
      const stream = startEventStream(request, reply, unsubscribe);
      const finish = stream.end;
      let lastSent = afterId;
      const send = (event: SandboxEvent) => {
        if (event.id <= lastSent) return;
        lastSent = event.id;
        stream.send(event.id, event.state, event);
        if (!replaying && endsAt.includes(event.state)) finish();
      };
      // The stream ends with the credential that opened it (sign-out, revocation, disabling, demotion).
      const tunnel = new ClosingTunnel('events', identity, row.id, row.user_id !== identity.userId, finish);
      if (!hub.tunnels.track(tunnel, stream.res, request.tunnelEndings)) {
        // Ended meanwhile, or the client has already gone (then its close was missed): stop here.
        finish();
        return;
      }
      // Subscribe first, then replay: nothing that happens in between is lost or sent twice. The
      // whole history is replayed (a sandbox that ran and then stopped shows both); where it
      // stands now decides whether the stream ends here, so a client resuming with
      // Last-Event-ID after the outcome is not left waiting for an event that never comes.
      const history = await hub.events.history(row.id);
      const seen = [...history, ...queued];
      for (const e of seen) send(e);
      replaying = false;
      const current = seen.reduce<SandboxEvent | undefined>((latest, e) => (latest && latest.id > e.id ? latest : e), undefined);
      if (current && endsAt.includes(current.state)) finish();
    },
  );
}
