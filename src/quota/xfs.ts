/**
 * The `xfs` backend: an XFS project quota per home, a hard block limit the kernel enforces. A
 * user's project id is `storage.quota.xfs.projectIdBase + user id`, so it never changes. The
 * commands run on the hub, as root, against the filesystem mounted at `mountPoint` (which holds
 * homes.root); the filesystem must be mounted with `prjquota`. Usage comes from one report of
 * every project, in 1 KiB blocks.
 */
import path from 'node:path';
import { runChecked, type CommandRunner } from './command.js';
import type { HomeOwner, QuotaEnforcer } from './types.js';

export interface XfsOptions {
  homesRoot: string;
  mountPoint: string;
  projectIdBase: number;
  run: CommandRunner;
  timeoutMs: number;
}

/** `xfs_quota -x -c 'report -p -b -n -N'` lines: `#<project id> <used KiB> <soft> <hard> …`. */
export function parseXfsReport(output: string): Map<number, number> {
  const used = new Map<number, number>();
  for (const line of output.split('\n')) {
    const m = /^#(\d+)\s+(\d+)\s/.exec(line.trim() + ' ');
    if (m) used.set(Number(m[1]), Number(m[2]) * 1024);
  }
  return used;
}

export class XfsEnforcer implements QuotaEnforcer {
  readonly backend = 'xfs';

  constructor(private readonly options: XfsOptions) {}

  projectId(owner: HomeOwner): number {
    return this.options.projectIdBase + owner.userId;
  }

  /** The argument lists of xfs_quota that set a home's project and its hard limit (0: none). */
  applyCommands(owner: HomeOwner, limitBytes: number | null): string[][] {
    const id = this.projectId(owner);
    const home = path.join(this.options.homesRoot, owner.username);
    return [
      ['-x', '-c', `project -s -p ${home} ${id}`, this.options.mountPoint],
      ['-x', '-c', `limit -p bhard=${limitBytes ?? 0} ${id}`, this.options.mountPoint],
    ];
  }

  async apply(owner: HomeOwner, limitBytes: number | null): Promise<void> {
    for (const args of this.applyCommands(owner, limitBytes)) await runChecked(this.options.run, 'xfs_quota', args, this.options.timeoutMs);
  }

  async measure(owners: readonly HomeOwner[]): Promise<Map<string, number>> {
    const output = await runChecked(this.options.run, 'xfs_quota', ['-x', '-c', 'report -p -b -n -N', this.options.mountPoint], this.options.timeoutMs);
    const used = parseXfsReport(output);
    const figures = new Map<string, number>();
    // A home without a project yet has no line: it is not measured (apply gives it one).
    for (const o of owners) {
      const bytes = used.get(this.projectId(o));
      if (bytes !== undefined) figures.set(o.username, bytes);
    }
    return figures;
  }
}
