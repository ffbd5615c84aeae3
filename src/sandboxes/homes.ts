/**
 * Users' home directories, `<homes.root>/<user>` on the shared filesystem, made and handed to
 * their owner on the machine that mounts them: through a short job on that machine's engine
 * (machines/jobs.ts), so it works the same whether or not the hub itself sees the filesystem.
 * A home made once is remembered (the homes table) and the job runs again only for a new owner
 * or when a machine reports the home missing: a job costs a container start, about half the
 * budget a launch may add to a bare `docker run` (docs/storage.md, "Homes on every machine").
 */
import path from 'node:path';
import { isValidName } from '../contract/names.js';
import type { JobRunner, JobSpec } from '../machines/jobs.js';
import { RuntimeError, type JobResult } from '../runtime/types.js';
import type { HomeOwner } from '../store/homes.js';

export type { HomeOwner } from '../store/homes.js';

/** Where the job sees homes.root. */
const ROOT_IN_JOB = '/homes';
/** A job starts a container from an image already on the machine: seconds, not minutes. */
const JOB_TIMEOUT_MS = 60_000;

/**
 * The job's script. The user name, uid and gid arrive as arguments ($1-$4), never spliced into
 * the text, so no name can become a command. It makes the folder 0700 and gives it to the owner;
 * a folder that exists with that owner is left as it is, one with another owner is given to the
 * new owner (the folder only: its contents are the user's), and nothing else is touched.
 * Exit statuses: 3 a symbolic link stands there, 4 something that is not a folder, 5 mkdir
 * failed, 6 chown failed.
 */
export const MAKE_HOME_SCRIPT = [
  'home="$1/$2"; owner="$3:$4"',
  'if [ -L "$home" ]; then exit 3; fi',
  'if [ -e "$home" ]; then',
  '  [ -d "$home" ] || exit 4',
  '  outcome=kept',
  'else',
  // Another launch's job (on another machine that mounts the same homes) may make it between
  // the test and the mkdir: that is as good, and the loser's "File exists" must not be the last
  // line of the output, where the outcome is read; mkdir's words are kept for a real failure.
  '  why=$(mkdir -m 0700 -- "$home" 2>&1) || [ -d "$home" ] || { echo "$why" >&2; exit 5; }',
  '  outcome=made',
  'fi',
  'if [ "$(stat -c %u:%g -- "$home")" = "$owner" ]; then echo "$outcome"; exit 0; fi',
  'chown -- "$owner" "$home" || exit 6',
  'if [ "$outcome" = made ]; then echo made; else echo owned; fi',
].join('\n');

/** What the job did: made the home, found it as it should be, or gave an existing one to its owner. */
export type HomeOutcome = 'made' | 'kept' | 'owned';

/** A home that could not be made, in words fit for its user (the job's own output goes to the log). */
export class HomeError extends Error {
  constructor(
    message: string,
    /** The job's output or the engine's words, for the log only. */
    readonly detail: string,
  ) {
    super(message);
    this.name = 'HomeError';
  }
}

/**
 * The job that makes `username`'s home on one machine: homes.root mounted read-write (a machine
 * without it fails the job), run as root with all capabilities dropped but CHOWN (to hand the
 * folder over) and DAC_OVERRIDE (to make it in a root the hub's user may own, and to look into
 * homes that are 0700 and not root's), no network.
 */
export function makeHomeJob(args: { root: string; username: string; owner: HomeOwner; deploymentId: string; machine: string }): JobSpec {
  const { root, username, owner } = args;
  // The name pattern is the guard that keeps the home inside the root.
  if (!isValidName(username)) throw new Error(`refusing to make a home for the invalid name ${JSON.stringify(username)}`);
  for (const id of [owner.uid, owner.gid]) {
    if (!Number.isSafeInteger(id) || id < 0) throw new Error(`refusing to make a home owned by ${JSON.stringify(owner)}: ids are whole numbers from 0`);
  }
  return {
    // Per hub, machine and user: a job of the same name is cleaned up before each run, so a second
    // hub's, machine's (several machines may share one engine) or user's job must not share it.
    name: `make-home:${args.deploymentId}:${args.machine}:${username}`,
    command: ['sh', '-c', MAKE_HOME_SCRIPT, 'make-home', ROOT_IN_JOB, username, String(owner.uid), String(owner.gid)],
    mounts: [{ hostPath: root, containerPath: ROOT_IN_JOB, readOnly: false }],
    user: '0:0',
    capabilities: ['CHOWN', 'DAC_OVERRIDE'],
    timeoutMs: JOB_TIMEOUT_MS,
  };
}

