import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../config/load.js';
import { ShivaError } from '../contract/errors.js';
import { coreDeps } from '../../test/support/core-deps.js';
import { rejection as rejectionWith } from '../../test/support/rejection.js';
import { RouteTable } from '../proxy/route-table.js';
import { FakeRuntime } from '../runtime/fake/fake-runtime.js';
import { LABELS, RuntimeError } from '../runtime/types.js';
import type { Db } from '../store/database.js';
import { GiB } from '../contract/resources.js';
import { HomesFilesystem } from '../storage/homes-filesystem.js';
import { containerName } from './launch.js';
import { reconcile } from './reconcile.js';
import { SandboxService, type SandboxServiceDeps } from './service.js';
import type { Actor } from './types.js';

const DEPLOYMENT = 'unit0000test';

interface World {
  db: Db;
  /** The first machine's runtime. */
  runtime: FakeRuntime;
  runtimes: Map<string, FakeRuntime>;
  deps: SandboxServiceDeps;
  service: SandboxService;
  routes: RouteTable;
  alice: Actor;
  bob: Actor;
  admin: Actor;
  homes: string;
}

async function world(overrides: Record<string, unknown> = {}): Promise<World> {
  const homes = mkdtempSync(path.join(os.tmpdir(), 'shiva-homes-'));
  const config = parseConfig({
    dataDir: homes,
    homes: { root: homes },
    images: {
      default: 'tiny',
      catalogue: [
        { name: 'tiny', image: 'shiva/tiny:latest' },
        { name: 'remote', image: 'registry.example/remote:1' },
        { name: 'gone', image: 'registry.example/gone:1' },
        { name: 'broken', image: 'shiva/tiny:latest', env: { TINY_FAIL_AT_START: 'on purpose' } },
      ],
    },
    sandboxes: { maxPerUser: 2, readinessTimeoutSeconds: 2 },
    ...overrides,
  });
  const runtime = new FakeRuntime({ images: { 'shiva/tiny:latest': { 'org.shiva.uid': String(process.getuid?.() ?? 1000) } }, pullable: ['registry.example/remote:1'] });
  const runtimes = new Map<string, FakeRuntime>([[config.machines[0]!.name, runtime]]);
  const { deps, db, actors } = await coreDeps({
    config,
    deploymentId: DEPLOYMENT,
    users: ['alice', 'bob', 'root'],
    makeRuntime: (entry) => {
      if (entry.name === config.machines[0]!.name) return runtime;
      const other = new FakeRuntime({ images: { 'shiva/tiny:latest': { 'org.shiva.uid': String(process.getuid?.() ?? 1000) } } });
      runtimes.set(entry.name, other);
      return other;
    },
  });
  return {
    db,
    runtime,
    runtimes,
    deps,
    routes: deps.routes,
    homes,
    service: new SandboxService(deps),
    alice: actors.get('alice')!,
    bob: actors.get('bob')!,
    admin: actors.get('root')!,
  };
}

const rejection = (promise: Promise<unknown>) => rejectionWith(promise, ShivaError);

it("names each container by its sandbox's whole id, so two users' names that read alike never meet", () => {
  // ann's x-lab and ann-x's lab read alike; ids that share their first digits stay apart.
  const a = containerName('dep', { id: 'aaaaaa0000000001', username: 'ann', name: 'x-lab' });
  const b = containerName('dep', { id: 'aaaaaa0000000002', username: 'ann-x', name: 'lab' });
  expect(a).toBe('shiva-dep-ann-x-lab-aaaaaa0000000001');
  expect(b).not.toBe(a);
});

