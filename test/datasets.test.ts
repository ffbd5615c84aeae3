/**
 * Shared datasets on the real engine: a dataset folder is mounted read-only at its container path
 * in the sandboxes of the users who get it and in no one else's; the listing answers each user with
 * their own datasets; a dataset whose folder is missing on the machine, or that would lie over the
 * image's home, fails the launch in plain words and leaves no container.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { LABELS } from '../src/runtime/types.js';
import { describeDocker, TINY_IMAGE } from './support/docker.js';
import { runShiva } from './support/cli.js';
import { startTestHub, testCatalogue, type TestHub } from './support/hub.js';
import { waitForState } from './support/wait.js';

type SandboxBody = { id: string; state: string; reason: string | null };
type DatasetBody = { name: string; containerPath: string; readOnly: boolean; description: string; hostPath?: string };
type ErrorBody = { error: { code: string; message: string } };

/** An image like tiny whose label puts the home where the shared dataset is mounted. */
const HOME_OVER_DATASETS = `shiva-test/home-over-datasets:${process.pid}`;
const ENGINE_WORDS = /Error response from daemon|invalid mount config|bind source path|HTTP code|no such file/i;

describeDocker('shared datasets on the real engine', [TINY_IMAGE], () => {
  let t: TestHub;
  let alice: string;
  let bob: string;
  let carol: string;
  let admin: string;
  let folder: string;
  const missing = path.join(os.tmpdir(), `shiva-no-such-dataset-${process.pid}`);
  const docker = new Docker();

  beforeAll(async () => {
    const context = mkdtempSync(path.join(os.tmpdir(), 'shiva-home-label-'));
    writeFileSync(path.join(context, 'Dockerfile'), `FROM ${TINY_IMAGE}\nLABEL org.shiva.home=/datasets\n`);
    execFileSync('docker', ['build', '-q', '-t', HOME_OVER_DATASETS, context], { env: { ...process.env, DOCKER_BUILDKIT: '0' }, stdio: 'pipe' });
    rmSync(context, { recursive: true, force: true });
    folder = mkdtempSync(path.join(os.tmpdir(), 'shiva-dataset-'));
    // Readable by the sandbox's uid, as an export of the shared filesystem would be.
    chmodSync(folder, 0o755);
    writeFileSync(path.join(folder, 'labels.csv'), 'cat,dog\n', { mode: 0o644 });
    t = await startTestHub({
      config: {
        images: { ...testCatalogue, catalogue: [...testCatalogue.catalogue, { name: 'home-over', image: HOME_OVER_DATASETS, description: 'home at /datasets' }] },
        storage: {
          datasets: [
            { name: 'pets', hostPath: folder, containerPath: '/datasets/pets', description: 'Cats and dogs', users: ['alice'], admins: true },
            { name: 'absent', hostPath: missing, containerPath: '/datasets/absent', users: ['carol'] },
          ],
        },
      },
    });
    [alice, bob, carol, admin] = await Promise.all([t.user('alice'), t.user('bob'), t.user('carol'), t.user('boss', true)]);
  });
  afterAll(async () => {
    await t?.close();
    if (folder) rmSync(folder, { recursive: true, force: true });
    execFileSync('docker', ['rmi', '-f', HOME_OVER_DATASETS], { stdio: 'ignore' });
  });

  const containerOf = async (sandboxId: string) => {
    const [container] = await docker.listContainers({ all: true, filters: { label: [`${LABELS.deployment}=${t.hub.deploymentId}`, `${LABELS.sandbox}=${sandboxId}`] } });
    return container;
  };
  const launch = async (token: string, body: Record<string, unknown>) => {
    const res = await t.api<SandboxBody>(token, 'POST', '/api/sandboxes', body);
    expect(res.status).toBe(202);
    return res.body;
  };
  const exec = (id: string, ...command: string[]) => spawnSync('docker', ['exec', id, ...command], { encoding: 'utf8' });

  it('mounts the dataset read-only at its container path for a listed user: the file reads, a write fails', async () => {
    const sandbox = await launch(alice, { name: 'pets' });
    await waitForState(t, alice, sandbox.id, 'running');
    const container = (await containerOf(sandbox.id))!;
    expect(exec(container.Id, 'cat', '/datasets/pets/labels.csv').stdout).toBe('cat,dog\n');
    const write = exec(container.Id, 'sh', '-c', 'echo x > /datasets/pets/new.txt');
    expect(write.status).not.toBe(0);
    expect(write.stderr).toMatch(/Read-only file system/);
    // Even a process of the folder's owner could not write: the mount itself is read-only.
    const mounts = (await docker.getContainer(container.Id).inspect()).Mounts;
    expect(mounts).toContainEqual(expect.objectContaining({ Type: 'bind', Source: folder, Destination: '/datasets/pets', RW: false }));
    // The home is still the user's own and writable beside it.
    expect(exec(container.Id, 'sh', '-c', 'echo mine > /home/shiva/mine.txt && cat /home/shiva/mine.txt').stdout).toBe('mine\n');
    expect((await t.api(alice, 'DELETE', `/api/sandboxes/${sandbox.id}`)).status).toBe(200);
  });

  it('gives a user the dataset does not list no mount of it', async () => {
    const sandbox = await launch(bob, { name: 'nopets' });
    await waitForState(t, bob, sandbox.id, 'running');
    const container = (await containerOf(sandbox.id))!;
    const mounts = (await docker.getContainer(container.Id).inspect()).Mounts ?? [];
    expect(mounts.map((m) => m.Source)).not.toContain(folder);
    expect(mounts.map((m) => m.Destination)).not.toContain('/datasets/pets');
    expect(exec(container.Id, 'test', '-e', '/datasets/pets').status).toBe(1);
    expect((await t.api(bob, 'DELETE', `/api/sandboxes/${sandbox.id}`)).status).toBe(200);
  });

  it('answers the listing with each user\'s own datasets, the host folder to admins only', async () => {
    const list = async (token: string | null) => t.api<DatasetBody[] & ErrorBody>(token, 'GET', '/api/datasets');
    const forAlice = await list(alice);
    expect(forAlice.status).toBe(200);
    expect(forAlice.body).toEqual([{ name: 'pets', containerPath: '/datasets/pets', readOnly: true, description: 'Cats and dogs' }]);
    expect((await list(bob)).body).toEqual([]);
    expect((await list(carol)).body).toEqual([{ name: 'absent', containerPath: '/datasets/absent', readOnly: true, description: '' }]);
    // admins: true gives the admin pets; absent lists only carol.
    expect((await list(admin)).body).toEqual([{ name: 'pets', containerPath: '/datasets/pets', readOnly: true, description: 'Cats and dogs', hostPath: folder }]);
    const anonymous = await list(null);
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.error.code).toBe('UNAUTHENTICATED');
    const scoped = await t.api<{ token: string }>(alice, 'POST', '/api/tokens', { name: 'reader', scopes: ['sandboxes:read'] });
    const refused = await list(scoped.body.token);
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('FORBIDDEN');
    const spec = await t.api<{ paths: Record<string, unknown> }>(null, 'GET', '/api/openapi.json');
    expect(spec.body.paths['/api/datasets']).toBeDefined();
    // The same answers through `shiva datasets`.
    const cli = (token: string) => runShiva(['datasets'], { SHIVA_URL: t.url, SHIVA_TOKEN: token, SHIVA_CREDENTIALS: path.join(folder, 'no-credentials.json') });
    const [aliceCli, bobCli] = await Promise.all([cli(alice), cli(bob)]);
    expect(aliceCli.stdout.split('\n')[1]).toMatch(/^pets +\/datasets\/pets +read-only +Cats and dogs$/);
    expect(aliceCli.stdout).not.toContain(folder);
    expect(bobCli.stdout).toBe('No shared datasets are mounted into your sandboxes.\n');
  });

  it('fails a launch on a machine without the dataset\'s folder in plain words naming the dataset, and leaves no container', async () => {
    const sandbox = await launch(carol, { name: 'absent' });
    const failed = await waitForState<SandboxBody>(t, carol, sandbox.id, 'failed');
    expect(failed.reason).toBe('The container engine refused: the dataset absent is missing on this machine (its folder does not exist here).');
    expect(failed.reason).not.toMatch(ENGINE_WORDS);
    expect(failed.reason).not.toContain(missing);
    expect(await containerOf(sandbox.id)).toBeUndefined();
    // The engine did not make the folder, as a bind through Binds would have.
    expect(spawnSync('test', ['-e', missing]).status).toBe(1);
  });

  it("fails a launch whose image's home label lies over a dataset, before any container is made", async () => {
    const sandbox = await launch(alice, { name: 'over', image: 'home-over' });
    const failed = await waitForState<SandboxBody>(t, alice, sandbox.id, 'failed');
    expect(failed.reason).toBe("The dataset pets is mounted at /datasets/pets, which overlaps this image's home /datasets; an admin must move the dataset's containerPath.");
    expect(await containerOf(sandbox.id)).toBeUndefined();
  });
});
