/**
 * A job in an image that may not be on the machine yet: the job image is the default catalogue
 * image, which a new machine gets only with its first launch of it. Without the pull, a machine
 * would stay not ready for want of the very image a launch there would have pulled.
 */
import { RuntimeError, type Job, type JobResult, type Runtime } from '../runtime/types.js';

/** Runs `job`; when its image is missing, pulls it once and runs it again. Throws image_not_found when the pull fails. */
export async function runJobPulling(runtime: Runtime, job: Job): Promise<JobResult> {
  try {
    return await runtime.runJob(job);
  } catch (err) {
    if (!(err instanceof RuntimeError && err.kind === 'image_not_found')) throw err;
    await runtime.pullImage(job.image, () => undefined);
    return runtime.runJob(job);
  }
}
