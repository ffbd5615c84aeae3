import { chmodSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../config/load.js';
import { FakeRuntime } from '../runtime/fake/fake-runtime.js';
import { RuntimeError, type Job } from '../runtime/types.js';
import { HomesCheck, keepHomesRootPrivate, markerName, markerJob, writeHomesMarker } from './homes-check.js';
import { MachineJobs, type JobRunner } from './jobs.js';
import { MachineRegistry } from './registry.js';

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'shiva-homes-check-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('the homes marker', () => {
  it('lives in a homes.root made 0700, or made so when it was open to other local accounts', async () => {
    const made = path.join(tempDir(), 'made');
    expect(await keepHomesRootPrivate(made)).toBeNull();
    expect(statSync(made).mode & 0o777).toBe(0o700);
    const open = path.join(tempDir(), 'open');
    mkdirSync(open);
    chmodSync(open, 0o755);
    expect(await keepHomesRootPrivate(open)).toBe(0o755);
    expect(statSync(open).mode & 0o777).toBe(0o700);
    expect(await keepHomesRootPrivate(open)).toBeNull();
  });

  it('is written whole, 0644, with the deployment id and a fresh random value each time, and no temporary file left', async () => {
    const root = path.join(tempDir(), 'homes');
    mkdirSync(root);
    const first = await writeHomesMarker(root, 'dep1');
    const second = await writeHomesMarker(root, 'dep1');
    expect(first).toMatch(/^dep1 [0-9a-f]{32}$/);
    expect(second).not.toBe(first);
    const file = path.join(root, markerName('dep1'));
    expect(readFileSync(file, 'utf8')).toBe(`${second}\n`);
    expect(statSync(file).mode & 0o777).toBe(0o644);
    expect(readdirSync(root)).toEqual([markerName('dep1')]);
  });

  it('is read by a job in the job image that mounts homes.root read-only, as root that may only read and search, without network', async () => {
    const ran: Job[] = [];
    const jobs = new MachineJobs({ runJob: async (job) => (ran.push(job), { exitCode: 0, output: '' }), pullImage: async () => undefined }, 'img');
    await jobs.run(markerJob({ root: '/srv/homes', deploymentId: 'dep1', machine: 'gpu1' }));
    expect(ran).toHaveLength(1);
    expect(ran[0]).toMatchObject({
      name: 'homes-marker:dep1:gpu1',
      image: 'img',
      command: ['cat', `/homes/${markerName('dep1')}`],
      mounts: [{ hostPath: '/srv/homes', containerPath: '/homes', readOnly: true }],
      user: '0:0',
      capabilities: ['DAC_READ_SEARCH'],
    });
  });
});

describe('a machine whose view of homes.root is checked', () => {
  const check = (root: string, expected: string) =>
    new HomesCheck({ root, expected, deploymentId: 'dep1', intervalMs: 60_000 });

  it('is ready when the job reads the hub\'s marker, and says why not when the marker is missing, another, or the root is absent', async () => {
    const root = path.join(tempDir(), 'homes');
    const value = await writeHomesMarker(root, 'dep1');
    const runtime = new FakeRuntime();
    const machine = { name: 'one', jobs: new MachineJobs(runtime, 'shiva/tiny:latest') };
    expect(await check(root, value).check(machine)).toBeNull();
    expect(await check(root, 'dep1 other').check(machine)).toBe(
      `homes.root ${root} on this machine holds another marker than the one this hub wrote: it is another filesystem than the hub's`,
    );
    rmSync(path.join(root, markerName('dep1')));
    expect(await check(root, value).check(machine)).toBe(
      `homes.root ${root} on this machine lacks the hub's marker ${markerName('dep1')}: it is not the shared homes filesystem (is it mounted there?)`,
    );
    rmSync(root, { recursive: true });
    expect(await check(root, value).check(machine)).toBe(`homes.root ${root} does not exist on this machine: mount the shared homes there`);
    runtime.jobResult = () => {
      throw new RuntimeError('image_not_found', 'no image');
    };
    expect(await check(root, value).check(machine)).toBe('the homes could not be checked: the image shiva/tiny:latest is not on this machine and could not be pulled');
  });

  it('pulls the job image onto a machine that lacks it, then checks', async () => {
    const root = path.join(tempDir(), 'homes');
    const value = await writeHomesMarker(root, 'dep1');
    const runtime = new FakeRuntime({ images: {}, pullable: ['shiva/tiny:latest'] });
    expect(await check(root, value).check({ name: 'new', jobs: new MachineJobs(runtime, 'shiva/tiny:latest') })).toBeNull();
    expect(runtime.images.has('shiva/tiny:latest')).toBe(true);
  });

  it('gets no launches while not ready, is checked at start, on coming back and once per interval, and listeners hear each change', async () => {
    const root = path.join(tempDir(), 'homes');
    const value = await writeHomesMarker(root, 'dep1');
    const runtime = new FakeRuntime();
    const jobs: Job[] = [];
    let answer = `${value}\n`;
    runtime.jobResult = (job) => {
      jobs.push(job);
      return { exitCode: 0, output: answer };
    };
    const heard: string[] = [];
    let intervalMs = 60_000;
    const config = parseConfig({ dataDir: tempDir(), homes: { root }, machines: [{ name: 'one', docker: 'tcp://one:2376' }] });
    const checker = { check: (m: { name: string; jobs: JobRunner }) => check(root, value).check(m), get intervalMs() { return intervalMs; } };
    const machines = MachineRegistry.fromConfig(config, () => runtime, {
      homes: checker,
      onHomesChange: (m) => heard.push(`${m.name} ${m.homes?.ready ? 'ready' : 'not ready'}`),
    });

    await machines.refresh();
    expect(jobs).toHaveLength(1);
    expect(machines.get('one')!.homes).toMatchObject({ ready: true, reason: null });
    expect(machines.capacities()[0]!.up).toBe(true);

    // Within the interval the verdict stands: no job per health check.
    answer = 'dep1 someone-else\n';
    await machines.refresh();
    expect(jobs).toHaveLength(1);

    intervalMs = 0;
    await machines.refresh();
    expect(jobs).toHaveLength(2);
    expect(machines.get('one')!.homes).toMatchObject({ ready: false, reason: expect.stringContaining('another marker') });
    expect(machines.capacities()[0]!.up).toBe(false);

    // A machine that comes back is checked again at once, whatever the interval.
    intervalMs = 60_000;
    answer = `${value}\n`;
    runtime.down = true;
    await machines.refresh();
    runtime.down = false;
    await machines.refresh();
    expect(jobs).toHaveLength(3);
    expect(machines.capacities()[0]!.up).toBe(true);
    expect(heard).toEqual(['one ready', 'one not ready', 'one ready']);
  });

  it('is never checked with homes.check none, and counts as ready', async () => {
    const runtime = new FakeRuntime();
    runtime.jobResult = () => {
      throw new Error('no job should run');
    };
    const config = parseConfig({ dataDir: tempDir(), homes: { check: 'none' }, machines: [{ name: 'one', docker: 'tcp://one:2376' }] });
    const machines = MachineRegistry.fromConfig(config, () => runtime);
    await machines.refresh();
    expect(machines.get('one')!.homes).toBeNull();
    expect(machines.capacities()[0]!.up).toBe(true);
  });
});
