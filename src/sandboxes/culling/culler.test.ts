import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseConfig } from '../../config/load.js';
import { coreDeps } from '../../../test/support/core-deps.js';
import { FakeRuntime } from '../../runtime/fake/fake-runtime.js';
import type { AuditRepository } from '../../store/audit.js';
import type { Db } from '../../store/database.js';
import { SandboxService, type SandboxServiceDeps } from '../service.js';
import type { Actor } from '../types.js';
import { Culler } from './culler.js';
import { PendingStops } from './pending-stops.js';
import type { CullReason } from './policy.js';
import type { ActivityView, LastActivity } from './types.js';

const MINUTE = 60_000;

/** A stand-in for the activity sources: what each sandbox last did, set by the test. */
class StandInActivity implements ActivityView {
  readonly last = new Map<string, LastActivity>();
  asked: number[] = [];
  async lastActivity(sandbox: { id: string }, options: { gpuUtilisationPercent: number }): Promise<LastActivity | null> {
    this.asked.push(options.gpuUtilisationPercent);
    return this.last.get(sandbox.id) ?? null;
  }
}

interface World {
  db: Db;
  runtime: FakeRuntime;
  deps: SandboxServiceDeps;
  service: SandboxService;
  audit: AuditRepository;
  activity: StandInActivity;
  pending: PendingStops;
  culled: CullReason[];
  /** Moves the clock (Date only, so engines and timers run as ever) instead of waiting. */
  advance(ms: number): void;
  culler: Culler;
  /** A culler as a restarted hub makes it: fresh memory, same database. */
  restart(): Culler;
  alice: Actor;
  root: Actor;
  homes: string;
}

const worlds: World[] = [];
afterEach(async () => {
  vi.useRealTimers();
  for (const w of worlds.splice(0)) {
    await w.service.settle();
    await w.runtime.closeAll();
    await w.db.destroy();
    rmSync(w.homes, { recursive: true, force: true });
  }
});

async function world(culling: Record<string, unknown> = {}, gpus = 0): Promise<World> {
  // Events and rows are stamped by the real clock: move it all, not just the culler's.
  vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true });
  const homes = mkdtempSync(path.join(os.tmpdir(), 'shiva-culling-'));
  const config = parseConfig({
    dataDir: homes,
    homes: { root: homes },
    images: { default: 'tiny', catalogue: [{ name: 'tiny', image: 'shiva/tiny:latest' }] },
    machines: [
      {
        name: 'local',
        docker: 'tcp://local:2375',
        gpus: gpus ? { source: 'static', mode: 'devices', devicesDir: '/srv/dev', static: Array.from({ length: gpus }, (_, i) => ({ index: i, uuid: `GPU-${i}` })) } : { source: 'none' },
      },
    ],
    sandboxes: { maxPerUser: 3, readinessTimeoutSeconds: 2 },
    culling,
  });
  const runtime = new FakeRuntime({ images: { 'shiva/tiny:latest': { 'org.shiva.uid': String(process.getuid?.() ?? 1000) } } });
  const { deps, db, audit, actors, users } = await coreDeps({ config, deploymentId: 'cull0000test', users: ['alice', 'root'], makeRuntime: () => runtime });
  const pending = new PendingStops();
  const service = new SandboxService({ ...deps, idleStops: pending });
  const activity = new StandInActivity();
  const culled: CullReason[] = [];
  const make = (stops: PendingStops) =>
    new Culler({
      config,
      repo: deps.repo,
      users,
      activity,
      events: deps.events,
      stop: (id, by, reason, event) => service.stopByHub(id, by, reason, event),
      audit,
      pending: stops,
      counted: (reason) => culled.push(reason),
      log: deps.log,
    });
  const w: World = {
    db,
    runtime,
    deps,
    service,
    audit,
    activity,
    pending,
    culled,
    advance: (ms) => vi.setSystemTime(Date.now() + ms),
    culler: make(pending),
    restart: () => {
      for (const id of [...pending.ids()]) pending.delete(id);
      return make(pending);
    },
    alice: actors.get('alice')!,
    root: actors.get('root')!,
    homes,
  };
  worlds.push(w);
  return w;
}

async function running(w: World, actor: Actor, request: { gpus?: number; name?: string } = {}) {
  const sandbox = await w.service.launch(actor, { cpus: 1, memoryGiB: 1, ...request });
  await w.service.settle();
  const seen = await w.service.get(actor, sandbox.id);
  expect(seen.state).toBe('running');
  return seen;
}

const codes = async (w: World, id: string) => (await w.deps.events.history(id)).map((e) => e.code).filter((c) => c !== null && !['queued', 'creating', 'starting', 'waiting', 'ready'].includes(c));

