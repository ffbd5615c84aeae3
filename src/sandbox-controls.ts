/**
 * The hub's side of Jupyter's Logout and Quit and of the notebook page's idle-stop notice
 * (proxy/jupyter-controls.ts says when the proxy asks): signing out ends the hub session the
 * browser's sandbox cookie stands for, as the dashboard's sign-out does; quitting stops the
 * sandbox as `DELETE /api/sandboxes/:id` does; keeping it running does what
 * `POST /api/sandboxes/:id/keep` does. Each is audited like its API counterpart (`auth.logout`,
 * `sandbox.stop`, `sandbox.keep`), with `details.from: 'jupyter'`.
 */
import type { CredentialSelector, EndedCredentials } from './auth/end-credentials.js';
import { isShivaError } from './contract/errors.js';
import type { SandboxControls } from './proxy/jupyter-controls.js';
import type { ProxyIdentity } from './proxy/types.js';
import type { SandboxService } from './sandboxes/service.js';
import { keepRunning, type KeepDeps } from './sandboxes/culling/keep.js';
import type { PendingStops } from './sandboxes/culling/pending-stops.js';
import type { AuditEntry, AuditRepository } from './store/audit.js';

export interface SandboxControlDeps {
  audit: AuditRepository;
  sandboxes: SandboxService;
  /** The stops the culler has warned of, and what Keep it running needs. */
  idleStops: Pick<PendingStops, 'view'>;
  keep: Omit<KeepDeps, 'sandboxes'>;
  endCredentials(selector: CredentialSelector, reason: string): Promise<EndedCredentials>;
}

export function sandboxControls(deps: SandboxControlDeps): SandboxControls {
  /** Runs `work` and records it as `action` by `identity`: ok, refused (a ShivaError's code) or failed. */
  async function audited(identity: ProxyIdentity, address: string | null, action: Omit<AuditEntry, 'actor' | 'address' | 'result'>, work: () => Promise<unknown>): Promise<void> {
    const entry = { ...action, actor: identity.username, address, details: { ...action.details, from: 'jupyter' } };
    try {
      await work();
    } catch (err) {
      const refused = isShivaError(err);
      await deps.audit.record({ ...entry, result: refused ? 'refused' : 'failed', details: { ...entry.details, error: refused ? err.code : 'INTERNAL' } });
      throw err;
    }
    await deps.audit.record({ ...entry, result: 'ok' });
  }

  return {
    signOut: (identity, address) =>
      audited(identity, address, { action: 'auth.logout', details: { everywhere: false } }, async () => {
        if (identity.credentialId !== null) await deps.endCredentials({ kind: 'session', sessionId: identity.credentialId }, 'signed out');
      }),
    idleStop: (route) => deps.idleStops.view(route.sandboxId),
    keep: (identity, route, address) =>
      audited(identity, address, { action: 'sandbox.keep', target: route.sandboxId }, () =>
        keepRunning({ ...deps.keep, sandboxes: deps.sandboxes }, { userId: identity.userId, username: identity.username, admin: identity.admin }, route.sandboxId),
      ),
    stop: (identity, route, address) =>
      audited(identity, address, { action: 'sandbox.stop', target: route.sandboxId }, () =>
        deps.sandboxes.stop({ userId: identity.userId, username: identity.username, admin: identity.admin }, route.sandboxId),
      ),
  };
}
