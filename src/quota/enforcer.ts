/** The QuotaEnforcer that `storage.quota.backend` names, wired to what it runs on. */
import type { Config } from '../config/schema.js';
import type { JobRunner } from '../machines/jobs.js';
import { CephfsEnforcer } from './cephfs.js';
import { execRunner, type CommandRunner } from './command.js';
import { MeasureEnforcer } from './measure.js';
import type { QuotaEnforcer } from './types.js';
import { XfsEnforcer } from './xfs.js';

/** A hard backend's single command gets at most this long (they answer at once on a healthy filesystem). */
const COMMAND_TIMEOUT_MS = 30_000;

export interface EnforcerWiring {
  /** The jobs of the machine that measures (measure backend). */
  jobs: () => JobRunner;
  /** How the hard backends run their commands on the hub (tests record them). */
  run?: CommandRunner;
}

export function makeEnforcer(config: Readonly<Config>, wiring: EnforcerWiring): QuotaEnforcer {
  const { quota } = config.storage;
  const homesRoot = config.homes.root!;
  const run = wiring.run ?? execRunner;
  switch (quota.backend) {
    case 'measure':
      return new MeasureEnforcer({ homesRoot, timeoutMs: quota.measureTimeoutSeconds * 1000, jobs: wiring.jobs });
    case 'xfs':
      if (!quota.xfs) throw new Error('storage.quota.backend is xfs: set storage.quota.xfs.mountPoint to the mount point of the XFS filesystem that holds homes.root');
      return new XfsEnforcer({ homesRoot, mountPoint: quota.xfs.mountPoint, projectIdBase: quota.xfs.projectIdBase, run, timeoutMs: COMMAND_TIMEOUT_MS });
    case 'cephfs':
      return new CephfsEnforcer({ homesRoot, run, timeoutMs: COMMAND_TIMEOUT_MS });
  }
}
