/**
 * Admins entering other users' sandboxes with a bearer token (the CLI or a script) or an SSH key
 * (the SSH gateway), written to
 * the audit log as `sandbox.admin-access` and to the sandbox's events, where its owner sees it,
 * as the sign-in handshake does for browsers (api/sandbox-sign-in.ts). The proxy reports every
 * such request; one entry per token and sandbox per hour is kept, so a kernel's traffic does not
 * flood the log, while a token that comes back later is seen again.
 */
import type { AuditRepository } from '../store/audit.js';
import type { SandboxRepository } from '../store/sandboxes.js';
import type { SandboxEvents } from './events.js';
import type { Logger } from './types.js';

/** How long one token's entries into one sandbox make one audit entry. */
export const ADMIN_ENTRY_PERIOD_MS = 3_600_000;
/** Remembered (token, sandbox) pairs at most; the oldest are forgotten first. */
const MAX_REMEMBERED = 10_000;

export interface AdminEntryDeps {
  audit: AuditRepository;
  events: SandboxEvents;
  repo: SandboxRepository;
  log: Logger;
  /** Milliseconds since the epoch; Date.now unless a test says otherwise. */
  now?: () => number;
}

export class AdminEntries {
  readonly #deps: AdminEntryDeps;
  readonly #seen = new Map<string, number>();

  constructor(deps: AdminEntryDeps) {
    this.#deps = deps;
  }

  /**
   * Notes that `admin`, with the token or SSH key `tokenId` (`via`), was let into `sandboxId` from `address`.
   * Returns the write when one is made (tests await it), else null. Never throws: a failed write
   * is logged.
   */
  note(admin: string, tokenId: string, sandboxId: string, address: string | null, via: 'token' | 'ssh' = 'token'): Promise<void> | null {
    const now = (this.#deps.now ?? Date.now)();
    const key = `${tokenId}\n${sandboxId}`;
    const last = this.#seen.get(key);
    if (last !== undefined && now - last < ADMIN_ENTRY_PERIOD_MS) return null;
    this.#seen.delete(key);
    this.#seen.set(key, now);
    if (this.#seen.size > MAX_REMEMBERED) this.#seen.delete(this.#seen.keys().next().value as string);
    return this.#write(admin, sandboxId, address, via).catch((err: Error) =>
      this.#deps.log.warn({ err: err.message, sandboxId, admin }, 'recording an admin entry into a sandbox failed'),
    );
  }

  async #write(admin: string, sandboxId: string, address: string | null, via: 'token' | 'ssh'): Promise<void> {
    const row = await this.#deps.repo.byId(sandboxId);
    const target = row ? `${row.username}/${row.name}` : sandboxId;
    await this.#deps.audit.record({ actor: admin, action: 'sandbox.admin-access', target, result: 'ok', address });
    if (row) {
      const how = via === 'ssh' ? 'over SSH' : 'with an API token';
      await this.#deps.events.record(row.id, row.state, `The admin ${admin} opened this sandbox ${how}.`, null, {
        code: via === 'ssh' ? 'admin_ssh_opened' : 'admin_token_opened',
        params: { admin },
      });
    }
    this.#deps.log.info({ admin, sandbox: target, via }, 'an admin opened another user\'s sandbox');
  }
}
