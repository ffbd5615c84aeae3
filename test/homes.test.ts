/**
 * Homes on every machine, on two real engines sharing one homes.root (a directory on this host,
 * as a shared filesystem would be). The second engine runs in a mount namespace of its own, so
 * its view of homes.root can be made to differ from the hub's: a home made there is visibly made
 * by a job on that engine, and a view without the hub's marker is visibly not ready.
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Machine, Sandbox } from '../src/contract/api.js';
import { markerName } from '../src/machines/homes-check.js';
import { LABELS } from '../src/runtime/types.js';
import { describeDocker, TINY_IMAGE } from './support/docker.js';
import { startTestHub, type TestHub } from './support/hub.js';
import { startSecondEngine, type SecondEngine } from './support/second-engine.js';
import { waitFor, waitForState } from './support/wait.js';

const FIRST = process.env.DOCKER_HOST || 'unix:///var/run/docker.sock';
const first = new Docker({ socketPath: FIRST.replace(/^unix:\/\//, '') });

/** The make-home jobs started on `docker` since `since` (Unix seconds), from the engine's own event log. */
async function homeJobsOn(docker: Docker, since: number, job: string): Promise<number> {
  const until = Math.floor(Date.now() / 1000) + 1;
  const stream = await docker.getEvents({
    since,
    until,
    filters: JSON.stringify({ type: ['container'], event: ['start'], label: [`${LABELS.job}=${job}`] }),
  });
  let text = '';
  for await (const chunk of stream) text += String(chunk);
  return text.split('\n').filter((line) => line.trim()).length;
}

