/**
 * The owner of sandbox state under races that the reconciler used to lose: a launch that ends
 * between the reconciler reading the rows and listing the containers, a launch or stop still at
 * work, a relaunch under the same name. Deterministic: each race is staged, not hoped for.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../config/load.js';
import { MachineRegistry } from '../machines/registry.js';
import { sandboxOrigins } from '../proxy/origins.js';
import { RouteTable } from '../proxy/route-table.js';
import { FakeRuntime } from '../runtime/fake/fake-runtime.js';
import type { ContainerInfo } from '../runtime/types.js';
import { AuditRepository } from '../store/audit.js';
import { openDatabase, type Db } from '../store/database.js';
import { SandboxRepository } from '../store/sandboxes.js';
import { UserRepository } from '../store/users.js';
import { ActivityRecorder } from './activity.js';
import { SandboxEvents } from './events.js';
import { reconcile } from './reconcile.js';
import { SandboxService, type SandboxServiceDeps } from './service.js';
import type { Actor } from './types.js';

interface World {
  db: Db;
  runtime: FakeRuntime;
  deps: SandboxServiceDeps;
  service: SandboxService;
  routes: RouteTable;
  alice: Actor;
  /** The hub's log lines, parsed. */
  lines: Array<Record<string, unknown>>;
  homes: string;
}

async function world(): Promise<World> {
  const homes = mkdtempSync(path.join(os.tmpdir(), 'shiva-lifecycle-'));
  const config = parseConfig({
    dataDir: homes,
    homes: { root: homes },
    images: {
      default: 'tiny',
      catalogue: [
        { name: 'tiny', image: 'shiva/tiny:latest' },
        // Servers that take their time to come up, as Jupyter's does.
        { name: 'slow', image: 'shiva/tiny:latest', env: { TINY_LISTEN_AFTER_MS: '300' } },
        { name: 'sleepy', image: 'shiva/tiny:latest', env: { TINY_LISTEN_AFTER_MS: '60000' } },
      ],
    },
    sandboxes: { readinessTimeoutSeconds: 5 },
  });
  const db = await openDatabase(':memory:');
  const alice = (await new UserRepository(db).create({ username: 'alice', passwordHash: null, role: 'user' }))!;
  const runtime = new FakeRuntime({ images: { 'shiva/tiny:latest': { 'org.shiva.uid': String(process.getuid?.() ?? 1000) } } });
  const repo = new SandboxRepository(db);
  const routes = new RouteTable();
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const deps: SandboxServiceDeps = {
    config,
    repo,
    machines: MachineRegistry.fromConfig(config, () => runtime),
    routes,
    events: new SandboxEvents(repo),
    activity: new ActivityRecorder(),
    deploymentId: 'lifecycle0test',
    origins: sandboxOrigins('http://hub.test', undefined),
    audit: new AuditRepository(db),
    log: pino({ level: 'info' }, sink),
  };
  await deps.machines.refresh();
  return { db, runtime, deps, service: new SandboxService(deps), routes, alice: { userId: alice.id, username: 'alice', admin: false }, lines, homes };
}

/** Makes the next `list` of the engine wait for `gate` first: a reconcile slowed between its two reads. */
function slowListing(runtime: FakeRuntime, gate: () => Promise<void>): void {
  const list = runtime.list.bind(runtime);
  runtime.list = async (labels: Record<string, string>): Promise<ContainerInfo[]> => {
    runtime.list = list;
    await gate();
    return list(labels);
  };
}

