/**
 * Home quotas through the hub with what this machine cannot run for real: the xfs backend's
 * commands go to a recorder (the kernel here refuses XFS project quotas), and the measure
 * backend's job answers are the fake runtime's, to walk a home through 90% and 100%.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { CommandResult } from '../src/quota/command.js';
import { recordedRunner } from '../src/quota/recorded-runner.js';
import { FakeRuntime } from '../src/runtime/fake/fake-runtime.js';
import type { Job } from '../src/runtime/types.js';
import { runShiva } from './support/cli.js';
import { startTestHub, type TestHub } from './support/hub.js';
import { waitForState } from './support/wait.js';

type ErrorBody = { error: { code: string; message: string } };
interface UserBody {
  id: number;
  username: string;
  quotaBytes: number | null;
  homeBytes: number | null;
}
const GiB = 1024 ** 3;

describe('home quotas through the hub, backends this machine cannot run', () => {
  let t: TestHub | undefined;
  let runtime: FakeRuntime;
  afterEach(async () => {
    await t?.close();
    await runtime?.closeAll();
    t = undefined;
  });

  async function hub(config: Record<string, unknown>, answer?: (file: string, args: readonly string[]) => CommandResult) {
    runtime = new FakeRuntime();
    const recorder = recordedRunner(answer);
    t = await startTestHub({ makeRuntime: () => runtime, config: { storage: { quota: config } }, quotaCommands: recorder.run });
    const alice = await t.user('alice');
    const id = (await t.api<{ items: UserBody[] }>(t.adminToken, 'GET', '/api/users')).body.items.find((u) => u.username === 'alice')!.id;
    return { t, alice, id, calls: recorder.calls };
  }

  it('xfs: an admin\'s quota is set as the home\'s project hard limit, then recorded', async () => {
    const { t, id, calls } = await hub({ backend: 'xfs', xfs: { mountPoint: '/srv' } });
    mkdirSync(path.join(t.hub.config.homes.root!, 'alice'), { recursive: true });
    const res = await t.api<UserBody>(t.adminToken, 'PATCH', `/api/users/${id}`, { quotaGiB: 2 });
    expect(res.status).toBe(200);
    expect(res.body.quotaBytes).toBe(2 * GiB);
    const home = path.join(t.hub.config.homes.root!, 'alice');
    expect(calls).toEqual([
      { file: 'xfs_quota', args: ['-x', '-c', `project -s -p ${home} ${100000 + id}`, '/srv'] },
      { file: 'xfs_quota', args: ['-x', '-c', `limit -p bhard=${2 * GiB} ${100000 + id}`, '/srv'] },
    ]);
  });

  it('xfs: a filesystem that refuses answers QUOTA_BACKEND_FAILED naming the command, and nothing changes', async () => {
    const said = 'xfs_quota: cannot set project on the home: Inappropriate ioctl for device';
    const { t, id } = await hub({ backend: 'xfs', xfs: { mountPoint: '/srv' } }, () => ({ exitCode: 1, output: said }));
    mkdirSync(path.join(t.hub.config.homes.root!, 'alice'), { recursive: true });
    const res = await t.api<ErrorBody>(t.adminToken, 'PATCH', `/api/users/${id}`, { quotaGiB: 2, admin: true });
    expect(res.status).toBe(502);
    expect(res.body.error.code).toBe('QUOTA_BACKEND_FAILED');
    expect(res.body.error.message).toContain('`xfs_quota -x -c');
    expect(res.body.error.message).toContain('Inappropriate ioctl for device');
    const after = (await t.api<{ items: Array<UserBody & { admin: boolean }> }>(t.adminToken, 'GET', '/api/users')).body.items.find((u) => u.id === id)!;
    expect(after).toMatchObject({ quotaBytes: null, admin: false });
    // The measurement fails the same way, and says so.
    const measured = await t.api<ErrorBody>(t.adminToken, 'POST', '/api/homes/measure');
    expect(measured.body.error.code).toBe('QUOTA_BACKEND_FAILED');
    expect(measured.body.error.message).toContain("`xfs_quota -x -c 'report -p -b -n -N' /srv` failed");
  });

  /** The du job answers these figures; every other job (making homes) runs as the fake runs it. */
  const measuring = (figure: (user: string) => number) => {
    const others = runtime.jobResult;
    return (job: Job) =>
      job.name === 'home-usage' ? { exitCode: 0, output: job.command.slice(4).map((u) => `${figure(u)}\t${u}\n`).join('') } : others(job);
  };

  it('xfs without a mount point is refused at start with what to set', async () => {
    await expect(hub({ backend: 'xfs' })).rejects.toThrow(/storage\.quota\.xfs\.mountPoint/);
  });

  it('measure: a home crossing 90% and then 100% of the default quota warns on its running sandbox once per crossing, and launches stop at 100%', async () => {
    let bytes = 0;
    const { t, alice } = await hub({ defaultGiB: 1 });
    runtime.jobResult = measuring((u) => (u === 'alice' ? bytes : 0));
    const launched = await t.api<{ id: string }>(alice, 'POST', '/api/sandboxes', { name: 'main' });
    await waitForState(t, alice, launched.body.id, 'running');
    const codes = async () => (await t!.hub.events.history(launched.body.id)).map((e) => e.code).filter((c) => c?.startsWith('quota'));

    bytes = GiB / 2;
    await t.api(t.adminToken, 'POST', '/api/homes/measure');
    expect(await codes()).toEqual([]);
    bytes = Math.round(0.95 * GiB);
    await t.api(t.adminToken, 'POST', '/api/homes/measure');
    await t.api(t.adminToken, 'POST', '/api/homes/measure');
    expect(await codes()).toEqual(['quota_warning']);
    const warning = (await t.hub.events.history(launched.body.id)).find((e) => e.code === 'quota_warning')!;
    expect(warning.params).toEqual({ usedGiB: 0.95, quotaGiB: 1, percent: 95 });
    // Still under: a launch goes ahead.
    expect((await t.api(alice, 'POST', '/api/sandboxes', { name: 'two' })).status).toBe(202);

    bytes = GiB;
    await t.api(t.adminToken, 'POST', '/api/homes/measure');
    expect(await codes()).toEqual(['quota_warning', 'quota_exceeded']);
    const refused = await t.api<ErrorBody>(alice, 'POST', '/api/sandboxes', { name: 'three' });
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: 'QUOTA_EXCEEDED' });
    expect(refused.body.error.message).toMatch(/uses 1 GiB of your 1 GiB quota/);
    expect((await t.api<{ user: UserBody }>(alice, 'GET', '/api/me')).body.user).toMatchObject({ homeBytes: GiB, quotaBytes: GiB });
  });

  it('shiva users set-quota and measure-homes: an admin sets, lists and resets a quota; bad quotas and non-admins are refused', async () => {
    const { t, alice } = await hub({});
    runtime.jobResult = measuring((u) => (u === 'alice' ? 3 * GiB : 0));
    const shiva = (token: string, args: string[]) => runShiva(args, { SHIVA_URL: t.url, SHIVA_TOKEN: token, SHIVA_CREDENTIALS: path.join(t.dataDir, 'none.json') });

    expect((await shiva(t.adminToken, ['users', 'set-quota', 'alice', '0.5'])).stdout).toBe('alice has a quota of 0.5 GiB.\n');
    expect((await shiva(t.adminToken, ['users', 'measure-homes'])).stdout).toMatch(/^Measured 2 homes at \S+\.\n$/);
    const listed = await shiva(t.adminToken, ['users', 'ls']);
    expect(listed.stdout).toMatch(/alice\s+user\s+no\s+\d+\s+\d+\s+3 GiB\s+0\.5 GiB\s+\d{4}-/);

    const typo = await shiva(t.adminToken, ['users', 'set-quota', 'alice', 'lots']);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('a number of GiB');
    const huge = await shiva(t.adminToken, ['users', 'set-quota', 'alice', '2000000']);
    expect(huge.code).toBe(1);
    expect(huge.stderr).toContain('INVALID_QUOTA');
    const notAdmin = await shiva(alice, ['users', 'set-quota', 'alice', '100']);
    expect(notAdmin.stderr).toContain('FORBIDDEN');
    expect((await t.api<{ user: UserBody }>(alice, 'GET', '/api/me')).body.user.quotaBytes).toBe(GiB / 2);

    expect((await shiva(t.adminToken, ['users', 'set-quota', 'alice', 'none'])).stdout).toBe('alice has no quota (the default).\n');
    expect((await t.api<{ user: UserBody }>(alice, 'GET', '/api/me')).body.user).toMatchObject({ quotaBytes: null, homeBytes: 3 * GiB });
  }, 60_000);
});
