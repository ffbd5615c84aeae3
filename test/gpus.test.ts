/**
 * GPU launches on a real engine. This machine has no GPU, so two machines with fake GPU
 * inventories give their GPUs by device passthrough of stand-in character devices made with
 * mknod (the numbers NVIDIA's driver uses): the containers really start with those devices, and
 * what the engine holds is checked against what the scheduler promised. A DeviceRequests or CDI
 * launch on this engine, which has neither the NVIDIA runtime nor CDI, fails with a clear reason.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, expect, it } from 'vitest';

/** The device nodes an inspected container was given (dockerode's types leave them untyped). */
const nodesOf = (c: Docker.ContainerInspectInfo): string[] =>
  ((c.HostConfig.Devices ?? []) as Array<{ PathOnHost: string }>).map((d) => d.PathOnHost);
const gpuNodesOf = (c: Docker.ContainerInspectInfo): string[] => nodesOf(c).filter((p) => /nvidia\d+$/.test(p));
import type { Machine, Sandbox } from '../src/contract/api.js';
import { NO_CDI_MESSAGE, NO_NVIDIA_RUNTIME_MESSAGE } from '../src/runtime/docker/errors.js';
import { LABELS } from '../src/runtime/types.js';
import { describeDocker, TINY_IMAGE } from './support/docker.js';
import { startTestHub, type TestHub } from './support/hub.js';
import { waitForState } from './support/wait.js';

