/**
 * A hub with two machines, each a real Docker Engine on this host: placement by policy and by
 * pin on real containers, a 409 for what fits neither, and an engine killed and started again.
 */
import Docker from 'dockerode';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Machine, MachineHistoryPage, Sandbox } from '../src/contract/api.js';
import { LABELS } from '../src/runtime/types.js';
import { describeDocker, TINY_IMAGE } from './support/docker.js';
import { startTestHub, type TestHub } from './support/hub.js';
import { secondEngineUnavailableReason, startSecondEngine, type SecondEngine } from './support/second-engine.js';
import { waitFor, waitForState } from './support/wait.js';

const FIRST = process.env.DOCKER_HOST || 'unix:///var/run/docker.sock';
const first = new Docker({ socketPath: FIRST.replace(/^unix:\/\//, '') });

describeDocker('two machines, two real engines', [TINY_IMAGE], () => {

  let engine: SecondEngine;
  const hubs: TestHub[] = [];
  beforeAll(async () => {
    engine = await startSecondEngine([TINY_IMAGE]);
  }, 180_000);
  afterAll(async () => {
    for (const t of hubs) await t.close();
    await engine?.close();
  }, 120_000);

  /** Each machine may hold 2 CPUs and 2 GiB of sandboxes, so placement is easy to predict. */
  const startHub = async (policy: 'pack' | 'spread') => {
    const caps = { max: { cpus: 2, memoryGiB: 2 } };
    const t = await startTestHub({
      timers: true,
      config: {
        machines: [
          { name: 'one', docker: FIRST, ...caps },
          { name: 'two', docker: engine.url, address: engine.address, bridge: engine.sandboxBridge, ...caps },
        ],
        scheduler: { policy, cpuOvercommit: 1 },
        health: { intervalSeconds: 1, timeoutSeconds: 2 },
        // Requests equal to limits: the figures below are about placement, not about requests.
        sandboxes: { defaults: { cpus: 0.5, cpuRequestFraction: 1, memoryGiB: 0.5 }, limits: { cpus: 4, memoryGiB: 4 }, maxPerUser: 5, readinessTimeoutSeconds: 30, stopTimeoutSeconds: 1 },
      },
    });
    hubs.push(t);
    return t;
  };

  const launch = async (t: TestHub, token: string, body: Record<string, unknown>) => {
    const res = await t.api<Sandbox & { error?: { code: string; message: string } }>(token, 'POST', '/api/sandboxes', body);
    return res;
  };
  const containersOn = async (docker: Docker, t: TestHub) =>
    (await docker.listContainers({ filters: { label: [`${LABELS.deployment}=${t.hub.deploymentId}`] } })).map((c) => c.Labels[LABELS.name]).sort();
  const machines = async (t: TestHub) => (await t.api<Machine[]>(t.adminToken, 'GET', '/api/machines')).body;

  it('packs onto one machine, pins to the other, refuses what fits neither, and survives the other engine dying', async () => {
    const t = await startHub('pack');
    const alice = await t.user('alice');
    const a = await launch(t, alice, { name: 'a' });
    const b = await launch(t, alice, { name: 'b' });
    expect([a.status, b.status]).toEqual([202, 202]);
    expect([a.body.machine, b.body.machine]).toEqual(['one', 'one']);
    const pinned = await launch(t, alice, { name: 'pinned', machine: 'two' });
    expect(pinned.body.machine).toBe('two');
    for (const s of [a.body, b.body, pinned.body]) await waitForState(t, alice, s.id, 'running');
    expect(await containersOn(first, t)).toEqual(['a', 'b']);
    expect(await containersOn(engine.docker, t)).toEqual(['pinned']);

    // The sandbox on the second engine is published on that machine's address and reached through the proxy.
    const [container] = await engine.docker.listContainers({ filters: { label: [`${LABELS.name}=pinned`] } });
    expect(container!.Ports.find((p) => p.PublicPort)?.IP).toBe(engine.address);
    const through = await fetch(`${t.url}/user/alice/pinned/`, { headers: { authorization: `Bearer ${alice}` } });
    expect(through.status).toBe(200);

    // Two CPUs: no more than any machine here has (a sandbox never gets more than its machine's count).
    const tooBig = await launch(t, alice, { name: 'huge', cpus: 2, memoryGiB: 1 });
    expect(tooBig.status).toBe(409);
    expect(tooBig.body.error?.code).toBe('NO_CAPACITY');
    expect(tooBig.body.error?.message).toContain('one: 1 CPU free (2 asked); two: 1.5 CPUs free (2 asked)');
    expect(tooBig.body.error?.message).toContain('The most room is on two');

    const view = await machines(t);
    expect(view.map((m) => [m.name, m.status, m.allocated.cpus, m.free.cpus])).toEqual([
      ['one', 'up', 1, 1],
      ['two', 'up', 0.5, 1.5],
    ]);
    const history = (await t.api<MachineHistoryPage>(t.adminToken, 'GET', '/api/machines/history')).body;
    expect(history.machines.find((m) => m.name === 'one')!.samples.length).toBeGreaterThan(0);

    await engine.kill();
    await waitFor(async () => (await machines(t)).find((m) => m.name === 'two')?.status === 'down', {
      timeoutMs: 10_000,
      what: 'the killed engine to be shown down',
    });
    const down = (await machines(t)).find((m) => m.name === 'two')!;
    expect(down.lastSeenAt).not.toBeNull();
    expect(down.free).toEqual({ cpus: 0, memoryBytes: 0, gpus: 0 });
    await waitFor(async () => (await t.api<Sandbox>(alice, 'GET', `/api/sandboxes/${pinned.body.id}`)).body.state === 'unknown', {
      timeoutMs: 10_000,
      what: 'the sandbox on the dead engine to be unknown',
    });
    const page = await fetch(`${t.url}/user/alice/pinned/`, { headers: { authorization: `Bearer ${alice}` } });
    expect(page.status).toBe(503);

    // Launches avoid the dead machine, even under spread-like pressure: one has room for one more.
    const meanwhile = await launch(t, alice, { name: 'meanwhile' });
    expect(meanwhile.body.machine).toBe('one');
    const pinnedToDead = await launch(t, alice, { name: 'nowhere', machine: 'two' });
    expect(pinnedToDead.status).toBe(409);
    expect(pinnedToDead.body.error?.message).toContain('two does not answer');

    await engine.start();
    await waitFor(async () => (await t.api<Sandbox>(alice, 'GET', `/api/sandboxes/${pinned.body.id}`)).body.state === 'running', {
      timeoutMs: 20_000,
      what: 'the sandbox on the restarted engine to be running again',
    });
    await waitFor(async () => (await fetch(`${t.url}/user/alice/pinned/`, { headers: { authorization: `Bearer ${alice}` } })).status === 200, {
      timeoutMs: 10_000,
      what: 'the sandbox to answer through the proxy again',
    });
    expect((await machines(t)).find((m) => m.name === 'two')?.status).toBe('up');
    await waitForState(t, alice, meanwhile.body.id, 'running');
  }, 180_000);

  it('spreads over both machines', async () => {
    const t = await startHub('spread');
    const bob = await t.user('bob');
    const placed: string[] = [];
    for (const name of ['s1', 's2', 's3', 's4']) placed.push((await launch(t, bob, { name })).body.machine);
    expect(placed).toEqual(['one', 'two', 'one', 'two']);
    await t.hub.sandboxes.settle();
    expect(await containersOn(first, t)).toEqual(['s1', 's3']);
    expect(await containersOn(engine.docker, t)).toEqual(['s2', 's4']);
  }, 120_000);
}, secondEngineUnavailableReason);