describeDocker('homes on every machine, two real engines', [TINY_IMAGE], () => {
  let engine: SecondEngine;
  let t: TestHub;
  let homes: string;
  let elsewhere: string;
  beforeAll(async () => {
    engine = await startSecondEngine([TINY_IMAGE], { ownMountNamespace: true });
    const dir = mkdtempSync(path.join(os.tmpdir(), 'shiva-homes-two-'));
    homes = path.join(dir, 'homes');
    elsewhere = path.join(dir, 'elsewhere');
    mkdirSync(homes);
    mkdirSync(elsewhere);
    t = await startTestHub({
      timers: true,
      config: {
        homes: { root: homes, checkIntervalSeconds: 1 },
        machines: [
          { name: 'one', docker: FIRST },
          { name: 'two', docker: engine.url, address: engine.address, bridge: engine.sandboxBridge },
        ],
        health: { intervalSeconds: 1, timeoutSeconds: 2 },
        sandboxes: { defaults: { cpus: 0.5, memoryGiB: 0.5 }, maxPerUser: 5, readinessTimeoutSeconds: 30, stopTimeoutSeconds: 1 },
      },
    });
  }, 180_000);
  afterAll(async () => {
    await t?.close();
    await engine?.close();
    if (homes) rmSync(path.dirname(homes), { recursive: true, force: true });
  }, 120_000);

  const launch = (token: string, body: Record<string, unknown>) =>
    t.api<Sandbox & { error?: { code: string; message: string } }>(token, 'POST', '/api/sandboxes', body);
  const machine = async (token: string, name: string) => (await t.api<Machine[]>(token, 'GET', '/api/machines')).body.find((m) => m.name === name)!;
  const file = (token: string, sandbox: string, method: 'GET' | 'PUT', body?: string) =>
    fetch(`${t.url}/user/alice/${sandbox}/files/notes.txt`, { method, body, headers: { authorization: `Bearer ${token}` } });

  it('makes the home through a job on the engine that mounts it, and the same home follows alice to the other machine', async () => {
    const alice = await t.user('alice');
    const job = `make-home:${t.hub.deploymentId}:two:alice`;
    const jobOnOne = `make-home:${t.hub.deploymentId}:one:alice`;
    /** Every make-home job of alice's started on the first engine, under either machine's name. */
    const anyOnFirst = async () => (await homeJobsOn(first, since, job)) + (await homeJobsOn(first, since, jobOnOne));
    const since = Math.floor(Date.now() / 1000) - 1;
    expect((await machine(alice, 'two')).homes).toMatchObject({ ready: true, reason: null });

    // Engine two sees another folder at homes.root than the hub does, with the hub's marker in it:
    // whatever makes alice's home there can only be something that runs on engine two.
    cpSync(path.join(homes, markerName(t.hub.deploymentId)), path.join(elsewhere, markerName(t.hub.deploymentId)));
    engine.inMountNamespace(['mount', '--bind', elsewhere, homes]);
    const there = await launch(alice, { name: 'there', machine: 'two' });
    expect(there.status).toBe(202);
    await waitForState(t, alice, there.body.id, 'running');
    const { uid, gid } = (await t.api<{ user: { uid: number; gid: number } }>(alice, 'GET', '/api/me')).body.user;
    expect(uid).toBeGreaterThanOrEqual(20000);
    const made = statSync(path.join(elsewhere, 'alice'));
    expect([made.uid, made.gid, made.mode & 0o777]).toEqual([uid, gid, 0o700]);
    expect(() => statSync(path.join(homes, 'alice'))).toThrow(/ENOENT/);
    expect(await homeJobsOn(engine.docker, since, job)).toBe(1);
    expect(await anyOnFirst()).toBe(0);
    await t.api(alice, 'DELETE', `/api/sandboxes/${there.body.id}`);
    engine.inMountNamespace(['umount', homes]);

    // Now both engines see the shared folder, where no home was made yet: the create on two finds
    // it missing and the job runs again there, and only there.
    const a = await launch(alice, { name: 'a', machine: 'two' });
    await waitForState(t, alice, a.body.id, 'running');
    expect(statSync(path.join(homes, 'alice')).uid).toBe(uid);
    expect(await homeJobsOn(engine.docker, since, job)).toBe(2);
    expect((await file(alice, 'a', 'PUT', 'written on two')).status).toBeLessThan(300);

    // On machine one the home is remembered as made: no job, and the file is there.
    const b = await launch(alice, { name: 'b', machine: 'one' });
    await waitForState(t, alice, b.body.id, 'running');
    const read = await file(alice, 'b', 'GET');
    expect(await read.text()).toBe('written on two');
    expect(await anyOnFirst()).toBe(0);
  }, 180_000);

  it('shows a machine whose homes.root lacks the marker as not ready, with the reason, and gives it no launch', async () => {
    const bob = await t.user('bob');
    const empty = mkdtempSync(path.join(path.dirname(homes), 'empty-'));
    engine.inMountNamespace(['mount', '--bind', empty, homes]);
    try {
      await waitFor(async () => (await machine(t.adminToken, 'two')).homes?.ready === false, { timeoutMs: 20_000, what: 'machine two to be not ready' });
      const seen = await machine(t.adminToken, 'two');
      expect(seen.status).toBe('up');
      expect(seen.homes?.reason).toBe(`homes.root ${homes} on this machine lacks the hub's marker ${markerName(t.hub.deploymentId)}: it is not the shared homes filesystem (is it mounted there?)`);
      expect(seen.free).toEqual({ cpus: 0, memoryBytes: 0, gpus: 0 });
      // A member sees why in plain words, without the paths.
      expect((await machine(bob, 'two')).homes?.reason).toBe('This machine does not see the shared home folders; an admin must mount them there.');
      expect(await t.hub.metrics.exposition()).toContain('shiva_machine_homes_ready{machine="two"} 0');

      const pinned = await launch(bob, { name: 'pinned', machine: 'two' });
      expect(pinned.status).toBe(503);
      expect(pinned.body.error).toEqual({
        code: 'MACHINE_NOT_READY',
        message: 'two does not see the shared homes, so it takes no launches; an admin must mount them there.',
      });
      const any = await launch(bob, { name: 'any' });
      expect(any.status).toBe(202);
      expect(any.body.machine).toBe('one');
      expect(await engine.docker.listContainers({ all: true, filters: { label: [`${LABELS.deployment}=${t.hub.deploymentId}`, `${LABELS.user}=bob`] } })).toEqual([]);
    } finally {
      engine.inMountNamespace(['umount', homes]);
    }
    await waitFor(async () => (await machine(t.adminToken, 'two')).homes?.ready === true, { timeoutMs: 20_000, what: 'machine two to be ready again' });
  }, 120_000);
});
