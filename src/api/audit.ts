/**
 * The audit log through the API: `audited` records one action of a request, `GET /api/audit`
 * lets admins read them back with filters, newest first, a page at a time.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { AuditEntryView, ErrorResponse } from '../contract/api.js';
import { LogPageQuery, LogPageSchema, nextBefore } from '../contract/paging.js';
import { isShivaError } from '../contract/errors.js';
import { isValidName } from '../contract/names.js';
import type { Hub } from '../hub.js';
import type { AuditEntry } from '../store/audit.js';
import { requireAdmin } from './identity.js';
import type { App, RouteOptions } from './types.js';

/**
 * What an audit entry says beyond who, where and how it ended. `targetOf` names the target from
 * the result where only the work itself decides it (a launch without a name gets one there);
 * `target` is kept when the work is refused or fails.
 */
type Action<T> = Omit<AuditEntry, 'actor' | 'address' | 'result'> & { actor?: string | null; targetOf?: (result: T) => string };

/**
 * The actor of an attempt that names a user who has not proven who they are (a sign-in, HTTP
 * Basic): the name when it could be an account's, else null with the name kept in the details,
 * so that no one can write entries under a name no account has, such as the hub's own
 * `hub:reconciler` (src/store/audit.ts).
 */
export function claimedActor(name: string | undefined | null): { actor: string | null; details: Record<string, unknown> } {
  if (name === undefined || name === null) return { actor: null, details: {} };
  const valid: boolean = isValidName(name);
  return valid ? { actor: name, details: {} } : { actor: null, details: { attempted: name.slice(0, 64) } };
}

/**
 * Runs `work` and records it: `ok` when it returns, `refused` (with the error code) when it
 * throws an error meant for the user, `failed` otherwise. The error is rethrown unchanged.
 */
export async function audited<T>(hub: Hub, request: FastifyRequest, what: Action<T>, work: () => Promise<T>): Promise<T> {
  const { targetOf, ...action } = what;
  const actor = action.actor !== undefined ? action.actor : (request.identity?.username ?? null);
  try {
    const result = await work();
    await hub.audit.record({ ...action, ...(targetOf ? { target: targetOf(result) } : {}), actor, address: request.ip, result: 'ok' });
    return result;
  } catch (err) {
    const refused = isShivaError(err);
    await hub.audit.record({
      ...action,
      actor,
      address: request.ip,
      result: refused ? 'refused' : 'failed',
      details: { ...action.details, error: refused ? err.code : 'INTERNAL' },
    });
    throw err;
  }
}

const AuditQuery = Type.Object(
  {
    actor: Type.Optional(Type.String({ maxLength: 256 })),
    action: Type.Optional(Type.String({ maxLength: 64 })),
    result: Type.Optional(Type.Union([Type.Literal('ok'), Type.Literal('refused'), Type.Literal('failed')])),
    since: Type.Optional(Type.String({ format: 'date-time' })),
    until: Type.Optional(Type.String({ format: 'date-time' })),
    ...LogPageQuery,
  },
  { additionalProperties: false },
);

export async function auditRoutes(app: App, { hub }: RouteOptions): Promise<void> {
  app.get(
    '/api/audit',
    {
      schema: {
        tags: ['audit'],
        summary: 'The audit log, newest first, with filters and paging (admins only)',
        querystring: AuditQuery,
        response: {
          200: LogPageSchema(AuditEntryView),
          400: ErrorResponse,
          401: ErrorResponse,
          403: ErrorResponse,
        },
      },
    },
    async (request) => {
      requireAdmin(request);
      const q: Static<typeof AuditQuery> = request.query;
      const limit = Number(q.limit ?? 100);
      const rows = await hub.audit.find({
        actor: q.actor,
        action: q.action,
        result: q.result,
        since: q.since,
        until: q.until,
        before: q.before ? Number(q.before) : undefined,
        limit,
      });
      return {
        entries: rows.map((r) => ({
          id: r.id,
          at: r.at,
          actor: r.actor,
          action: r.action,
          target: r.target,
          result: r.result,
          address: r.address,
          details: r.details ? (JSON.parse(r.details) as Record<string, unknown>) : null,
        })),
        nextBefore: nextBefore(rows, limit),
      };
    },
  );
}
