import { execFileSync } from 'node:child_process';
import { lstatSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { rejection } from '../../test/support/rejection.js';
import { MachineJobs } from '../machines/jobs.js';
import { FakeRuntime } from '../runtime/fake/fake-runtime.js';
import { RuntimeError, type Job } from '../runtime/types.js';
import type { HomeOwner } from '../store/homes.js';
import { HomeError, HomeMaker, makeHomeJob, type HomeRecords } from './homes.js';

const IMAGE = 'shiva/tiny:latest';
// The job runs here as this process (the fake has no container): an owner it may give folders to.
const me: HomeOwner = { uid: process.getuid?.() ?? 1000, gid: process.getgid?.() ?? 1000 };
const root = process.getuid?.() === 0;

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function world() {
  const homes = mkdtempSync(path.join(os.tmpdir(), 'shiva-homes-'));
  dirs.push(homes);
  const runtime = new FakeRuntime();
  const jobs: Job[] = [];
  const run = runtime.jobResult;
  runtime.jobResult = (job) => {
    jobs.push(job);
    return run(job);
  };
  const made = new Map<string, HomeOwner>();
  const records: HomeRecords = {
    madeFor: async (u) => made.get(u) ?? null,
    recordMade: async (u, o) => void made.set(u, o),
    forget: async (u) => void made.delete(u),
  };
  const maker = new HomeMaker({ root: homes, deploymentId: 'dep1', records });
  return { homes, runtime, jobs, made, maker, machine: { name: 'one', jobs: new MachineJobs(runtime, IMAGE) } };
}

describe('the job that makes a home', () => {
  it('passes the name and owner as arguments to a fixed script, mounts homes.root, and runs as root with CHOWN and DAC_OVERRIDE only', () => {
    const job = makeHomeJob({ root: '/srv/homes', username: 'alice', owner: { uid: 20001, gid: 20002 }, deploymentId: 'dep1', machine: 'g1' });
    expect(job.name).toBe('make-home:dep1:g1:alice');
    expect(job.command.slice(0, 2)).toEqual(['sh', '-c']);
    expect(job.command.slice(3)).toEqual(['make-home', '/homes', 'alice', '20001', '20002']);
    expect(job.command[2]).not.toContain('alice');
    expect(job).toMatchObject({ user: '0:0', capabilities: ['CHOWN', 'DAC_OVERRIDE'], mounts: [{ hostPath: '/srv/homes', containerPath: '/homes', readOnly: false }] });
  });

  it.each(['../etc', 'a;rm -rf /', 'Alice', '', 'a/b', '$(id)'])('refuses the name %j', (name) => {
    expect(() => makeHomeJob({ root: '/srv/homes', username: name, owner: me, deploymentId: 'd', machine: 'g1' })).toThrow(/invalid name/);
  });

  it.each([[{ uid: -1, gid: 0 }], [{ uid: 1.5, gid: 0 }], [{ uid: 0, gid: Number.NaN }]])('refuses the owner %j', (owner) => {
    expect(() => makeHomeJob({ root: '/srv/homes', username: 'alice', owner, deploymentId: 'd', machine: 'g1' })).toThrow(/whole numbers/);
  });
});

describe('making homes on the machine that mounts them', () => {
  it('makes the home 0700 for its owner once, and runs no job again for the same owner', async () => {
    const w = world();
    const dir = await w.maker.ensure(w.machine, 'alice', me);
    expect(dir).toBe(path.join(w.homes, 'alice'));
    const info = statSync(dir);
    expect([info.isDirectory(), info.mode & 0o777, info.uid, info.gid]).toEqual([true, 0o700, me.uid, me.gid]);
    expect(w.jobs).toHaveLength(1);
    expect(w.made.get('alice')).toEqual(me);
    await w.maker.ensure(w.machine, 'alice', me);
    expect(w.jobs).toHaveLength(1);
  });

  it('runs the job again when asked (a create found the home missing) and for another owner, and leaves what is inside alone', async () => {
    const w = world();
    const dir = await w.maker.ensure(w.machine, 'alice', me);
    writeFileSync(path.join(dir, 'notes.txt'), 'mine');
    rmSync(dir, { recursive: true });
    await w.maker.ensure(w.machine, 'alice', me, true);
    expect(statSync(dir).isDirectory()).toBe(true);
    expect(w.jobs).toHaveLength(2);
    writeFileSync(path.join(dir, 'notes.txt'), 'mine');
    if (root) {
      const other = { uid: 20001, gid: 20001 };
      await w.maker.ensure(w.machine, 'alice', other);
      expect(w.jobs).toHaveLength(3);
      expect([statSync(dir).uid, statSync(dir).gid]).toEqual([20001, 20001]);
      // The folder changes hands, not its contents: those are the user's.
      expect(statSync(path.join(dir, 'notes.txt')).uid).toBe(me.uid);
    }
  });

  it('shares one job between launches of one user on one machine at the same time', async () => {
    const w = world();
    await Promise.all([w.maker.ensure(w.machine, 'alice', me), w.maker.ensure(w.machine, 'alice', me)]);
    expect(w.jobs).toHaveLength(1);
  });

  it('goes on when another machine makes the home between the check and the mkdir (both mount the same homes)', async () => {
    const w = world();
    // A mkdir that loses the race: the folder appears just before it runs, so it fails with "File exists".
    const shims = mkdtempSync(path.join(os.tmpdir(), 'shiva-shims-'));
    dirs.push(shims);
    const mkdir = execFileSync('sh', ['-c', 'command -v mkdir'], { encoding: 'utf8' }).trim();
    writeFileSync(path.join(shims, 'mkdir'), `#!/bin/sh\nfor last; do :; done\n${mkdir} -p -- "$last"\nexec ${mkdir} "$@"\n`, { mode: 0o755 });
    const run = w.runtime.jobResult;
    w.runtime.jobResult = (job) => run({ ...job, env: { ...job.env, PATH: `${shims}:${process.env.PATH ?? '/usr/bin:/bin'}` } });
    const dir = await w.maker.ensure(w.machine, 'alice', me);
    expect(statSync(dir).isDirectory()).toBe(true);
    expect(w.made.get('alice')).toEqual(me);
  });

  it('fails with the reason, and remembers nothing, when a symbolic link or a file stands where the home goes', async () => {
    const w = world();
    mkdirSync(path.join(w.homes, 'target'));
    symlinkSync(path.join(w.homes, 'target'), path.join(w.homes, 'alice'));
    writeFileSync(path.join(w.homes, 'bob'), 'not a folder');
    const link = await rejection(w.maker.ensure(w.machine, 'alice', me), HomeError);
    expect(link.message).toBe('the home of alice on one is a symbolic link; an admin must look at it.');
    expect(lstatSync(path.join(w.homes, 'alice')).isSymbolicLink()).toBe(true);
    const file = await rejection(w.maker.ensure(w.machine, 'bob', me), HomeError);
    expect(file.message).toBe('the home of bob on one exists and is not a folder; an admin must look at it.');
    expect(w.made.size).toBe(0);
  });

  it('says plainly when homes.root is missing on the machine or the job image is not there, and passes other engine failures on', async () => {
    const w = world();
    rmSync(w.homes, { recursive: true });
    const missing = await rejection(w.maker.ensure(w.machine, 'alice', me), HomeError);
    expect(missing.message).toBe(`homes.root ${w.homes} does not exist on one: the shared homes are not mounted there.`);
    w.runtime.jobResult = () => {
      throw new RuntimeError('image_not_found', 'no such image');
    };
    expect((await rejection(w.maker.ensure(w.machine, 'alice', me), HomeError)).message).toBe(`The image ${IMAGE} that makes homes is not on one and could not be pulled.`);
    w.runtime.down = true;
    expect((await rejection(w.maker.ensure(w.machine, 'alice', me), RuntimeError)).kind).toBe('unavailable');
    expect(w.made.size).toBe(0);
  });
});
