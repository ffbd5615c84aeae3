/**
 * Home quotas with the measure backend, on the real engine and a real hub: a sandbox writes past
 * its owner's quota, a measurement (a du job on the engine) sees it, the next launch is refused
 * with QUOTA_EXCEEDED until the files are gone; a home of 100k files is measured while the hub
 * keeps answering; quotas are for admins to set, with bad input refused and nothing changed.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import Docker from 'dockerode';
import { afterAll, beforeAll, expect, it, onTestFinished } from 'vitest';
import { LABELS } from '../src/runtime/types.js';
import { describeDocker, TINY_IMAGE } from './support/docker.js';
import { startTestHub, type TestHub } from './support/hub.js';
import { waitForState } from './support/wait.js';

type ErrorBody = { error: { code: string; message: string } };
type SandboxBody = { id: string; state: string; reason: string | null };
interface UserBody {
  id: number;
  username: string;
  homeBytes: number | null;
  quotaBytes: number | null;
  measuredAt: string | null;
}
interface EventBody {
  code: string | null;
  message: string;
}

const GiB = 1024 ** 3;
const MB = 1000 * 1000;

describeDocker('home quotas, measured by a job (measure backend)', [TINY_IMAGE], () => {
  let t: TestHub;
  let alice: string;
  let bob: string;
  let aliceId: number;
  let bobId: number;
  const docker = new Docker();

  beforeAll(async () => {
    t = await startTestHub();
    alice = await t.user('alice');
    bob = await t.user('bob');
    const users = (await t.api<{ items: UserBody[] }>(t.adminToken, 'GET', '/api/users')).body.items;
    aliceId = users.find((u) => u.username === 'alice')!.id;
    bobId = users.find((u) => u.username === 'bob')!.id;
  }, 60_000);
  afterAll(async () => {
    await t?.close();
  }, 300_000);

  const me = async (token: string) => (await t.api<{ user: UserBody }>(token, 'GET', '/api/me')).body.user;
  const measure = async () => {
    const res = await t.api<{ measured: number; failed: number }>(t.adminToken, 'POST', '/api/homes/measure');
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body;
  };
  /** Runs `script` with sh in the sandbox's container, as the sandbox's own user. */
  const inSandbox = async (sandboxId: string, script: string) => {
    const [c] = await docker.listContainers({ filters: { label: [`${LABELS.sandbox}=${sandboxId}`] } });
    const home = (await docker.getContainer(c!.Id).inspect()).Mounts.find((m) => m.Source === path.join(t.hub.config.homes.root!, 'alice'))!;
    return execFileSync('docker', ['exec', c!.Id, 'sh', '-c', script.replaceAll('$HOME_DIR', home.Destination)], { encoding: 'utf8' });
  };

  it('refuses a quota that is negative, huge, infinite or not a number, naming the field, and changes nothing', async () => {
    const bad: unknown[] = [{ quotaGiB: -1 }, { quotaGiB: 2 * 1024 * 1024 }, { quotaGiB: '5' }, { quotaGiB: 'NaN' }, { quotaGiB: {} }, '{"quotaGiB": 1e400}'];
    for (const body of bad) {
      const res = await t.api<ErrorBody>(t.adminToken, 'PATCH', `/api/users/${aliceId}`, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe('INVALID_QUOTA');
      expect(res.body.error.message).toContain('quotaGiB');
    }
    expect((await me(alice)).quotaBytes).toBeNull();
  });

  it('lets no one but an admin read or set another user\'s quota, or ask for a measurement', async () => {
    expect((await t.api<ErrorBody>(bob, 'PATCH', `/api/users/${aliceId}`, { quotaGiB: 100 })).body.error.code).toBe('FORBIDDEN');
    expect((await t.api<ErrorBody>(bob, 'PATCH', `/api/users/${bobId}`, { quotaGiB: 100 })).status).toBe(403);
    expect((await t.api<ErrorBody>(bob, 'GET', '/api/users')).status).toBe(403);
    expect((await t.api<ErrorBody>(bob, 'POST', '/api/homes/measure')).status).toBe(403);
    expect((await t.api<ErrorBody>(null, 'POST', '/api/homes/measure')).status).toBe(401);
    // Their own /api/me shows only their own figures.
    expect((await me(bob)).username).toBe('bob');
    expect((await me(alice)).quotaBytes).toBeNull();
    expect((await me(bob)).quotaBytes).toBeNull();
  });

  it('refuses the launch of a user whose home is over quota, keeps their sandbox running with a warning, and allows it again once they delete', async () => {
    const set = await t.api<UserBody>(t.adminToken, 'PATCH', `/api/users/${aliceId}`, { quotaGiB: 0.01 });
    expect(set.status).toBe(200);
    expect(set.body.quotaBytes).toBe(Math.round(0.01 * GiB));
    const audit = await t.api<{ entries: Array<{ action: string; target: string; details: Record<string, unknown> }> }>(t.adminToken, 'GET', '/api/audit?action=user.update');
    expect(audit.body.entries.find((e) => e.target === 'alice')?.details).toMatchObject({ quotaGiB: 0.01 });

    const first = await t.api<SandboxBody>(alice, 'POST', '/api/sandboxes', { name: 'writer' });
    expect(first.status).toBe(202);
    await waitForState(t, alice, first.body.id, 'running');
    await inSandbox(first.body.id, 'dd if=/dev/zero of=$HOME_DIR/big bs=1M count=20 conv=fsync 2>/dev/null');

    expect((await measure()).failed).toBe(0);
    const measured = await me(alice);
    // Allocated bytes: at least the 20 MB written (plus the folder's own blocks).
    expect(measured.homeBytes).toBeGreaterThanOrEqual(20 * 1024 * 1024);
    expect(measured.quotaBytes).toBe(Math.round(0.01 * GiB));
    expect(Date.parse(measured.measuredAt!)).toBeGreaterThan(Date.now() - 120_000);

    const refused = await t.api<ErrorBody>(alice, 'POST', '/api/sandboxes', { name: 'second' });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('QUOTA_EXCEEDED');
    expect(refused.body.error.message).toMatch(/uses 0\.02 GiB of your 0\.01 GiB quota/);
    // The running sandbox is not killed; its owner is told on it.
    expect((await t.api<SandboxBody>(alice, 'GET', `/api/sandboxes/${first.body.id}`)).body.state).toBe('running');
    const events = (await t.hub.events.history(first.body.id)) as EventBody[];
    expect(events.find((e) => e.code === 'quota_exceeded')?.message).toMatch(/0\.02 GiB, at or over your 0\.01 GiB quota/);
    // Another user is not held back by alice's home.
    expect((await me(bob)).homeBytes).toBe(0);

    const metrics = await t.hub.metrics.exposition();
    expect(metrics).toContain(`shiva_home_bytes{user="alice"} ${measured.homeBytes}`);
    expect(metrics).toContain(`shiva_home_quota_bytes{user="alice"} ${Math.round(0.01 * GiB)}`);

    await inSandbox(first.body.id, 'rm $HOME_DIR/big');
    await measure();
    expect((await me(alice)).homeBytes).toBeLessThan(MB);
    const again = await t.api<SandboxBody>(alice, 'POST', '/api/sandboxes', { name: 'second' });
    expect(again.status, JSON.stringify(again.body)).toBe(202);
    for (const id of [first.body.id, again.body.id]) expect((await t.api(alice, 'DELETE', `/api/sandboxes/${id}`)).status).toBe(200);

    // null hands alice back to the default, which is none here.
    expect((await t.api<UserBody>(t.adminToken, 'PATCH', `/api/users/${aliceId}`, { quotaGiB: null })).body.quotaBytes).toBeNull();
  }, 180_000);

  it('measures a home of 100k small files in a job on the engine, while the hub answers and its event loop is never held up', async () => {
    const home = path.join(t.hub.config.homes.root!, 'bob');
    mkdirSync(home, { recursive: true });
    // Removing 100k files takes minutes on a busy disk: where the test may mount, bob's home is
    // a tmpfs of its own (a real filesystem with blocks; du -x measures it from its root), gone
    // at once with its unmount.
    let mounted = false;
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1g,mode=0755', 'tmpfs', home], { stdio: 'pipe' });
      mounted = true;
    } catch {
      console.warn('cannot mount a tmpfs here: the 100k files go to the disk and take a while to remove');
    }
    onTestFinished(() => {
      if (mounted) execFileSync('umount', [home]);
    });
    // 100,000 files of one byte each, made by split in a container (as the test's own user).
    execFileSync('docker', [
      'run', '--rm', '--network', 'none', '--user', `${process.getuid!()}:${process.getgid!()}`,
      '--mount', `type=bind,source=${home},target=/h`, '--entrypoint', 'sh', TINY_IMAGE,
      '-c', 'cd /h && mkdir many && cd many && head -c 100000 /dev/zero | split -b 1 -a 5 - f && ls | wc -l',
    ]);

    const latencies = async (until: () => boolean, atLeast: number): Promise<number[]> => {
      const times: number[] = [];
      while (times.length < atLeast || !until()) {
        const started = performance.now();
        const res = await t.api(bob, 'GET', '/api/me');
        expect(res.status).toBe(200);
        times.push(performance.now() - started);
      }
      return times;
    };
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const baseline = await latencies(() => true, 30);

    const loop = monitorEventLoopDelay({ resolution: 10 });
    loop.enable();
    let done = false;
    let sawJob = false;
    const walk = measure().finally(() => (done = true));
    // The walk is a job container on the engine, not work in the hub's process (asked without
    // blocking: this process is the hub's too).
    const watchJob = (async () => {
      while (!done && !sawJob) {
        sawJob = (await docker.listContainers({ filters: { label: [`${LABELS.job}=home-usage`] } })).length > 0;
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    const during = await latencies(() => done, 5);
    const report = await walk;
    await watchJob;
    loop.disable();

    expect(report.failed).toBe(0);
    expect(sawJob).toBe(true);
    // 100k one-byte files take a block each: allocated bytes, not their 100 kB of content.
    expect((await me(bob)).homeBytes).toBeGreaterThan(100_000 * 1024);
    // A generous bound on the longest stall of the hub's loop (a walk in-process would hold it for seconds).
    expect(loop.max / 1e6).toBeLessThan(1000);
    console.info(
      `home walk of 100k files: API median ${median(baseline).toFixed(1)} ms before, ${median(during).toFixed(1)} ms during (${during.length} requests); event loop max delay ${(loop.max / 1e6).toFixed(1)} ms`,
    );
  }, 300_000);
});
