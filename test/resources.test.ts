/**
 * Resources the engine would refuse, or would see as 0 (no limit at all), are refused by the
 * API before anything is reserved or created; and when the real engine does refuse a launch,
 * the user gets a plain reason while the engine's words go to the log only.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { LABELS } from '../src/runtime/types.js';
import { describeDocker, TINY_IMAGE } from './support/docker.js';
import { startTestHub, testCatalogue, type TestHub } from './support/hub.js';
import { waitForState } from './support/wait.js';

type ErrorBody = { error: { code: string; message: string } };
type SandboxBody = { id: string; state: string; reason: string | null };

const NO_ENTRYPOINT = `shiva-test/no-entrypoint:${process.pid}`;

/** Words of Docker, runc, Go's HTTP client or the kernel, never of the hub. */
const ENGINE_WORDS = /runc|OCI runtime|shim|exec:|no such file|Range of CPUs|NanoCpus|cfs_quota|dial tcp|connection refused|Error response from daemon|HTTP code|invalid argument|\/v2\//i;

describeDocker('resources a sandbox may have, on the real engine', [TINY_IMAGE], () => {
  let t: TestHub;
  let owner: string;

  beforeAll(async () => {
    // An image whose entrypoint does not exist: the engine creates the container, then runc refuses to start it.
    const context = mkdtempSync(path.join(os.tmpdir(), 'shiva-noentry-'));
    writeFileSync(path.join(context, 'Dockerfile'), `FROM ${TINY_IMAGE}\nENTRYPOINT ["/nonexistent/entrypoint"]\n`);
    execFileSync('docker', ['build', '-q', '-t', NO_ENTRYPOINT, context], { env: { ...process.env, DOCKER_BUILDKIT: '0' }, stdio: 'pipe' });
    rmSync(context, { recursive: true, force: true });
    t = await startTestHub({
      config: {
        images: {
          ...testCatalogue,
          catalogue: [
            ...testCatalogue.catalogue,
            { name: 'unreachable', image: '127.0.0.1:1/shiva-test/nowhere:1', description: 'a registry that refuses' },
            { name: 'no-entrypoint', image: NO_ENTRYPOINT, description: 'cannot start' },
          ],
        },
        // Above this machine's CPU count, which the scheduler's overcommit alone would allow.
        sandboxes: { defaults: { cpus: 0.5, memoryGiB: 0.5 }, limits: { cpus: os.availableParallelism() + 2 }, readinessTimeoutSeconds: 30, stopTimeoutSeconds: 2 },
      },
    });
    owner = await t.user('res');
  });
  afterAll(async () => {
    await t?.close();
    execFileSync('docker', ['rmi', '-f', NO_ENTRYPOINT], { stdio: 'ignore' });
  });

  const containers = async () => {
    const machine = t.hub.machines.list()[0]!;
    return machine.runtime.list({ [LABELS.deployment]: t.hub.deploymentId });
  };

  it.each([
    ['0.004 CPUs, which runc refuses', { cpus: 0.004 }, 'cpus must be from 0.01 to'],
    ['1e-10 CPUs, which would reach the engine as NanoCpus 0 (no limit)', { cpus: 1e-10 }, 'cpus must be from 0.01 to'],
    ['0 CPUs', { cpus: 0 }, 'cpus must be from 0.01 to'],
    ['negative CPUs', { cpus: -1 }, 'cpus must be from 0.01 to'],
    ['memory that rounds to 0 bytes', { memoryGiB: 1e-12 }, 'memoryGiB must be from 0.125 to'],
    ['0 memory', { memoryGiB: 0 }, 'memoryGiB must be from 0.125 to'],
    ['negative GPUs', { gpus: -1 }, 'gpus must be'],
  ])('refuses %s with INVALID_RESOURCES naming the field and range, and changes nothing', async (_what, body, words) => {
    const res = await t.api<ErrorBody>(owner, 'POST', '/api/sandboxes', { name: 'tiny', ...body });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('INVALID_RESOURCES');
    expect(res.body.error.message).toContain(words);
    expect(res.body.error.message).not.toMatch(ENGINE_WORDS);
    expect((await t.api<{ items: SandboxBody[] }>(owner, 'GET', '/api/sandboxes?ended=true')).body.items).toEqual([]);
    expect(t.hub.sandboxes.ledger.heldIds()).toEqual([]);
    expect(await containers()).toEqual([]);
  });

  it('gives the container its CPU limit as NanoCpus and its CPU request as CpuShares, 1024 per CPU', async () => {
    const asked = await t.api<SandboxBody & { cpus: number; cpuRequest: number }>(owner, 'POST', '/api/sandboxes', { name: 'weighted', cpus: 1, cpuRequest: 0.75 });
    const defaulted = await t.api<SandboxBody & { cpus: number; cpuRequest: number }>(owner, 'POST', '/api/sandboxes', { name: 'defaulted', cpus: 1 });
    expect([asked.body.cpuRequest, defaulted.body.cpuRequest]).toEqual([0.75, 0.25]);
    for (const s of [asked.body, defaulted.body]) await waitForState(t, owner, s.id, 'running');
    const docker = new Docker();
    const hostConfig = async (id: string) => {
      const [container] = await docker.listContainers({ filters: { label: [`${LABELS.sandbox}=${id}`] } });
      return (await docker.getContainer(container!.Id).inspect()).HostConfig;
    };
    expect(await hostConfig(asked.body.id)).toMatchObject({ NanoCpus: 1_000_000_000, CpuShares: 768 });
    expect(await hostConfig(defaulted.body.id)).toMatchObject({ NanoCpus: 1_000_000_000, CpuShares: 256 });
    for (const s of [asked.body, defaulted.body]) expect((await t.api(owner, 'DELETE', `/api/sandboxes/${s.id}`)).status).toBe(200);
  });

  it('gives the sandbox a /dev/shm of a quarter of its memory, at least 1 GiB, as df inside shows', async () => {
    const res = await t.api<SandboxBody>(owner, 'POST', '/api/sandboxes', { name: 'shm', memoryGiB: 8 });
    expect(res.status).toBe(202);
    await waitForState(t, owner, res.body.id, 'running');
    const [container] = (await containers()).filter((c) => c.labels[LABELS.sandbox] === res.body.id);
    // `df -B1 --output=size` prints a header line and the size in bytes.
    const df = execFileSync('docker', ['exec', container!.id, 'df', '-B1', '--output=size', '/dev/shm'], { encoding: 'utf8' });
    expect(Number(df.trim().split('\n').at(-1))).toBe(2 * 1024 ** 3);
    expect((await t.api(owner, 'DELETE', `/api/sandboxes/${res.body.id}`)).status).toBe(200);
  });

  it('runs the smallest CPU share the engine takes, 0.01', async () => {
    const res = await t.api<SandboxBody>(owner, 'POST', '/api/sandboxes', { name: 'least', cpus: 0.01 });
    expect(res.status).toBe(202);
    await waitForState(t, owner, res.body.id, 'running');
    const [container] = await containers();
    expect(container).toBeDefined();
    expect((await t.api(owner, 'DELETE', `/api/sandboxes/${res.body.id}`)).status).toBe(200);
  });

  it('refuses more CPUs than the machine has, which the engine would refuse in its own words, plainly and before anything is reserved', async () => {
    const cpus = os.availableParallelism() + 1;
    const res = await t.api<ErrorBody>(owner, 'POST', '/api/sandboxes', { name: 'toobig', cpus });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('NO_CAPACITY');
    expect(res.body.error.message).toContain(`local: ${os.availableParallelism()} CPUs in all, so at most ${os.availableParallelism()} per sandbox`);
    expect(res.body.error.message).not.toMatch(ENGINE_WORDS);
    expect(t.hub.sandboxes.ledger.heldIds()).toEqual([]);
    expect(await containers()).toEqual([]);
  });

  it('tells the user a plain reason, without the engine words, when the engine refuses to start the container', async () => {
    const res = await t.api<SandboxBody>(owner, 'POST', '/api/sandboxes', { name: 'noentry', image: 'no-entrypoint' });
    expect(res.status).toBe(202);
    const failed = await waitForState<SandboxBody>(t, owner, res.body.id, 'failed');
    expect(failed.reason).toBe("The container engine of local refused to run the sandbox; the hub's log has the details.");
    const events = await t.hub.events.history(res.body.id);
    for (const e of events) expect(e.message).not.toMatch(ENGINE_WORDS);
    expect(await containers()).toEqual([]);
  });

  it('tells the user a plain reason, without the engine words, when a pull fails', async () => {
    const res = await t.api<SandboxBody>(owner, 'POST', '/api/sandboxes', { name: 'nowhere', image: 'unreachable' });
    expect(res.status).toBe(202);
    const failed = await waitForState<SandboxBody>(t, owner, res.body.id, 'failed');
    expect(failed.reason).toBe('The image 127.0.0.1:1/shiva-test/nowhere:1 could not be found on local nor pulled from its registry.');
    const events = await t.hub.events.history(res.body.id);
    for (const e of events) expect(e.message).not.toMatch(ENGINE_WORDS);
  });
});