describe('the culler', () => {
  it('warns an idle sandbox, then stops it with the idle reason, an audit entry and a count; the home stays', async () => {
    const w = await world({ idleMinutes: 60, warnMinutes: 10 });
    const s = await running(w, w.alice);
    w.advance(45 * MINUTE);
    expect(await w.culler.check()).toMatchObject({ warned: 0, stopped: 0 });
    w.advance(6 * MINUTE);
    expect(await w.culler.check()).toMatchObject({ warned: 1 });
    const warning = (await w.deps.events.history(s.id)).find((e) => e.code === 'idle_warning')!;
    expect(warning.message).toMatch(/^Idle for 51 minutes: it stops at \d\d:\d\d UTC unless it is used$/);
    expect(warning.params).toMatchObject({ reason: 'idle', idleSeconds: 51 * 60, idleMinutes: 51, maxAgeHours: 0 });
    // The view shows the pending stop, at the time the warning gave.
    const viewed = await w.service.get(w.alice, s.id);
    expect(viewed.idleStop).toEqual({ at: warning.params!.stopAt, reason: 'idle' });
    // Once per idle period: a second check before the stop says nothing new.
    w.advance(5 * MINUTE);
    expect(await w.culler.check()).toMatchObject({ warned: 0, stopped: 0 });
    w.advance(6 * MINUTE);
    expect(await w.culler.check()).toMatchObject({ stopped: 1 });
    const stopped = await w.service.get(w.alice, s.id);
    expect(stopped).toMatchObject({ state: 'stopped', reason: 'idle for 62 minutes', idleStop: null });
    expect(await codes(w, s.id)).toEqual(['idle_warning', 'culled']);
    expect(w.culled).toEqual(['idle']);
    const [entry] = await w.audit.find({ actor: 'hub:culler', limit: 5 });
    expect(entry).toMatchObject({ action: 'sandbox.stop', target: `alice/${s.name}`, result: 'ok' });
    expect(JSON.parse(entry!.details!)).toMatchObject({ reason: 'idle for 62 minutes', cause: 'idle' });
    // Stopped like a user's stop: the container is gone, the home is not.
    expect((await w.runtime.list({})).filter((c) => c.state === 'running')).toEqual([]);
  });

  it('calls the stop off when the sandbox is used after the warning, saying so', async () => {
    const w = await world({ idleMinutes: 60, warnMinutes: 10 });
    const s = await running(w, w.alice);
    w.advance(55 * MINUTE);
    await w.culler.check();
    w.activity.last.set(s.id, { at: Date.now() + MINUTE, kind: 'kernel' });
    w.advance(2 * MINUTE);
    expect(await w.culler.check()).toMatchObject({ cleared: 1 });
    const cleared = (await w.deps.events.history(s.id)).find((e) => e.code === 'idle_warning_cleared')!;
    expect(cleared.params).toEqual({ kind: 'kernel' });
    expect(cleared.message).toMatch(/^In use again \(a kernel at work\): it no longer stops at \d\d:\d\d UTC$/);
    expect((await w.service.get(w.alice, s.id)).idleStop).toBeNull();
    // Past the first stop time nothing happens: idle time counts from the kernel's activity.
    w.advance(20 * MINUTE);
    expect(await w.culler.check()).toMatchObject({ stopped: 0, warned: 0 });
    expect((await w.service.get(w.alice, s.id)).state).toBe('running');
  });

  it('postpones the stop when someone presses Keep it running', async () => {
    const w = await world({ idleMinutes: 60, warnMinutes: 10 });
    const s = await running(w, w.alice);
    w.advance(55 * MINUTE);
    await w.culler.check();
    await w.culler.keep(s, 'alice');
    expect((await w.service.get(w.alice, s.id)).idleStop).toBeNull();
    w.advance(30 * MINUTE);
    expect(await w.culler.check()).toMatchObject({ stopped: 0, warned: 0 });
    w.advance(25 * MINUTE);
    expect(await w.culler.check()).toMatchObject({ warned: 1 });
    expect(await codes(w, s.id)).toEqual(['idle_warning', 'kept_running', 'idle_warning']);
  });

  it('stops a sandbox holding GPUs at gpuIdleMinutes, one without at idleMinutes', async () => {
    const w = await world({ idleMinutes: 60, gpuIdleMinutes: 30, warnMinutes: 10 }, 1);
    const gpu = await running(w, w.alice, { gpus: 1, name: 'gpu' });
    const plain = await running(w, w.alice, { name: 'plain' });
    w.advance(20 * MINUTE);
    expect(await w.culler.check()).toMatchObject({ warned: 1 });
    w.advance(11 * MINUTE);
    expect(await w.culler.check()).toMatchObject({ stopped: 1 });
    expect(await w.service.get(w.alice, gpu.id)).toMatchObject({ state: 'stopped', reason: 'idle for 31 minutes while holding GPUs' });
    expect((await w.service.get(w.alice, plain.id)).state).toBe('running');
    expect(w.culled).toEqual(['gpu_idle']);
  });

  it('asks the activity view with the configured GPU utilisation', async () => {
    const w = await world({ gpuUtilisationPercent: 42 });
    await running(w, w.alice);
    await w.culler.check();
    expect(w.activity.asked).toEqual([42]);
  });

  it('stops a busy sandbox at its maximum age, which Keep it running does not postpone', async () => {
    const w = await world({ idleMinutes: 0, maxAgeHours: 24, warnMinutes: 10 });
    const s = await running(w, w.alice);
    w.advance(23.9 * 60 * MINUTE);
    w.activity.last.set(s.id, { at: Date.now(), kind: 'http' });
    expect(await w.culler.check()).toMatchObject({ warned: 1 });
    expect((await w.service.get(w.alice, s.id)).idleStop?.reason).toBe('max_age');
    await w.culler.keep(s, 'alice');
    expect((await w.deps.events.history(s.id)).at(-1)!.message).toMatch(/its maximum age$/);
    w.advance(11 * MINUTE);
    w.activity.last.set(s.id, { at: Date.now(), kind: 'http' });
    expect(await w.culler.check()).toMatchObject({ stopped: 1 });
    expect(await w.service.get(w.alice, s.id)).toMatchObject({ state: 'stopped', reason: 'reached the 24 h maximum age' });
    expect(w.culled).toEqual(['max_age']);
  });

  it('never stops anything with idleMinutes 0 and no maximum age', async () => {
    const w = await world({ idleMinutes: 0 });
    const s = await running(w, w.alice);
    w.advance(1000 * 60 * MINUTE);
    expect(await w.culler.check()).toEqual({ checked: 0, warned: 0, cleared: 0, stopped: 0 });
    expect((await w.service.get(w.alice, s.id)).state).toBe('running');
    expect(w.activity.asked).toEqual([]);
  });

  it('culls admins like everyone, and spares them only when culling.roles.admin says so', async () => {
    const everyone = await world({ idleMinutes: 60 });
    const a = await running(everyone, everyone.root);
    everyone.advance(55 * MINUTE);
    expect(await everyone.culler.check()).toMatchObject({ warned: 1 });
    expect((await everyone.service.get(everyone.root, a.id)).idleStop).not.toBeNull();

    const spared = await world({ idleMinutes: 60, roles: { admin: { idleMinutes: 0 } } });
    const mine = await running(spared, spared.root, { name: 'admin' });
    const hers = await running(spared, spared.alice, { name: 'user' });
    spared.advance(200 * MINUTE);
    await spared.culler.check();
    spared.advance(20 * MINUTE);
    await spared.culler.check();
    expect((await spared.service.get(spared.root, mine.id)).state).toBe('running');
    expect((await spared.service.get(spared.alice, hers.id)).state).toBe('stopped');
  });

  it('neither repeats nor loses a warning across a restart, and remembers a Keep it running press', async () => {
    const w = await world({ idleMinutes: 60, warnMinutes: 10 });
    const s = await running(w, w.alice);
    w.advance(55 * MINUTE);
    await w.culler.check();
    const stopAt = (await w.service.get(w.alice, s.id)).idleStop!.at;
    const after = w.restart();
    expect((await w.service.get(w.alice, s.id)).idleStop).toBeNull();
    expect(await after.check()).toMatchObject({ warned: 0 });
    expect((await w.service.get(w.alice, s.id)).idleStop?.at).toBe(stopAt);
    w.advance(11 * MINUTE);
    expect(await after.check()).toMatchObject({ stopped: 1 });
    expect(await codes(w, s.id)).toEqual(['idle_warning', 'culled']);

    const kept = await running(w, w.alice, { name: 'kept' });
    w.advance(50 * MINUTE);
    await after.keep(kept, 'alice');
    const again = w.restart();
    w.advance(45 * MINUTE);
    // 95 minutes since the start, 45 since the press: not yet warned.
    expect(await again.check()).toMatchObject({ warned: 0, stopped: 0 });
  });

  it('stops a sandbox past its time when first seen only after a full warning', async () => {
    const w = await world({ idleMinutes: 60, warnMinutes: 10 });
    const s = await running(w, w.alice);
    w.advance(300 * MINUTE);
    await w.culler.check();
    expect(Date.parse((await w.service.get(w.alice, s.id)).idleStop!.at)).toBe(Date.now() + 10 * MINUTE);
    w.advance(9 * MINUTE);
    expect(await w.culler.check()).toMatchObject({ stopped: 0 });
  });
});
