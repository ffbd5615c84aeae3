/**
 * The exit watcher on the fake runtime: what a sandbox's owner reads when its container ends
 * without the hub asking, and that an out-of-memory kill is seen while the sandbox runs on. The
 * same against Docker is test/sandbox-exits.test.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../config/load.js';
import { coreDeps } from '../../test/support/core-deps.js';
import { FakeRuntime } from '../runtime/fake/fake-runtime.js';
import { LABELS } from '../runtime/types.js';
import type { Db } from '../store/database.js';
import { EventCursors } from '../store/event-cursors.js';
import { ExitWatch } from './exits.js';
import { reconcile } from './reconcile.js';
import { SandboxService, type SandboxServiceDeps } from './service.js';
import type { Actor } from './types.js';

const DEPLOYMENT = 'exits0000test';

describe('the exit watcher', () => {
  let db: Db;
  let runtime: FakeRuntime;
  let deps: SandboxServiceDeps;
  let service: SandboxService;
  let alice: Actor;
  let homes: string;
  let watch: ExitWatch;
  let oomKills: string[];

  const startWatch = async (): Promise<ExitWatch> => {
    const machine = deps.machines.list()[0]!;
    const w = new ExitWatch({
      machine,
      deploymentId: DEPLOYMENT,
      repo: deps.repo,
      lifecycle: service.lifecycle,
      events: deps.events,
      cursors: new EventCursors(db),
      log: deps.log,
      onOomKill: (row) => oomKills.push(row.name),
      backoffMs: { first: 10, max: 50 },
    });
    await w.start();
    return w;
  };

  beforeEach(async () => {
    homes = mkdtempSync(path.join(os.tmpdir(), 'shiva-exits-'));
    const config = parseConfig({
      dataDir: homes,
      homes: { root: homes },
      images: { default: 'tiny', catalogue: [{ name: 'tiny', image: 'shiva/tiny:latest' }] },
      sandboxes: { readinessTimeoutSeconds: 2 },
    });
    runtime = new FakeRuntime({ images: { 'shiva/tiny:latest': { 'org.shiva.uid': String(process.getuid?.() ?? 1000) } } });
    const made = await coreDeps({ config, deploymentId: DEPLOYMENT, users: ['alice'], makeRuntime: () => runtime });
    ({ deps, db } = made);
    alice = made.actors.get('alice')!;
    service = new SandboxService(deps);
    oomKills = [];
    watch = await startWatch();
  });
  afterEach(async () => {
    await watch.close();
    await service.settle();
    await runtime.closeAll();
    await db.destroy();
    rmSync(homes, { recursive: true, force: true });
  });

  const launched = async (): Promise<{ id: string; containerId: string }> => {
    const sandbox = await service.launch(alice, { memoryGiB: 0.5 });
    await service.settle();
    const container = [...runtime.containers.values()].find((c) => c.info.labels[LABELS.sandbox] === sandbox.id)!;
    return { id: sandbox.id, containerId: container.info.id };
  };

  const ended = async (id: string) => {
    for (let i = 0; i < 200; i++) {
      const row = await deps.repo.byId(id);
      if (row && row.state === 'stopped') return row;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error(`sandbox ${id} did not end`);
  };

  it('says a process was killed for memory at the real limit, counts it, and leaves the sandbox running', async () => {
    const { id, containerId } = await launched();
    await runtime.oom(containerId, { dies: false });
    for (let i = 0; i < 200 && oomKills.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    const events = await deps.events.history(id);
    expect(events.at(-1)).toMatchObject({ state: 'running', code: 'oom_kill', params: { limitGiB: 0.5 }, message: 'A process was killed: out of memory at the 0.5 GiB limit' });
    expect(oomKills).toEqual([expect.any(String)]);
    expect((await deps.repo.byId(id))?.state).toBe('running');
    expect((await service.get(alice, id)).oomKills).toMatchObject({ count: 1 });
  });

  it('counts every kill in a loop of out-of-memory kills but says so in the events once a minute', async () => {
    const { id, containerId } = await launched();
    for (let i = 0; i < 5; i++) await runtime.oom(containerId, { dies: false });
    for (let i = 0; i < 200 && oomKills.length < 5; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(oomKills).toHaveLength(5);
    expect((await service.get(alice, id)).oomKills).toMatchObject({ count: 5 });
    expect((await deps.events.history(id)).filter((e) => e.code === 'oom_kill')).toHaveLength(1);
  });

  it('ends a sandbox whose server was killed for memory with the out-of-memory reason', async () => {
    const { id, containerId } = await launched();
    await runtime.oom(containerId, { dies: true });
    const row = await ended(id);
    expect(row.reason).toBe('out of memory: the sandbox used its 0.5 GiB limit');
    expect(deps.routes.get('alice', row.name)).toBeUndefined();
    expect(runtime.containers.has(containerId)).toBe(false);
  });

  it('says a container killed from outside was stopped outside Shiva, with the signal and code, and keeps its last log lines', async () => {
    const { id, containerId } = await launched();
    await runtime.killFromOutside(containerId);
    const row = await ended(id);
    expect(row.reason).toBe('it was stopped outside Shiva (SIGKILL, exit code 137)');
    expect(row.log_tail).toContain('GET');
  });

  it('says its server exited with its code when it ended on its own', async () => {
    const { id, containerId } = await launched();
    await runtime.crash(containerId, 1);
    expect((await ended(id)).reason).toBe('its server exited with code 1');
  });

  it('says a container removed behind its back was removed outside Shiva', async () => {
    const { id, containerId } = await launched();
    // The fake's remove kills, dies and destroys at once: the die finds no container any more.
    await runtime.remove(containerId);
    expect((await ended(id)).reason).toBe('its container was removed outside Shiva (docker rm)');
  });

  it("ignores the exits of the hub's own stops", async () => {
    const { id } = await launched();
    await service.stop(alice, id);
    await service.settle();
    const row = await deps.repo.byId(id);
    expect(row?.state).toBe('stopped');
    expect(row?.reason).not.toMatch(/outside Shiva|exited with code/);
  });

  it('follows again after the engine ends its stream, and explains an exit that came while it was not following', async () => {
    const { id, containerId } = await launched();
    runtime.endEventStreams();
    await runtime.killFromOutside(containerId);
    expect((await ended(id)).reason).toBe('it was stopped outside Shiva (SIGKILL, exit code 137)');
  });

  it('gives the same out-of-memory reason and log lines through the reconciler when no watcher heard the death', async () => {
    const { id, containerId } = await launched();
    await watch.close();
    await runtime.oom(containerId, { dies: true });
    await reconcile(deps, service);
    const row = await deps.repo.byId(id);
    expect(row).toMatchObject({ state: 'stopped', reason: 'out of memory: the sandbox used its 0.5 GiB limit' });
    expect(row?.log_tail).toContain('GET');
  });

  it('resumes from its kept cursor after a restart, so an exit while it was closed keeps its explained reason', async () => {
    const { id, containerId } = await launched();
    await watch.close();
    await runtime.killFromOutside(containerId);
    expect((await deps.repo.byId(id))?.state).toBe('running');
    watch = await startWatch();
    // Handled while catching up, before start resolves.
    expect((await deps.repo.byId(id))?.reason).toBe('it was stopped outside Shiva (SIGKILL, exit code 137)');
  });
});
