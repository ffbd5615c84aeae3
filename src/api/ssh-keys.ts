/**
 * SSH keys and the gateway's address (docs/ssh.md): list, add and remove your public keys, and
 * read what to put in ~/.ssh/config and known_hosts. Removing a key closes the SSH connections
 * it signed in, at once (src/auth/end-credentials.ts).
 */
import { randomBytes } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import { AddSshKeyRequest, ErrorResponse, SshGatewayInfo, SshKey } from '../contract/api.js';
import { ShivaError } from '../contract/errors.js';
import { SSH_KEYS_MAX_PER_USER, SSH_USER_SEPARATOR } from '../contract/ssh.js';
import { parsePublicKey } from '../ssh/public-keys.js';
import type { SshKeyRow } from '../store/ssh-keys.js';
import { audited } from './audit.js';
import { requireScope, requireUser } from './identity.js';
import type { App, RouteOptions } from './types.js';

const toSshKey = (row: SshKeyRow): SshKey => ({
  id: row.id,
  name: row.name,
  algorithm: row.algorithm,
  fingerprint: row.fingerprint,
  createdAt: row.created_at,
  lastUsedAt: row.last_used_at,
  lastUsedFrom: row.last_used_address,
});

export async function sshKeyRoutes(app: App, { hub }: RouteOptions): Promise<void> {
  app.get(
    '/api/ssh',
    { schema: { tags: ['ssh'], summary: "The SSH gateway's host, port and host key", response: { 200: SshGatewayInfo, 401: ErrorResponse } } },
    async (request): Promise<SshGatewayInfo> => {
      requireUser(request);
      const { ssh } = hub.config;
      const key = hub.sshHostKey;
      return {
        enabled: ssh.enabled,
        host: ssh.enabled ? (ssh.publicHost ?? new URL(hub.publicUrl).hostname) : null,
        port: ssh.enabled ? (ssh.publicPort ?? ssh.port) : null,
        hostKey: key ? { algorithm: key.algorithm, fingerprint: key.fingerprint, publicKey: key.publicKey } : null,
        userSeparator: SSH_USER_SEPARATOR,
      };
    },
  );

  app.get(
    '/api/ssh-keys',
    { schema: { tags: ['ssh'], summary: 'Your SSH public keys, oldest first', response: { 200: Type.Array(SshKey), 401: ErrorResponse, 403: ErrorResponse } } },
    async (request) => (await hub.sshKeys.listByUser(requireScope(request, 'ssh-keys:write').userId)).map(toSshKey),
  );

  app.post(
    '/api/ssh-keys',
    {
      schema: {
        tags: ['ssh'],
        summary: 'Add an SSH public key: it signs in as you, and only as you',
        body: AddSshKeyRequest,
        response: { 201: SshKey, 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 409: ErrorResponse },
      },
    },
    async (request, reply) => {
      const identity = requireScope(request, 'ssh-keys:write');
      const row = await audited(hub, request, { action: 'ssh-key.add', target: identity.username }, async () => {
        const key = parsePublicKey(request.body.publicKey);
        const added: SshKeyRow = {
          id: `key_${randomBytes(6).toString('hex')}`,
          user_id: identity.userId,
          name: (request.body.name ?? (key.comment || key.algorithm)).slice(0, 64),
          algorithm: key.algorithm,
          fingerprint: key.fingerprint,
          public_key: key.line,
          created_at: new Date().toISOString(),
          last_used_at: null,
          last_used_address: null,
        };
        const outcome = await hub.sshKeys.add(added, SSH_KEYS_MAX_PER_USER);
        if (outcome === 'in_use') throw new ShivaError('SSH_KEY_IN_USE');
        if (outcome === 'limit') throw new ShivaError('SSH_KEY_LIMIT_REACHED', `You may keep ${SSH_KEYS_MAX_PER_USER} SSH keys; remove one first.`);
        return added;
      });
      return reply.code(201).send(toSshKey(row));
    },
  );

  app.delete(
    '/api/ssh-keys/:id',
    {
      schema: {
        tags: ['ssh'],
        summary: 'Remove one of your SSH keys; the SSH connections it signed in close at once',
        params: Type.Object({ id: Type.String({ maxLength: 64 }) }),
        response: { 204: Type.Null(), 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse },
      },
    },
    async (request, reply) => {
      const identity = requireScope(request, 'ssh-keys:write');
      await audited(hub, request, { action: 'ssh-key.remove', target: request.params.id }, async () => {
        const ended = await hub.endCredentials({ kind: 'ssh-key', keyId: request.params.id, userId: identity.userId }, 'SSH key removed');
        if (ended.sshKeys === 0) throw new ShivaError('SSH_KEY_NOT_FOUND');
      });
      return reply.code(204).send(null);
    },
  );
}
