/**
 * Whether a machine sees the shared homes: the hub writes a marker file into homes.root at
 * start (its deployment id and a random value), and a short job on each machine reads it there
 * through a read-only mount. A machine whose homes.root is missing, lacks the marker or holds
 * another one would give users an empty or someone else's home: it is not ready, with the
 * reason, and gets no launches (registry.ts, capacityOf). See docs/storage.md, "Homes on every
 * machine".
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { RuntimeError, type JobResult } from '../runtime/types.js';
import type { JobRunner, JobSpec } from './jobs.js';

/**
 * The marker's name inside homes.root: a dot file, so it never reads as a user's home, named
 * after the deployment, so two hubs sharing one homes filesystem (production and staging, or
 * two test runs) do not overwrite each other's marker and mark each other's machines not ready.
 */
export function markerName(deploymentId: string): string {
  return `.shiva-homes-${deploymentId}`;
}
const ROOT_IN_JOB = '/homes';
const JOB_TIMEOUT_MS = 30_000;

/**
 * Makes `root` 0700 (made so if missing) and returns the mode it had when that was looser, else
 * null. Nobody but root and the hub's account needs to walk into homes.root: engines bind each
 * home as root and jobs run as root. A looser root would let any local account reach into a home
 * that its owner opened up, and run what root in a `sudo` sandbox left there (a setuid-root copy
 * of a shell keeps its owner and mode on the host). Throws when the hub may not change it.
 */
export async function keepHomesRootPrivate(root: string): Promise<number | null> {
  await mkdir(root, { recursive: true, mode: 0o700 });
  const mode = (await stat(root)).mode & 0o777;
  if ((mode & 0o077) === 0) return null;
  await chmod(root, 0o700);
  return mode;
}

/**
 * Writes a fresh marker into `root` (made 0700 if missing) and returns its value: written to a
 * temporary file and renamed over the marker, so a machine reading it sees the old or the new
 * value, never half of one. 0644: the job reads it without privileges beyond DAC_READ_SEARCH.
 */
export async function writeHomesMarker(root: string, deploymentId: string): Promise<string> {
  const value = `${deploymentId} ${randomBytes(16).toString('hex')}`;
  await mkdir(root, { recursive: true, mode: 0o700 });
  const temporary = path.join(root, `${markerName(deploymentId)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeFile(temporary, `${value}\n`, { mode: 0o644, flag: 'wx' });
    await rename(temporary, path.join(root, markerName(deploymentId)));
  } catch (err) {
    await rm(temporary, { force: true });
    throw err;
  }
  return value;
}

/** The job that reads the marker on one machine: homes.root read-only, as root that may only read and search. */
export function markerJob(args: { root: string; deploymentId: string; machine: string }): JobSpec {
  return {
    name: `homes-marker:${args.deploymentId}:${args.machine}`,
    command: ['cat', `${ROOT_IN_JOB}/${markerName(args.deploymentId)}`],
    mounts: [{ hostPath: args.root, containerPath: ROOT_IN_JOB, readOnly: true }],
    user: '0:0',
    capabilities: ['DAC_READ_SEARCH'],
    timeoutMs: JOB_TIMEOUT_MS,
  };
}

/** Why the machine's view of `root` is not the hub's, from the job's result; null when it is. */
export function markerVerdict(result: JobResult, expected: string, root: string, marker: string): string | null {
  if (result.exitCode !== 0) {
    return `homes.root ${root} on this machine lacks the hub's marker ${marker}: it is not the shared homes filesystem (is it mounted there?)`;
  }
  if (result.output.trim() !== expected) {
    return `homes.root ${root} on this machine holds another marker than the one this hub wrote: it is another filesystem than the hub's`;
  }
  return null;
}

export interface HomesCheckOptions {
  root: string;
  /** The marker's value, as writeHomesMarker returned it. */
  expected: string;
  deploymentId: string;
  /** How long a verdict stands (homes.checkIntervalSeconds), in milliseconds. */
  intervalMs: number;
}

/** Checks one machine's view of homes.root through a job there. */
export class HomesCheck {
  constructor(readonly options: HomesCheckOptions) {}

  /** How long a verdict stands before the next health check asks again. */
  get intervalMs(): number {
    return this.options.intervalMs;
  }

  /** Null when the machine sees the hub's homes; else why not, in words for an admin. */
  async check(machine: { name: string; jobs: JobRunner }): Promise<string | null> {
    const { root, expected, deploymentId } = this.options;
    let result: JobResult;
    try {
      result = await machine.jobs.run(markerJob({ root, deploymentId, machine: machine.name }));
    } catch (err) {
      if (err instanceof RuntimeError && err.kind === 'mount_missing') {
        return `homes.root ${root} does not exist on this machine: mount the shared homes there`;
      }
      if (err instanceof RuntimeError && err.kind === 'image_not_found') {
        return `the homes could not be checked: the image ${machine.jobs.image} is not on this machine and could not be pulled`;
      }
      return `the homes could not be checked: ${(err as Error).message}`;
    }
    return markerVerdict(result, expected, root, markerName(deploymentId));
  }
}