/** What the job's result means; a HomeError naming the cause when it failed. */
export function homeOutcome(result: JobResult, where: { username: string; machine: string }): HomeOutcome {
  const said = result.output.trim().split('\n').pop() ?? '';
  if (result.exitCode === 0 && (said === 'made' || said === 'kept' || said === 'owned')) return said;
  const home = `the home of ${where.username} on ${where.machine}`;
  const why: Record<number, string> = {
    3: `${home} is a symbolic link; an admin must look at it`,
    4: `${home} exists and is not a folder; an admin must look at it`,
    5: `${home} could not be made there (on NFS, the homes export may squash root: see docs/storage.md)`,
    6: `${home} could not be given to its owner (on NFS, the homes export may squash root: see docs/storage.md)`,
  };
  throw new HomeError(`${why[result.exitCode] ?? `${home} could not be made: the job ended with ${result.exitCode}`}.`, result.output.trim().slice(0, 500));
}

/** Where the homes made are remembered (HomeRepository). */
export interface HomeRecords {
  madeFor(username: string): Promise<HomeOwner | null>;
  recordMade(username: string, owner: HomeOwner): Promise<void>;
  forget(username: string): Promise<void>;
}

export interface HomeMakerOptions {
  /** homes.root: the same path on every machine. */
  root: string;
  deploymentId: string;
  records: HomeRecords;
}

/** Makes homes on the machines that mount them, once per user and owner. */
export class HomeMaker {
  /** Jobs under way, so two launches of one user on one machine share one job. */
  private readonly running = new Map<string, Promise<HomeOutcome>>();

  constructor(private readonly options: HomeMakerOptions) {}

  /** The home's path on every machine. */
  pathOf(username: string): string {
    return path.posix.join(this.options.root, username);
  }

  /**
   * Makes sure the user's home exists on `machine` and belongs to `owner`, and returns its path
   * there. The job runs when no job made it for this owner yet, or `again` (a create found it
   * missing); else nothing runs. Throws a HomeError when the home cannot be made, a
   * RuntimeError when the engine fails otherwise.
   */
  async ensure(machine: { name: string; jobs: JobRunner }, username: string, owner: HomeOwner, again = false): Promise<string> {
    const dir = this.pathOf(username);
    if (!again) {
      const made = await this.options.records.madeFor(username);
      if (made && made.uid === owner.uid && made.gid === owner.gid) return dir;
    } else {
      await this.options.records.forget(username);
    }
    const key = `${machine.name}\n${username}\n${owner.uid}:${owner.gid}`;
    let job = this.running.get(key);
    if (!job) {
      job = this.runJob(machine, username, owner).finally(() => this.running.delete(key));
      this.running.set(key, job);
    }
    await job;
    return dir;
  }

  private async runJob(machine: { name: string; jobs: JobRunner }, username: string, owner: HomeOwner): Promise<HomeOutcome> {
    const { root, deploymentId } = this.options;
    let result: JobResult;
    try {
      result = await machine.jobs.run(makeHomeJob({ root, username, owner, deploymentId, machine: machine.name }));
    } catch (err) {
      if (err instanceof RuntimeError && err.kind === 'mount_missing') {
        throw new HomeError(`homes.root ${root} does not exist on ${machine.name}: the shared homes are not mounted there.`, err.message);
      }
      if (err instanceof RuntimeError && err.kind === 'image_not_found') {
        throw new HomeError(`The image ${machine.jobs.image} that makes homes is not on ${machine.name} and could not be pulled.`, err.message);
      }
      throw err;
    }
    const outcome = homeOutcome(result, { username, machine: machine.name });
    await this.options.records.recordMade(username, owner);
    return outcome;
  }
}
