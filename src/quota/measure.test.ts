import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/load.js';
import { MachineJobs } from '../machines/jobs.js';
import { MachineRegistry } from '../machines/registry.js';
import { FakeRuntime } from '../runtime/fake/fake-runtime.js';
import { RuntimeError, type Job, type JobResult } from '../runtime/types.js';
import { MeasureEnforcer, parseDuLines } from './measure.js';

describe('the measure backend', () => {
  const make = (answer: (job: Job) => JobResult) => {
    const jobs: Job[] = [];
    const enforcer = new MeasureEnforcer({
      homesRoot: '/srv/homes',
      timeoutMs: 60_000,
      jobs: () =>
        new MachineJobs(
          {
            runJob: async (job) => (jobs.push(job), answer(job)),
            pullImage: async () => {
              throw new RuntimeError('image_not_found', 'no pull expected');
            },
          },
          'shiva/notebook:latest',
        ),
    });
    return { enforcer, jobs };
  };

  it('walks every home in one job that sees homes.root read-only, may read every folder and nothing more, with the names as arguments', async () => {
    const { enforcer, jobs } = make(() => ({ exitCode: 0, output: '4096\talice\n0\tbob\n' }));
    expect(await enforcer.measure([{ userId: 1, username: 'alice' }, { userId: 2, username: 'bob' }])).toEqual(new Map([['alice', 4096], ['bob', 0]]));
    expect(jobs).toHaveLength(1);
    const [job] = jobs;
    expect(job).toMatchObject({
      name: 'home-usage',
      image: 'shiva/notebook:latest',
      mounts: [{ hostPath: '/srv/homes', containerPath: '/homes', readOnly: true }],
      user: '0:0',
      capabilities: ['DAC_READ_SEARCH'],
      env: { SHIVA_HOME_SECONDS: '60' },
      // Each home may take its 60 s, and the job a minute more to come and go.
      timeoutMs: 2 * 60_000 + 60_000,
    });
    expect(job!.command.slice(0, 2)).toEqual(['sh', '-c']);
    expect(job!.command[2]).toContain('du -s -B1 --one-file-system -- "$u"');
    expect(job!.command.slice(3)).toEqual(['sh', 'alice', 'bob']);
  });

  it('keeps the homes du measured when others fail, and fails when it measured none', async () => {
    const partial = make(() => ({ exitCode: 1, output: "du: cannot read directory 'bob/x': Permission denied\n8192\talice\n" }));
    expect(await partial.enforcer.measure([{ userId: 1, username: 'alice' }, { userId: 2, username: 'bob' }])).toEqual(new Map([['alice', 8192]]));
    const none = make(() => ({ exitCode: 2, output: 'sh: cd: /homes: No such file or directory\n' }));
    await expect(none.enforcer.measure([{ userId: 1, username: 'alice' }])).rejects.toThrow(/measured no home \(exit 2\): sh: cd: \/homes/);
    expect(await none.enforcer.measure([])).toEqual(new Map());
  });

  it('keeps a home cut off by its time limit unmeasured and the others measured', async () => {
    const cut = make(() => ({ exitCode: 0, output: 'unmeasured\tbig\n8192\talice\n' }));
    expect(await cut.enforcer.measure([{ userId: 1, username: 'big' }, { userId: 2, username: 'alice' }])).toEqual(new Map([['alice', 8192]]));
    expect(cut.jobs[0]!.command[2]).toContain('timeout -k 5 $SHIVA_HOME_SECONDS');
  });

  it('measures on a machine that has not got the job image yet: the job pulls it first', async () => {
    const image = 'shiva/notebook:latest';
    const runtime = new FakeRuntime({ images: {}, pullable: [image] });
    const engine = runtime.jobResult;
    const ran: Job[] = [];
    runtime.jobResult = (job) => {
      // Without the image the engine refuses the job, as Docker does (image_not_found).
      if (!runtime.images.has(job.image)) return engine(job);
      ran.push(job);
      return { exitCode: 0, output: '4096\talice\n' };
    };
    const config = parseConfig({
      dataDir: os.tmpdir(),
      homes: { root: '/srv/homes' },
      images: { default: 'notebook', catalogue: [{ name: 'notebook', image }] },
      machines: [{ name: 'fresh', docker: 'tcp://fresh:2376' }],
    });
    const machines = MachineRegistry.fromConfig(config, () => runtime);
    await machines.refresh();
    const enforcer = new MeasureEnforcer({ homesRoot: '/srv/homes', timeoutMs: 60_000, jobs: () => machines.homesMachine().jobs });
    expect(await enforcer.measure([{ userId: 1, username: 'alice' }])).toEqual(new Map([['alice', 4096]]));
    expect(runtime.images.has(image)).toBe(true);
    expect(ran.map((j) => [j.name, j.image])).toEqual([['home-usage', image]]);
  });

  it('reads only lines of the names it asked for', () => {
    expect(parseDuLines('12\talice\n13\tmallory\nnoise\n14\tbob extra\n', new Set(['alice', 'bob']))).toEqual(new Map([['alice', 12]]));
  });
});
