/**
 * The one path of the hub's short jobs on a machine: making a home, reading the homes marker,
 * measuring the homes, reading GPUs with nvidia-smi. Their image is the default catalogue image,
 * which a new machine gets only with its first launch of it, so a job that finds it missing
 * pulls it and runs again. Without the pull, a du job on a fresh machine would leave every home
 * unmeasured, and a homes check would keep the machine not ready for want of the very image a
 * launch there would have pulled.
 *
 * The pull sits here, in the registry's machines, rather than inside Runtime.runJob: the Runtime
 * contract fails with image_not_found and leaves pulling to its caller (create does the same,
 * and a launch pulls with progress and a way to cancel, launch.ts), the conformance suite holds
 * every runtime to that, and a pull on a missing image is a choice of the hub's, not the engine's.
 */
import { RuntimeError, type Job, type JobResult, type Runtime } from '../runtime/types.js';

/** What runs the hub's jobs on one machine (MachineJobs; tests may give their own). */
export interface JobRunner {
  /**
   * Runs `job`; when its image is missing, pulls it and runs it again. Throws RuntimeError as
   * Runtime.runJob does, image_not_found when the pull fails too.
   */
  run(job: Job): Promise<JobResult>;
}

/** The jobs of one machine, over its runtime. */
export class MachineJobs implements JobRunner {
  /** The pull under way, by image: jobs that miss an image together wait for one pull of it. */
  private readonly pulling = new Map<string, Promise<void>>();

  constructor(private readonly runtime: Pick<Runtime, 'runJob' | 'pullImage'>) {}

  async run(job: Job): Promise<JobResult> {
    try {
      return await this.runtime.runJob(job);
    } catch (err) {
      if (!(err instanceof RuntimeError && err.kind === 'image_not_found')) throw err;
      await this.pull(job.image);
      return this.runtime.runJob(job);
    }
  }

  private pull(image: string): Promise<void> {
    let pull = this.pulling.get(image);
    if (!pull) {
      pull = this.runtime.pullImage(image, () => undefined).finally(() => this.pulling.delete(image));
      this.pulling.set(image, pull);
    }
    return pull;
  }
}