// What the core does with an engine (launch, stop, reconcile) is tested once per runtime, on the
// fake and on Docker, in lifecycle.conformance.ts; here is what is the core's own: names,
// refusals, event codes, pulls, placement, GPUs and limits.
describe('the sandboxes core', () => {
  let w: World;
  beforeEach(async () => {
    w = await world();
  });
  afterEach(async () => {
    await w.service.settle();
    for (const runtime of w.runtimes.values()) await runtime.closeAll();
    await w.db.destroy();
    rmSync(w.homes, { recursive: true, force: true });
  });

  it('gives each launch step and a stop a code with its values, beside the English message', async () => {
    const sandbox = await w.service.launch(w.alice, { image: 'remote' });
    await w.service.settle();
    await w.service.stop(w.alice, sandbox.id);
    const events = await w.deps.events.history(sandbox.id);
    const codes = [...new Set(events.map((e) => e.code))];
    expect(codes).toEqual(['queued', 'pulling', 'pull_progress', 'creating', 'starting', 'waiting', 'ready', 'stop_asked', null]);
    expect(events[0]!.params).toEqual({ machine: 'local', gpus: '' });
    expect(events.find((e) => e.code === 'pull_progress' && e.params?.percent === 100)?.params?.image).toBe(events[1]!.params?.image);
    const ready = events.find((e) => e.code === 'ready')!;
    expect(ready.message).toBe(`Ready in ${Number(ready.params?.seconds).toFixed(1)} s`);
    expect(events.find((e) => e.code === 'stop_asked')?.params).toEqual({ by: 'alice' });
    // The stop's reason is in the message only.
    expect(events.at(-1)).toMatchObject({ state: 'stopped', code: null, params: null });
  });

  it('picks main, then main-2, when no name is given', async () => {
    const first = await w.service.launch(w.alice, {});
    const second = await w.service.launch(w.alice, {});
    expect([first.name, second.name]).toEqual(['main', 'main-2']);
  });

  it('refuses a taken name, a third sandbox, unknown images and machines, and resources over the limits', async () => {
    await w.service.launch(w.alice, { name: 'one' });
    expect((await rejection(w.service.launch(w.alice, { name: 'one' }))).code).toBe('SANDBOX_NAME_TAKEN');
    await w.service.launch(w.alice, { name: 'two' });
    expect((await rejection(w.service.launch(w.alice, { name: 'three' }))).code).toBe('SANDBOX_LIMIT_REACHED');
    expect((await rejection(w.service.launch(w.bob, { image: 'nope' }))).code).toBe('IMAGE_NOT_FOUND');
    expect((await rejection(w.service.launch(w.bob, { machine: 'elsewhere' }))).code).toBe('MACHINE_NOT_FOUND');
    expect((await rejection(w.service.launch(w.bob, { cpus: 9 }))).code).toBe('INVALID_RESOURCES');
    expect((await rejection(w.service.launch(w.bob, { memoryGiB: 1000 }))).code).toBe('INVALID_RESOURCES');
    expect((await rejection(w.service.launch(w.bob, { gpus: 1 }))).message).toContain('no machine of this hub has GPUs');
    // Nothing was made for the refused requests.
    expect((await w.service.list(w.bob)).items).toEqual([]);
  });

  it('refuses a launch with STORAGE_FULL while the homes filesystem is below storage.minFreePercent, before holding or making anything', async () => {
    let free = 4;
    const homesFilesystem = new HomesFilesystem({
      root: w.homes,
      minFreePercent: 5,
      log: pino({ level: 'silent' }),
      statfs: async () => ({ bsize: GiB, blocks: 100, bavail: free }),
    });
    const service = new SandboxService({ ...w.deps, admission: [() => homesFilesystem.checkRoomForLaunch()] });
    const err = await rejection(service.launch(w.alice, { name: 'big' }));
    expect(err.code).toBe('STORAGE_FULL');
    expect(err.status).toBe(503);
    expect(err.message).toContain('4 GiB free of 100 GiB');
    expect((await service.list(w.alice, { ended: true })).items).toEqual([]);
    expect(service.ledger.held()).toEqual([]);
    expect(w.runtime.containers.size).toBe(0);
    // Freed: the next launch goes ahead, without waiting for a scheduled reading.
    free = 5;
    expect((await service.launch(w.alice, { name: 'big' })).state).toBe('queued');
    await service.settle();
  });

  it('asks the admission checks in order and refuses with the first that says no, holding nothing', async () => {
    const asked: string[] = [];
    let full = true;
    const service = new SandboxService({
      ...w.deps,
      admission: [
        async (actor) => {
          asked.push(`filesystem ${actor.username}`);
          if (full) throw new ShivaError('STORAGE_FULL', 'The homes filesystem is full.');
        },
        async (actor) => {
          asked.push(`quota ${actor.username}`);
          throw new ShivaError('QUOTA_EXCEEDED', 'Your home is full.');
        },
      ],
    });
    expect((await rejection(service.launch(w.alice, { name: 'one' }))).code).toBe('STORAGE_FULL');
    expect(asked).toEqual(['filesystem alice']);
    full = false;
    expect((await rejection(service.launch(w.alice, { name: 'one' }))).code).toBe('QUOTA_EXCEEDED');
    expect(asked).toEqual(['filesystem alice', 'filesystem alice', 'quota alice']);
    expect((await service.list(w.alice, { ended: true })).items).toEqual([]);
    expect(service.ledger.held()).toEqual([]);
  });

  it('lets two concurrent launches with one name produce exactly one sandbox', async () => {
    const results = await Promise.allSettled([w.service.launch(w.alice, { name: 'x' }), w.service.launch(w.alice, { name: 'x' })]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect((await w.service.list(w.alice)).items).toHaveLength(1);
  });

  it('pulls a missing image with progress, and fails clearly when no registry has it', async () => {
    const pulled = await w.service.launch(w.alice, { image: 'remote' });
    const missing = await w.service.launch(w.bob, { image: 'gone' });
    await w.service.settle();
    const events = await w.deps.events.history(pulled.id);
    expect(events.some((e) => e.state === 'pulling' && e.percent === 100)).toBe(true);
    expect((await w.service.get(w.alice, pulled.id)).state).toBe('running');
    const failed = await w.service.get(w.bob, missing.id);
    expect(failed.state).toBe('failed');
    expect(failed.reason).toContain('could not be found');
    expect(w.runtime.containers.size).toBe(1);
  });

  it("keeps the engine's words out of a failed sandbox's reason and events, and logs them at warn with the sandbox", async () => {
    const engineText = 'failed to create task for container: OCI runtime create failed: runc create failed: exec: "/x": stat /x: no such file or directory';
    w.runtime.start = async () => {
      throw new RuntimeError('failed', engineText);
    };
    const lines: string[] = [];
    w.deps.log = pino({ level: 'warn' }, { write: (line: string) => lines.push(line) });
    const sandbox = await w.service.launch(w.alice, { name: 'refused' });
    await w.service.settle();
    const failed = await w.service.get(w.alice, sandbox.id);
    expect(failed.state).toBe('failed');
    expect(failed.reason).toBe("The container engine of local refused to run the sandbox; the hub's log has the details.");
    for (const e of await w.deps.events.history(sandbox.id)) expect(e.message).not.toMatch(/OCI|runc|no such file/);
    const logged = lines.map((l) => JSON.parse(l) as { sandbox?: string; err?: string; level: number }).find((l) => l.sandbox === sandbox.id);
    expect(logged).toMatchObject({ err: engineText, level: 40 });
  });

  it("hides other users' sandboxes, but lets an admin see and stop them", async () => {
    const sandbox = await w.service.launch(w.alice, {});
    expect((await rejection(w.service.get(w.bob, sandbox.id))).code).toBe('SANDBOX_NOT_FOUND');
    expect((await rejection(w.service.stop(w.bob, sandbox.id))).code).toBe('SANDBOX_NOT_FOUND');
    expect((await w.service.list(w.bob)).items).toEqual([]);
    expect((await w.service.list(w.admin, { all: true })).items).toHaveLength(1);
    await w.service.settle();
    expect((await w.service.stop(w.admin, sandbox.id)).reason).toBe('stopped by root');
  });
});

describe('placement', () => {
  const worlds: World[] = [];
  const make = async (overrides: Record<string, unknown>) => {
    const w = await world(overrides);
    worlds.push(w);
    await w.deps.machines.refresh();
    return w;
  };
  afterEach(async () => {
    for (const w of worlds.splice(0)) {
      await w.service.settle();
      for (const runtime of w.runtimes.values()) await runtime.closeAll();
      await w.db.destroy();
      rmSync(w.homes, { recursive: true, force: true });
    }
  });
  const gpuMachine = (name: string, n: number, gpus: Record<string, unknown> = {}) => ({
    name,
    docker: `tcp://${name}:2375`,
    gpus: { source: 'static', mode: 'devices', devicesDir: '/srv/dev', static: Array.from({ length: n }, (_, i) => ({ index: i, uuid: `GPU-${name}-${i}` })), ...gpus },
  });

  it('answers 409 NO_CAPACITY naming what is short, where the most room is and the largest size that fits, and frees the room when a sandbox ends', async () => {
    const w = await make({ sandboxes: { maxPerUser: 5, limits: { cpus: 8 } } });
    const big = await w.service.launch(w.alice, { name: 'big', cpus: 7, cpuRequest: 7, memoryGiB: 1 });
    const err = await rejection(w.service.launch(w.bob, { name: 'more', cpus: 2, cpuRequest: 2, memoryGiB: 1 }));
    expect(err.code).toBe('NO_CAPACITY');
    expect(err.message).toBe(
      'No machine has room for 2 CPUs, 1 GiB: local: 1 CPU free (2 asked). The most room is on local: 1 CPU, 15 GiB, 0 GPUs. ' +
        'The largest that fits now is 4 CPUs and 15 GiB on local; ask for that or less, or wait until someone stops a sandbox.',
    );
    expect(err.details).toEqual({
      short: 'local: 1 CPU free (2 asked)',
      largest: { machine: 'local', cpus: 4, cpuRequest: 1, memoryGiB: 15 },
      mostRoom: { machine: 'local', cpus: 1, memoryBytes: 15 * 1024 ** 3, gpus: 0 },
    });
    expect(await w.deps.repo.live(w.bob.userId)).toEqual([]);
    // What the refusal offered is placed.
    expect((await w.service.launch(w.bob, { name: 'offered', cpus: 4, memoryGiB: 15 })).cpuRequest).toBe(1);
    expect((await rejection(w.service.launch(w.alice, { name: 'more', cpus: 1, memoryGiB: 1 }))).message).toContain(
      'Nothing fits on any machine now: stop one of your sandboxes.',
    );
    await w.service.settle();
    await w.service.stop(w.alice, big.id);
    expect((await w.service.launch(w.alice, { name: 'more', cpus: 2, cpuRequest: 2, memoryGiB: 1 })).machine).toBe('local');
  });

  it('holds the CPU request, not the limit: a machine reporting 8 CPUs takes four default sandboxes, and memory stays strict', async () => {
    // The fake engine reports 8 CPUs and 16 GiB; every setting is the default but the per-user cap.
    const w = await make({ sandboxes: { maxPerUser: 2 } });
    const team = [w.alice, w.alice, w.bob, w.bob];
    const launched = [];
    for (const [i, who] of team.entries()) launched.push(await w.service.launch(who, { name: `s${i}` }));
    expect(launched.map((s) => [s.cpus, s.cpuRequest, s.memoryGiB])).toEqual(Array(4).fill([2, 0.5, 4]));
    expect(w.service.ledger.usedOn('local')).toMatchObject({ sandboxes: 4, cpus: 2, memoryBytes: 16 * 1024 ** 3 });
    // Six of the eight CPUs are still free to request; the memory is not, and is not overcommitted.
    const admin = await rejection(w.service.launch(w.admin, { name: 'fifth' }));
    expect(admin.code).toBe('NO_CAPACITY');
    expect(admin.message).toContain('local: 0 GiB free (4 GiB asked)');
    expect(admin.message).toContain('Nothing fits on any machine now');
    expect(admin.message).not.toMatch(/CPUs free/);
    await w.service.settle();
    const [container] = [...w.runtime.containers.values()];
    expect(container!.spec).toMatchObject({ cpus: 2, cpuRequest: 0.5 });
  });

  it('takes a CPU request up to the limit, refuses one above it, and holds what it is given', async () => {
    const w = await make({ sandboxes: { maxPerUser: 5 } });
    const s = await w.service.launch(w.alice, { name: 'a', cpus: 4, cpuRequest: 3 });
    expect([s.cpus, s.cpuRequest]).toEqual([4, 3]);
    const above = await rejection(w.service.launch(w.alice, { name: 'b', cpus: 1, cpuRequest: 2 }));
    expect(above.code).toBe('INVALID_RESOURCES');
    expect(above.message).toBe('Invalid resources: cpuRequest must be from 0.01 to cpus (1).');
    // 5 of 8 CPUs are free to request: a limit of 8 (the engine's count) with a request of 5 fits, 6 does not.
    expect((await rejection(w.service.launch(w.alice, { name: 'c', cpus: 8, cpuRequest: 6, memoryGiB: 1 }))).message).toContain('local: 5 CPUs free (6 asked)');
    expect((await w.service.launch(w.alice, { name: 'c', cpus: 8, cpuRequest: 5, memoryGiB: 1 })).machine).toBe('local');
    expect(w.service.ledger.held().map((h) => h.cpus)).toEqual([3, 5]);
  });

  it('frees the room of a failed launch and of a refused name', async () => {
    const w = await make({ sandboxes: { maxPerUser: 5, limits: { cpus: 8 } } });
    await w.service.launch(w.alice, { name: 'x', image: 'broken', cpus: 8, cpuRequest: 8 });
    await w.service.settle();
    expect((await w.service.launch(w.alice, { name: 'y', cpus: 8, cpuRequest: 8 })).state).toBe('queued');
    expect((await rejection(w.service.launch(w.alice, { name: 'y', cpus: 0.5 }))).code).toBe('SANDBOX_NAME_TAKEN');
    expect(w.service.ledger.held().map((h) => h.cpus)).toEqual([8]);
  });

  it('gives GPUs by id, never the same one twice, and passes their device nodes through', async () => {
    const w = await make({ machines: [gpuMachine('g1', 4), gpuMachine('g2', 4)], sandboxes: { maxPerUser: 5, limits: { gpus: 4 } } });
    const a = await w.service.launch(w.alice, { name: 'a', gpus: 2, cpus: 1, memoryGiB: 1 });
    const b = await w.service.launch(w.bob, { name: 'b', gpus: 1, cpus: 1, memoryGiB: 1 });
    const c = await w.service.launch(w.bob, { name: 'c', gpus: 2, cpus: 1, memoryGiB: 1 });
    await w.service.settle();
    // pack: the fullest machine that fits first
    expect([a, b, c].map((x) => [x.machine, x.gpus])).toEqual([
      ['g1', ['GPU-g1-0', 'GPU-g1-1']],
      ['g1', ['GPU-g1-2']],
      ['g2', ['GPU-g2-0', 'GPU-g2-1']],
    ]);
    const spec = [...w.runtimes.get('g1')!.containers.values()].find((x) => x.spec.labels[LABELS.name] === 'a')!.spec;
    expect(spec.gpus).toEqual({
      mode: 'devices',
      devices: [
        { hostPath: '/srv/dev/nvidia0', containerPath: '/dev/nvidia0' },
        { hostPath: '/srv/dev/nvidia1', containerPath: '/dev/nvidia1' },
        { hostPath: '/srv/dev/nvidiactl', containerPath: '/dev/nvidiactl' },
        { hostPath: '/srv/dev/nvidia-uvm', containerPath: '/dev/nvidia-uvm' },
      ],
      readOnlyMounts: [],
    });
    const err = await rejection(w.service.launch(w.alice, { name: 'd', gpus: 4, cpus: 1, memoryGiB: 1 }));
    expect(err.code).toBe('NO_CAPACITY');
    expect(err.message).toContain('g1: 1 GPU free (4 asked); g2: 2 GPUs free (4 asked)');
    expect(err.message).toContain('The most room is on g2');
  });

  it('spreads when asked, honours a pinned machine, and shares GPUs only where allowed', async () => {
    const w = await make({
      machines: [gpuMachine('g1', 1, { share: true, mode: 'deviceRequests' }), gpuMachine('g2', 1, { mode: 'cdi' })],
      scheduler: { policy: 'spread' },
      sandboxes: { maxPerUser: 5, limits: { gpus: 1 } },
    });
    const a = await w.service.launch(w.alice, { name: 'a', gpus: 1, cpus: 1, memoryGiB: 1 });
    const b = await w.service.launch(w.alice, { name: 'b', gpus: 1, cpus: 1, memoryGiB: 1 });
    const c = await w.service.launch(w.alice, { name: 'c', gpus: 1, cpus: 1, memoryGiB: 1, machine: 'g1' });
    expect([a.machine, b.machine, c.machine]).toEqual(['g1', 'g2', 'g1']);
    expect(c.gpus).toEqual(a.gpus);
    const pinned = await rejection(w.service.launch(w.bob, { name: 'd', gpus: 1, cpus: 1, memoryGiB: 1, machine: 'g2' }));
    expect(pinned.message).toContain('g2: 0 GPUs free (1 asked)');
    expect((await rejection(w.service.launch(w.bob, { machine: 'nowhere' }))).code).toBe('MACHINE_NOT_FOUND');
    await w.service.settle();
    const specOf = (machine: string, name: string) =>
      [...w.runtimes.get(machine)!.containers.values()].find((x) => x.spec.labels[LABELS.name] === name)!.spec;
    expect(specOf('g1', 'a').gpus).toEqual({ mode: 'deviceRequests', ids: ['GPU-g1-0'] });
    expect(specOf('g2', 'b').gpus).toEqual({ mode: 'cdi', devices: ['nvidia.com/gpu=GPU-g2-0'] });
  });

  it('gives a machine that does not see the shared homes no launch: pinned ones are refused with MACHINE_NOT_READY, others go elsewhere', async () => {
    const w = await make({ machines: [gpuMachine('g1', 1), gpuMachine('g2', 1)], sandboxes: { maxPerUser: 5 } });
    w.deps.machines.get('g1')!.homes = { ready: false, reason: 'homes.root lacks the marker', checkedAt: new Date().toISOString() };
    const pinned = await rejection(w.service.launch(w.alice, { name: 'p', machine: 'g1' }));
    expect([pinned.code, pinned.message]).toEqual(['MACHINE_NOT_READY', 'g1 does not see the shared homes, so it takes no launches; an admin must mount them there.']);
    expect((await w.service.launch(w.alice, { name: 'a' })).machine).toBe('g2');
    expect((await w.service.launch(w.alice, { name: 'b' })).machine).toBe('g2');
    expect((await w.service.list(w.alice)).items).toHaveLength(2);
    // With no ready machine left, an unpinned launch hears why, not that there is no room.
    w.deps.machines.get('g2')!.homes = { ready: false, reason: 'homes.root lacks the marker', checkedAt: new Date().toISOString() };
    const none = await rejection(w.service.launch(w.alice, { name: 'c' }));
    expect([none.code, none.message]).toEqual(['MACHINE_NOT_READY', 'No machine takes launches now: g1, g2 do not see the shared homes; an admin must mount them there.']);
    expect((await w.service.list(w.alice)).items).toHaveLength(2);
    await w.service.settle();
  });

  it('says when no machine has GPUs at all', async () => {
    const w = await make({ sandboxes: { limits: { gpus: 2 } } });
    const err = await rejection(w.service.launch(w.alice, { gpus: 1 }));
    expect(err.code).toBe('NO_CAPACITY');
    expect(err.message).toContain('no machine of this hub has GPUs');
    // Waiting or stopping a sandbox will never make room for a GPU: the advice says so.
    expect(err.message).toContain('No GPU is on any machine, free or not: ask for none.');
    expect(err.message).not.toMatch(/wait until|stop one of/);
  });

  it('holds what live sandboxes held before a restart', async () => {
    const w = await make({ sandboxes: { maxPerUser: 5, limits: { cpus: 8 } } });
    await w.service.launch(w.alice, { name: 'big', cpus: 8, cpuRequest: 6, memoryGiB: 1 });
    await w.service.settle();
    const again = new SandboxService(w.deps);
    await again.restoreHoldings();
    // The request is what is held again, not the limit: 2 CPUs are still free to request.
    expect(again.ledger.held().map((h) => h.cpus)).toEqual([6]);
    expect((await rejection(again.launch(w.bob, { cpus: 4, cpuRequest: 4, memoryGiB: 1 }))).code).toBe('NO_CAPACITY');
  });

  it('keeps a sandbox stopped while its machine is down as stopping, holding its room, until the container is gone', async () => {
    const w = await make({ machines: [gpuMachine('g1', 1)], sandboxes: { maxPerUser: 5, limits: { gpus: 1 } } });
    const held = await w.service.launch(w.alice, { name: 'held', gpus: 1, cpus: 1, memoryGiB: 1 });
    await w.service.settle();
    const runtime = w.runtimes.get('g1')!;
    runtime.down = true;
    await w.deps.machines.refresh();
    await w.deps.machines.refresh();
    await w.service.markUnknown('g1');
    const stopping = await w.service.stop(w.alice, held.id);
    expect(stopping.state).toBe('stopping');
    // Its GPU may still be in use by the container: nobody else gets it.
    runtime.down = false;
    await w.deps.machines.refresh();
    expect((await rejection(w.service.launch(w.bob, { name: 'next', gpus: 1, cpus: 1, memoryGiB: 1 }))).code).toBe('NO_CAPACITY');
    await reconcile(w.deps, w.service);
    const ended = await w.service.get(w.alice, held.id);
    expect(ended.state).toBe('stopped');
    expect(ended.reason).toBe('stopped by its owner');
    expect([...runtime.containers.values()]).toHaveLength(0);
    expect((await w.service.launch(w.bob, { name: 'next', gpus: 1, cpus: 1, memoryGiB: 1 })).gpus).toEqual(['GPU-g1-0']);
  });

  it('gives shared GPUs to the least held first, and honours a cap on sandboxes', async () => {
    const w = await make({
      machines: [{ ...gpuMachine('s', 2, { share: true }), max: { sandboxes: 3 } }],
      sandboxes: { maxPerUser: 5, limits: { gpus: 1 } },
    });
    const gpus: string[][] = [];
    for (const name of ['a', 'b', 'c']) gpus.push((await w.service.launch(w.alice, { name, gpus: 1, cpus: 0.5, memoryGiB: 0.5 })).gpus);
    expect(gpus).toEqual([['GPU-s-0'], ['GPU-s-1'], ['GPU-s-0']]);
    const capped = await rejection(w.service.launch(w.bob, { name: 'd', cpus: 0.5, memoryGiB: 0.5 }));
    expect(capped.code).toBe('NO_CAPACITY');
    expect(capped.message).toContain('s: at its most sandboxes');
  });

  it('says the per-user limit before a full hub', async () => {
    const w = await make({ sandboxes: { maxPerUser: 1, limits: { cpus: 8 } } });
    await w.service.launch(w.alice, { name: 'all', cpus: 8, cpuRequest: 8 });
    expect((await rejection(w.service.launch(w.alice, { name: 'more', cpus: 1 }))).code).toBe('SANDBOX_LIMIT_REACHED');
    expect((await rejection(w.service.launch(w.bob, { name: 'more', cpus: 1 }))).code).toBe('NO_CAPACITY');
  });

  it('marks the sandboxes of a machine that stops answering unknown, and running again when it is back', async () => {
    const w = await make({ sandboxes: { maxPerUser: 5 } });
    const kept = await w.service.launch(w.alice, { name: 'kept', cpus: 1, memoryGiB: 1 });
    const lost = await w.service.launch(w.alice, { name: 'lost', cpus: 1, memoryGiB: 1 });
    await w.service.settle();
    w.runtime.down = true;
    await w.deps.machines.refresh();
    expect(await w.service.markUnknown('local')).toBe(2);
    expect((await w.service.get(w.alice, kept.id)).state).toBe('unknown');
    expect(w.routes.get('alice', 'kept')).toBeUndefined();
    w.runtime.down = false;
    await w.deps.machines.refresh();
    const lostContainer = [...w.runtime.containers.values()].find((c) => c.spec.labels[LABELS.name] === 'lost')!;
    await w.runtime.remove(lostContainer.info.id);
    await reconcile(w.deps, w.service);
    expect((await w.service.get(w.alice, kept.id)).state).toBe('running');
    expect(w.routes.get('alice', 'kept')?.sandboxId).toBe(kept.id);
    const ended = await w.service.get(w.alice, lost.id);
    expect(ended.state).toBe('stopped');
    expect(ended.reason).toBe('its container was removed outside Shiva (docker rm)');
    expect((await w.deps.events.history(kept.id)).map((e) => e.state)).toEqual(['queued', 'creating', 'starting', 'waiting', 'running', 'unknown', 'running']);
    expect(w.service.ledger.held().map((h) => h.cpus)).toEqual([0.25]);
    // A late call for the down it had (the machine flapped): the sandbox runs on, routed.
    expect(await w.service.markUnknown('local')).toBe(0);
    expect((await w.service.get(w.alice, kept.id)).state).toBe('running');
    expect(w.routes.get('alice', 'kept')?.sandboxId).toBe(kept.id);
  });
});

describe('shared datasets', () => {
  it("mounts into each launch the datasets its owner gets by name and role, and no other user's", async () => {
    const folder = mkdtempSync(path.join(os.tmpdir(), 'shiva-datasets-'));
    const w = await world({
      sandboxes: { maxPerUser: 2, readinessTimeoutSeconds: 2 },
      storage: {
        datasets: [
          { name: 'open', hostPath: folder, containerPath: '/datasets/open' },
          { name: 'alices', hostPath: folder, containerPath: '/datasets/alices', users: ['alice'], readOnly: false },
          { name: 'staff', hostPath: folder, containerPath: '/datasets/staff', admins: true },
        ],
      },
    });
    try {
      for (const actor of [w.alice, w.bob, w.admin]) await w.service.launch(actor, { name: 'main' });
      await w.service.settle();
      const mountsOf = (user: string) =>
        [...w.runtime.containers.values()].find((c) => c.spec.labels[LABELS.user] === user)!.spec.mounts?.map((m) => `${m.containerPath}:${m.readOnly ? 'ro' : 'rw'}`);
      expect(mountsOf('alice')).toEqual(['/datasets/open:ro', '/datasets/alices:rw']);
      expect(mountsOf('bob')).toEqual(['/datasets/open:ro']);
      expect(mountsOf('root')).toEqual(['/datasets/open:ro', '/datasets/staff:ro']);
    } finally {
      await w.service.settle();
      await w.runtime.closeAll();
      await w.db.destroy();
      rmSync(w.homes, { recursive: true, force: true });
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