describe('the owner of sandbox state', () => {
  let w: World;
  beforeEach(async () => {
    w = await world();
  });
  afterEach(async () => {
    await w.service.settle();
    await w.runtime.closeAll();
    await w.db.destroy();
    rmSync(w.homes, { recursive: true, force: true });
  });

  it('leaves alone a launch that comes up between the reconciler reading the rows and listing the containers', async () => {
    const sandbox = await w.service.launch(w.alice, { name: 'main', image: 'slow' });
    while ((await w.deps.repo.byId(sandbox.id))?.state !== 'waiting') await new Promise((r) => setTimeout(r, 5));
    // The rows are read while the launch waits; the containers are listed once it has come up.
    slowListing(w.runtime, () => w.service.settle());
    const report = await reconcile(w.deps, w.service);

    expect(report).toMatchObject({ ended: 0, removedOrphans: 0, deferred: 1 });
    expect((await w.service.get(w.alice, sandbox.id)).state).toBe('running');
    expect(w.routes.get('alice', 'main')?.sandboxId).toBe(sandbox.id);
    expect([...w.runtime.containers.values()].map((c) => c.info.state)).toEqual(['running']);
    // The next pass, on fresh reads, adopts it as it is.
    expect(await reconcile(w.deps, w.service)).toMatchObject({ adopted: 1, ended: 0, deferred: 0 });
  });

  it('does not end a sandbox whose container it listed before a relaunch under the same name made a new one', async () => {
    const first = await w.service.launch(w.alice, { name: 'main' });
    await w.service.settle();
    const rows = await w.deps.repo.live();
    // The reconciler's view of the first sandbox is taken, then it is stopped and relaunched.
    await w.service.stop(w.alice, first.id);
    const second = await w.service.launch(w.alice, { name: 'main' });
    await w.service.settle();
    expect(await w.service.lifecycle.reconcile(first.id, rows[0]!.version, { action: 'end', why: 'its container vanished', container: undefined })).toBe('changed');
    expect(w.routes.get('alice', 'main')?.sandboxId).toBe(second.id);
    expect((await w.service.get(w.alice, second.id)).state).toBe('running');
  });

  it('acts on nothing a launch or a stop is still working on', async () => {
    const sandbox = await w.service.launch(w.alice, { name: 'main', image: 'sleepy' });
    while (w.runtime.containers.size === 0) await new Promise((r) => setTimeout(r, 5));
    const row = (await w.deps.repo.byId(sandbox.id))!;
    const [container] = await w.runtime.list({});
    expect(await w.service.lifecycle.reconcile(sandbox.id, row.version, { action: 'abandon', container })).toBe('busy');
    expect(await w.service.lifecycle.removeOrphan('local', container!, sandbox.id)).toBe(false);
    expect(w.runtime.containers.size).toBe(1);
    const stopped = await w.service.stop(w.alice, sandbox.id);
    expect(stopped.reason).toBe('stopped by its owner');
    expect(w.runtime.containers.size).toBe(0);
  });

  it('ends an abandoned launch only after re-reading it unchanged, and names the container it removes in the log at info', async () => {
    const sandbox = await w.service.launch(w.alice, { name: 'main' });
    await w.service.settle();
    // As a hub killed mid-launch leaves it: a launching state nobody here works on.
    await w.db.updateTable('sandboxes').set({ state: 'starting' }).where('id', '=', sandbox.id).execute();
    const [container] = await w.runtime.list({});
    expect(await reconcile(w.deps, w.service)).toMatchObject({ ended: 1 });
    expect((await w.service.get(w.alice, sandbox.id)).state).toBe('failed');
    const removal = w.lines.find((l) => l.msg === 'container removed' && l.container === container!.id);
    expect(removal).toMatchObject({ level: 30, sandbox: sandbox.id, by: 'reconciler' });
    expect(w.service.ledger.heldIds()).toEqual([]);
    // The hub's own act is in the audit log too, under its system actor.
    const audited = await new AuditRepository(w.db).find({ actor: 'hub:reconciler', limit: 10 });
    expect(audited).toMatchObject([{ action: 'sandbox.stop', target: 'alice/main', result: 'ok' }]);
    expect(JSON.parse(audited[0]!.details!)).toMatchObject({ sandbox: sandbox.id, container: container!.id, state: 'starting' });
  });

  it('says the container exited, not that a port is missing, when the server died before the engine answered its start', async () => {
    const start = w.runtime.start.bind(w.runtime);
    w.runtime.start = async (id: string) => {
      const started = await start(id);
      await w.runtime.crash(id, 3);
      return { ...started, state: 'exited', exitCode: 3, endpoint: null };
    };
    const sandbox = await w.service.launch(w.alice, { name: 'main' });
    await w.service.settle();
    const after = await w.service.get(w.alice, sandbox.id);
    expect(after).toMatchObject({ state: 'failed', reason: "The sandbox's server did not come up: the container exited with code 3." });
    expect(w.runtime.containers.size).toBe(0);
    expect(w.service.ledger.heldIds()).toEqual([]);
  });

  it('lets an ended sandbox go of its room and of its own route only, and never moves it again', async () => {
    const sandbox = await w.service.launch(w.alice, { name: 'main' });
    await w.service.settle();
    const before = (await w.deps.repo.byId(sandbox.id))!.version;
    await w.service.stop(w.alice, sandbox.id);
    expect(w.service.ledger.heldIds()).toEqual([]);
    const after = (await w.deps.repo.byId(sandbox.id))!;
    expect(after.version).toBeGreaterThan(before);
    // Whatever arrives late for an ended sandbox changes nothing.
    expect(await w.service.lifecycle.lose(sandbox.id, 'local')).toBe(false);
    expect(await w.service.lifecycle.finishStop(sandbox.id, 'someone')).toBe('not_stopping');
    expect(await w.service.lifecycle.askStop(sandbox.id, 'again', 'someone', { message: 'again' })).toBeNull();
    expect((await w.deps.repo.byId(sandbox.id))!).toEqual(after);
  });
});
