/**
 * The SSH gateway's series: shiva_ssh_sessions (open shells, commands, SFTP servers and
 * forwarded connections now) and shiva_ssh_auth_failures_total{reason} (connections that ended
 * without signing in, by the last reason a key was refused or too_many_waiting; every reason present from the start
 * at 0, so a rate over it never starts from a missing series).
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import { REFUSAL_REASONS, type RefusalReason } from '../ssh/authentication.js';

/** Why a connection did not sign in: a key's refusal, or no room to wait (waiting-room.ts). */
export type SshFailure = RefusalReason | 'too_many_waiting';

const REASONS: readonly SshFailure[] = [...REFUSAL_REASONS, 'too_many_waiting'];

export class SshCounts {
  private readonly sessions: Gauge;
  private readonly failures: Counter<'reason'>;

  constructor(registry: Registry) {
    this.sessions = new Gauge({
      name: 'shiva_ssh_sessions',
      help: 'SSH sessions open through the gateway: shells, commands, SFTP servers and forwarded connections',
      registers: [registry],
    });
    this.failures = new Counter({
      name: 'shiva_ssh_auth_failures_total',
      help: 'SSH connections that ended without signing in, by the last reason a key was refused',
      labelNames: ['reason'],
      registers: [registry],
    });
    for (const reason of REASONS) this.failures.inc({ reason }, 0);
  }

  opened(): void {
    this.sessions.inc();
  }

  closed(): void {
    this.sessions.dec();
  }

  failed(reason: SshFailure): void {
    this.failures.inc({ reason });
  }
}
