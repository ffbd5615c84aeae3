/**
 * Culling of GPU holders on the real engine. This machine has no GPU: the hub's own machine gives
 * stand-in device nodes (mknod, the driver's numbers, as in gpus.test.ts) and reads its GPUs from
 * a stand-in nvidia-smi whose utilisation per GPU the test sets. A GPU sandbox nobody uses is
 * culled at gpuIdleMinutes, long before idleMinutes; one whose GPU is busy is not, until its GPU
 * goes quiet too.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Sandbox, SandboxEvent } from '../src/contract/api.js';
import { describeDocker, TINY_IMAGE } from './support/docker.js';
import { startTestHub, type TestHub } from './support/hub.js';
import { waitFor, waitForState } from './support/wait.js';

const ENGINE = process.env.DOCKER_HOST || 'unix:///var/run/docker.sock';
const fakeSmi = path.resolve(import.meta.dirname, 'fixtures/bin/nvidia-smi-utilisation');

describeDocker('culling GPU holders on the real engine', [TINY_IMAGE], () => {
  let dir: string;
  let t: TestHub;
  let alice: string;
  /** What the stand-in nvidia-smi reports for a GPU (by uuid) from its next reading, in percent. */
  const utilisation = (uuid: string, percent: number) => writeFileSync(path.join(dir, 'utilisation', uuid), String(percent));

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'shiva-culling-gpus-'));
    const devices = path.join(dir, 'dev');
    mkdirSync(devices);
    mkdirSync(path.join(dir, 'utilisation'));
    for (let i = 0; i < 2; i++) execFileSync('mknod', [path.join(devices, `nvidia${i}`), 'c', '195', String(i)]);
    execFileSync('mknod', [path.join(devices, 'nvidiactl'), 'c', '195', '255']);
    execFileSync('mknod', [path.join(devices, 'nvidia-uvm'), 'c', '237', '0']);
    process.env.SHIVA_TEST_GPU_UTILISATION_DIR = path.join(dir, 'utilisation');
    t = await startTestHub({
      timers: true,
      nvidiaSmi: fakeSmi,
      config: {
        machines: [{ name: 'gpu', docker: ENGINE, gpus: { source: 'nvidia-smi', mode: 'devices', devicesDir: devices } }],
        health: { intervalSeconds: 1, timeoutSeconds: 2 },
        sandboxes: { defaults: { cpus: 0.1, memoryGiB: 0.25 }, limits: { gpus: 1 }, readinessTimeoutSeconds: 60, stopTimeoutSeconds: 1 },
        // Idle stops of GPU holders after 12 s, warned 6 s before; others only after ten minutes.
        culling: { idleMinutes: 10, gpuIdleMinutes: 0.2, warnMinutes: 0.1, gpuUtilisationPercent: 5, checkIntervalSeconds: 1 },
      },
    });
    alice = await t.user('alice');
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    delete process.env.SHIVA_TEST_GPU_UTILISATION_DIR;
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  const view = async (id: string) => (await t.api<Sandbox>(alice, 'GET', `/api/sandboxes/${id}`)).body;
  const codes = async (id: string) => {
    const res = await fetch(`${t.url}/api/sandboxes/${id}/events`, { headers: { authorization: `Bearer ${alice}` } });
    return [...(await res.text()).matchAll(/^data: (.*)$/gm)].map((m) => (JSON.parse(m[1]!) as SandboxEvent).code);
  };

  it('culls a GPU holder whose GPU is idle at gpuIdleMinutes, and keeps one whose GPU is busy until it is idle too', async () => {
    const launch = async (name: string) => {
      const res = await t.api<Sandbox>(alice, 'POST', '/api/sandboxes', { name, gpus: 1 });
      expect(res.status).toBe(202);
      return waitForState<Sandbox>(t, alice, res.body.id, 'running');
    };
    const busy = await launch('busy');
    expect(busy.gpus).toHaveLength(1);
    // Busy from the first reading after its launch: 80% is over the 5% threshold.
    utilisation(busy.gpus[0]!, 80);
    const quiet = await launch('quiet');
    expect(quiet.gpus).toHaveLength(1);
    expect(quiet.gpus[0]).not.toBe(busy.gpus[0]);

    await waitFor(async () => (await view(quiet.id)).state === 'stopped', { timeoutMs: 60_000, what: 'the quiet GPU sandbox to be culled' });
    const culled = await view(quiet.id);
    expect(culled.reason).toMatch(/^idle for \d+ (seconds|minutes?) while holding GPUs$/);
    expect(await codes(quiet.id)).toEqual(expect.arrayContaining(['idle_warning', 'culled']));
    // The busy one had as long and more: its GPU kept it, with no warning at all.
    expect((await view(busy.id)).state).toBe('running');
    expect(await codes(busy.id)).not.toContain('idle_warning');

    // Its GPU goes quiet: now it is warned and culled as well.
    utilisation(busy.gpus[0]!, 0);
    await waitFor(async () => (await view(busy.id)).state === 'stopped', { timeoutMs: 60_000, what: 'the busy sandbox to be culled once its GPU is idle' });
    expect((await view(busy.id)).reason).toMatch(/while holding GPUs$/);
  }, 180_000);
});
