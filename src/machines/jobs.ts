/**
 * The one path of the hub's short jobs on a machine: making a home, reading the homes marker,
 * measuring the homes, reading GPUs with nvidia-smi. They all run in one image, the job image,
 * derived here from the config (jobImageOf) and held by each machine's jobs, so the jobs' makers
 * describe only what to run. It is the default catalogue image, which a new machine gets only
 * with its first launch of it, so a job that finds it missing pulls it and runs again. Without
 * the pull, a du job on a fresh machine would leave every home unmeasured, and a homes check
 * would keep the machine not ready for want of the very image a launch there would have pulled.
 *
 * The pull sits here, in the registry's machines, rather than inside Runtime.runJob: the Runtime
 * contract fails with image_not_found and leaves pulling to its caller (create does the same,
 * and a launch pulls with progress and a way to cancel, launch.ts), the conformance suite holds
 * every runtime to that, and a pull on a missing image is a choice of the hub's, not the engine's.
 */
import type { Config } from '../config/schema.js';
import { RuntimeError, type Job, type JobResult, type Runtime } from '../runtime/types.js';

/** A job as its maker describes it: everything but the image, which is the machine's job image. */
export type JobSpec = Omit<Job, 'image'>;

/** What runs the hub's jobs on one machine (MachineJobs; tests may give their own). */
export interface JobRunner {
  /** The image every job runs in (jobImageOf), for messages that name it. */
  readonly image: string;
  /**
   * Runs `job` in the job image; when the machine lacks the image, pulls it and runs the job
   * again. Throws RuntimeError as Runtime.runJob does, image_not_found when the pull fails too.
   */
  run(job: JobSpec): Promise<JobResult>;
}

/** The jobs of one machine, over its runtime, in `image`. */
export class MachineJobs implements JobRunner {
  /** The pull under way: jobs that miss the image together wait for one pull of it. */
  private pulling: Promise<void> | null = null;

  constructor(
    private readonly runtime: Pick<Runtime, 'runJob' | 'pullImage'>,
    readonly image: string,
  ) {}

  async run(spec: JobSpec): Promise<JobResult> {
    const job: Job = { ...spec, image: this.image };
    try {
      return await this.runtime.runJob(job);
    } catch (err) {
      if (!(err instanceof RuntimeError && err.kind === 'image_not_found')) throw err;
      await this.pull();
      return this.runtime.runJob(job);
    }
  }

  private pull(): Promise<void> {
    return (this.pulling ??= this.runtime.pullImage(this.image, () => undefined).finally(() => (this.pulling = null)));
  }
}

/** The image the hub's short jobs run in: the default catalogue image, present wherever sandboxes run. */
export function jobImageOf(config: Pick<Config, 'images'>): string {
  const { images } = config;
  return images.catalogue.find((i) => i.name === images.default)?.image ?? images.catalogue[0]!.image;
}
