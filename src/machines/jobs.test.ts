import { describe, expect, it } from 'vitest';
import { rejection } from '../../test/support/rejection.js';
import { FakeRuntime } from '../runtime/fake/fake-runtime.js';
import { RuntimeError } from '../runtime/types.js';
import { MachineJobs, type JobSpec } from './jobs.js';

const IMAGE = 'shiva/tiny:latest';
const job = (name: string): JobSpec => ({ name, command: ['true'], timeoutMs: 10_000 });

describe("a machine's jobs", () => {
  it('run in the job image, and pull it once for jobs that miss it together, then run each', async () => {
    const runtime = new FakeRuntime({ images: {}, pullable: [IMAGE] });
    let pulls = 0;
    const pull = runtime.pullImage.bind(runtime);
    runtime.pullImage = async (ref, onProgress) => {
      pulls++;
      await new Promise((resolve) => setTimeout(resolve, 20));
      return pull(ref, onProgress);
    };
    runtime.jobResult = (j) => {
      if (!runtime.images.has(j.image)) throw new RuntimeError('image_not_found', `no such image: ${j.image}`);
      return { exitCode: 0, output: `${j.name} in ${j.image}` };
    };
    const jobs = new MachineJobs(runtime, IMAGE);
    const results = await Promise.all([jobs.run(job('one')), jobs.run(job('two'))]);
    expect(results.map((r) => r.output)).toEqual([`one in ${IMAGE}`, `two in ${IMAGE}`]);
    expect(pulls).toBe(1);
    expect(runtime.images.has(IMAGE)).toBe(true);
  });

  it('say image_not_found when no registry has the image, and pull nothing for other failures', async () => {
    const runtime = new FakeRuntime({ images: {} });
    expect((await rejection(new MachineJobs(runtime, IMAGE).run(job('one')), RuntimeError)).kind).toBe('image_not_found');
    let pulls = 0;
    const present = new FakeRuntime({ pullable: [IMAGE] });
    present.pullImage = async () => void pulls++;
    present.down = true;
    expect((await rejection(new MachineJobs(present, IMAGE).run(job('one')), RuntimeError)).kind).toBe('unavailable');
    expect(pulls).toBe(0);
  });
});