const GiB = 1024 ** 3;
const ENGINE = process.env.DOCKER_HOST || 'unix:///var/run/docker.sock';
const docker = new Docker({ socketPath: ENGINE.replace(/^unix:\/\//, '') });
const GPUS_PER_MACHINE = 16;
const LAUNCHES = 50;

describeDocker('GPU launches on a real engine', [TINY_IMAGE], () => {
  let devices: string;
  let t: TestHub;

  /** Stand-ins for /dev/nvidia0…N, /dev/nvidiactl and /dev/nvidia-uvm, with the driver's numbers. */
  const makeDevices = (dir: string) => {
    mkdirSync(dir, { recursive: true });
    for (let i = 0; i < GPUS_PER_MACHINE; i++) execFileSync('mknod', [path.join(dir, `nvidia${i}`), 'c', '195', String(i)]);
    execFileSync('mknod', [path.join(dir, 'nvidiactl'), 'c', '195', '255']);
    execFileSync('mknod', [path.join(dir, 'nvidia-uvm'), 'c', '237', '0']);
  };
  const gpuMachine = (name: string, gpus: Record<string, unknown>) => ({
    name,
    docker: ENGINE,
    max: { cpus: 3, memoryGiB: 4 },
    gpus: {
      source: 'static',
      static: Array.from({ length: GPUS_PER_MACHINE }, (_, i) => ({ index: i, uuid: `GPU-${name}-${String(i).padStart(2, '0')}`, name: 'Stand-in', memoryGiB: 80 })),
      ...gpus,
    },
  });

  beforeAll(async () => {
    devices = mkdtempSync(path.join(os.tmpdir(), 'shiva-gpus-'));
    makeDevices(path.join(devices, 'a'));
    makeDevices(path.join(devices, 'b'));
    t = await startTestHub({
      config: {
        machines: [
          gpuMachine('gpu-a', { mode: 'devices', devicesDir: path.join(devices, 'a') }),
          gpuMachine('gpu-b', { mode: 'devices', devicesDir: path.join(devices, 'b') }),
          gpuMachine('toolkit', { mode: 'deviceRequests' }),
          gpuMachine('cdi', { mode: 'cdi' }),
        ],
        sandboxes: {
          defaults: { cpus: 0.1, memoryGiB: 0.25 },
          limits: { gpus: 2 },
          maxPerUser: 5,
          readinessTimeoutSeconds: 120,
          stopTimeoutSeconds: 1,
        },
      },
    });
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    rmSync(devices, { recursive: true, force: true });
  }, 120_000);

  it(`places ${LAUNCHES} concurrent GPU launches without giving any GPU twice or exceeding any machine`, async () => {
    const users = await Promise.all(Array.from({ length: LAUNCHES / 5 }, (_, i) => t.user(`gpu${i}`)));
    // Pinned half and half: the other two machines, whose engine cannot give GPUs, stay out of it.
    const pinned = Array.from({ length: LAUNCHES }, (_, i) => ({
      token: users[i % users.length]!,
      body: { name: `g${i}`, gpus: 1 + (Math.floor(i / 2) % 2), machine: i % 2 === 0 ? 'gpu-a' : 'gpu-b' },
    }));
    const answers = await Promise.all(
      pinned.map(async (r) => ({ request: r.body, res: await t.api<Sandbox & { error?: { code: string } }>(r.token, 'POST', '/api/sandboxes', r.body) })),
    );
    const accepted = answers.filter((a) => a.res.status === 202);
    const refused = answers.filter((a) => a.res.status !== 202);
    expect(refused.every((a) => a.res.status === 409 && a.res.body.error?.code === 'NO_CAPACITY')).toBe(true);
    console.log(`GPU launches: ${accepted.length} accepted, ${refused.length} refused (409 NO_CAPACITY)`);
    expect(accepted.length).toBeGreaterThan(0);
    expect(refused.length).toBeGreaterThan(0);

    // Every accepted launch really runs.
    await Promise.all(accepted.map((a) => waitForState(t, pinned.find((p) => p.body.name === a.request.name)!.token, a.res.body.id, 'running', 120_000)));

    // What the engine holds, from the real containers.
    const containers = await docker.listContainers({ filters: { label: [`${LABELS.deployment}=${t.hub.deploymentId}`] } });
    expect(containers).toHaveLength(accepted.length);
    const inspected = await Promise.all(containers.map((c) => docker.getContainer(c.Id).inspect()));
    for (const machine of ['gpu-a', 'gpu-b']) {
      const dir = path.join(devices, machine === 'gpu-a' ? 'a' : 'b');
      const here = inspected.filter((c) => {
        const sandbox = accepted.find((a) => a.res.body.id === c.Config.Labels[LABELS.sandbox]);
        return sandbox?.res.body.machine === machine;
      });
      const gpuNodes = here.flatMap(gpuNodesOf);
      expect(new Set(gpuNodes).size).toBe(gpuNodes.length);
      expect(gpuNodes.every((p) => p.startsWith(`${dir}/`))).toBe(true);
      expect(gpuNodes.length).toBeLessThanOrEqual(GPUS_PER_MACHINE);
      for (const c of here) {
        const nodes = nodesOf(c);
        expect(nodes).toContain(`${dir}/nvidiactl`);
        expect(nodes).toContain(`${dir}/nvidia-uvm`);
        expect(c.HostConfig.Privileged).toBe(false);
        expect(c.HostConfig.CapDrop).toEqual(['ALL']);
      }
      expect(here.reduce((sum, c) => sum + (c.HostConfig.Memory ?? 0), 0)).toBeLessThanOrEqual(4 * GiB);
      expect(here.reduce((sum, c) => sum + (c.HostConfig.NanoCpus ?? 0), 0)).toBeLessThanOrEqual(3e9);
      // The devices the scheduler named are the ones the container was given, in its own ids.
      for (const c of here) {
        const sandbox = accepted.find((a) => a.res.body.id === c.Config.Labels[LABELS.sandbox])!.res.body;
        const indexes = sandbox.gpus.map((uuid) => Number(uuid.slice(-2)));
        expect(gpuNodesOf(c)).toEqual(indexes.map((i) => `${dir}/nvidia${i}`));
      }
    }

    // Each refusal was right: nothing ended during the test, so room only shrank, and no
    // machine still has room for a refused request now.
    const machines = (await t.api<Machine[]>(t.adminToken, 'GET', '/api/machines')).body;
    for (const r of refused) {
      const target = machines.find((m) => m.name === r.request.machine)!;
      const fits = target.free.gpus >= r.request.gpus && target.free.memoryBytes >= 0.25 * GiB && target.free.cpus >= 0.1 - 1e-9;
      expect(fits).toBe(false);
    }
    // The dashboard's view says who holds each GPU.
    const a = machines.find((m) => m.name === 'gpu-a')!;
    const held = a.gpus.filter((g) => g.holders.length > 0);
    expect(held.length).toBe(a.allocated.gpus);
    expect(held.every((g) => g.holders.length === 1)).toBe(true);

    // One container, from the inside: the stand-in devices are there as character devices.
    const one = inspected.find((c) => nodesOf(c).length > 0)!;
    const listing = execFileSync('docker', ['exec', one.Id, 'sh', '-c', 'ls -l /dev/nvidia*'], { encoding: 'utf8' });
    expect(listing).toMatch(/^c.* 195,\s+255 .*\/dev\/nvidiactl$/m);
    expect(listing).toMatch(/^c.* \/dev\/nvidia-uvm$/m);
  }, 300_000);

  it('fails a DeviceRequests launch on an engine without the NVIDIA runtime, and a CDI launch on one without CDI, with a clear reason', async () => {
    const carol = await t.user('carol');
    const toolkit = await t.api<Sandbox>(carol, 'POST', '/api/sandboxes', { name: 'tk', gpus: 1, machine: 'toolkit' });
    const cdi = await t.api<Sandbox>(carol, 'POST', '/api/sandboxes', { name: 'cdi', gpus: 1, machine: 'cdi' });
    const failedToolkit = await waitForState<Sandbox>(t, carol, toolkit.body.id, 'failed');
    expect(failedToolkit.reason).toBe(`The container engine refused: ${NO_NVIDIA_RUNTIME_MESSAGE}.`);
    const failedCdi = await waitForState<Sandbox>(t, carol, cdi.body.id, 'failed');
    expect(failedCdi.reason).toBe(`The container engine refused: ${NO_CDI_MESSAGE}.`);
    // The failures gave their GPUs back.
    const machines = (await t.api<Machine[]>(t.adminToken, 'GET', '/api/machines')).body;
    expect(machines.find((m) => m.name === 'toolkit')!.free.gpus).toBe(GPUS_PER_MACHINE);
    expect(machines.find((m) => m.name === 'cdi')!.free.gpus).toBe(GPUS_PER_MACHINE);
    expect(JSON.stringify(failedToolkit)).not.toMatch(/at .*\.js:\d+/);
  }, 120_000);
});
