/**
 * The `cephfs` backend: CephFS keeps each directory's recursive size (`ceph.dir.rbytes`) and
 * enforces `ceph.quota.max_bytes` on it, so usage is read at once, without a walk, and the limit
 * is the filesystem's. The commands (getfattr, setfattr from the attr package) run on the hub,
 * which must mount homes.root from CephFS with a client that may set quotas.
 */
import path from 'node:path';
import { runChecked, type CommandRunner } from './command.js';
import type { HomeOwner, QuotaEnforcer } from './types.js';

export interface CephfsOptions {
  homesRoot: string;
  run: CommandRunner;
  timeoutMs: number;
}

export class CephfsEnforcer implements QuotaEnforcer {
  readonly backend = 'cephfs';

  constructor(private readonly options: CephfsOptions) {}

  private home(owner: HomeOwner): string {
    return path.join(this.options.homesRoot, owner.username);
  }

  /** setfattr's arguments; CephFS reads a max_bytes of 0 as no limit. */
  applyArgs(owner: HomeOwner, limitBytes: number | null): string[] {
    return ['-n', 'ceph.quota.max_bytes', '-v', String(limitBytes ?? 0), this.home(owner)];
  }

  /** getfattr's arguments for one home's recursive bytes. */
  measureArgs(owner: HomeOwner): string[] {
    return ['--only-values', '--absolute-names', '-n', 'ceph.dir.rbytes', this.home(owner)];
  }

  async apply(owner: HomeOwner, limitBytes: number | null): Promise<void> {
    await runChecked(this.options.run, 'setfattr', this.applyArgs(owner, limitBytes), this.options.timeoutMs);
  }

  async measure(owners: readonly HomeOwner[]): Promise<Map<string, number>> {
    const figures = new Map<string, number>();
    let firstError: Error | null = null;
    for (const o of owners) {
      try {
        const value = (await runChecked(this.options.run, 'getfattr', this.measureArgs(o), this.options.timeoutMs)).trim();
        if (!/^\d+$/.test(value)) throw new Error(`getfattr gave ${JSON.stringify(value.slice(0, 80))} for ${this.home(o)}, not a number of bytes`);
        figures.set(o.username, Number(value));
      } catch (err) {
        firstError ??= err as Error;
      }
    }
    if (figures.size === 0 && firstError) throw firstError;
    return figures;
  }
}
