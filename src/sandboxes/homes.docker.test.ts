/**
 * The make-home job's script on the real engine with the tiny image: what it does to a new home,
 * one already right, one of another owner and a symbolic link, and that it leaves no container.
 */
import { randomBytes } from 'node:crypto';
import { chownSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { afterAll, expect, it } from 'vitest';
import { TINY_IMAGE, describeDocker } from '../../test/support/docker.js';
import { MachineJobs } from '../machines/jobs.js';
import { DockerRuntime } from '../runtime/docker/docker-runtime.js';
import { LABELS } from '../runtime/types.js';
import { homeOutcome, makeHomeJob } from './homes.js';

describeDocker('the make-home job on the real engine', [TINY_IMAGE], () => {
  const runtime = new DockerRuntime();
  const deploymentId = `test-${randomBytes(4).toString('hex')}`;
  const root = mkdtempSync(path.join(tmpdir(), 'shiva-home-job-'));
  // The hub's user owns homes.root and keeps others out: the job needs DAC_OVERRIDE to work there.
  chownSync(root, 4321, 4321);
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  const run = async (username: string, uid: number) => {
    const result = await new MachineJobs(runtime, TINY_IMAGE).run(makeHomeJob({ root, username, owner: { uid, gid: uid + 1 }, deploymentId, machine: 'local' }));
    return homeOutcome(result, { username, machine: 'local' });
  };

  it('makes a home 0700 for its owner, keeps one already right, hands one of another owner over, and leaves no container', async () => {
    expect(await run('alice', 20001)).toBe('made');
    const home = path.join(root, 'alice');
    const made = statSync(home);
    expect([made.mode & 0o777, made.uid, made.gid]).toEqual([0o700, 20001, 20002]);
    writeFileSync(path.join(home, 'notes.txt'), 'mine');
    chownSync(path.join(home, 'notes.txt'), 20001, 20002);
    expect(await run('alice', 20001)).toBe('kept');
    expect(await run('alice', 30001)).toBe('owned');
    expect([statSync(home).uid, statSync(home).gid]).toEqual([30001, 30002]);
    expect(statSync(path.join(home, 'notes.txt')).uid).toBe(20001);
    const left = await new Docker().listContainers({ all: true, filters: { label: [`${LABELS.job}=make-home:${deploymentId}:local:alice`] } });
    expect(left).toEqual([]);
  });

  it('refuses a symbolic link where the home goes, and does not follow it', async () => {
    const target = path.join(root, 'target');
    mkdirSync(target);
    symlinkSync(target, path.join(root, 'bob'));
    await expect(run('bob', 20001)).rejects.toThrow('the home of bob on local is a symbolic link; an admin must look at it.');
    expect(statSync(target).uid).toBe(0);
  });
});
