/**
 * Every way a sandbox ends adds its usage to the daily roll-up once: a stop (asked twice), a
 * container that died or vanished found by the reconciler (as after a hub restart), and a launch
 * that failed, which never ran and adds nothing. Over the fake runtime: what is checked is the
 * lifecycle's bookkeeping, not an engine.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildWorld, type LifecycleWorld } from '../../test/support/lifecycle-world.js';
import { RouteTable } from '../proxy/route-table.js';
import { FakeRuntime } from '../runtime/fake/fake-runtime.js';
import { LABELS } from '../runtime/types.js';
import { usageDaysOf } from '../usage/rollup.js';
import { reconcile } from './reconcile.js';
import { SandboxService, type SandboxServiceDeps } from './service.js';

describe('the usage roll-up as sandboxes end', () => {
  let world: LifecycleWorld | undefined;
  afterEach(async () => {
    await world?.close();
    world = undefined;
  });

  async function open(): Promise<LifecycleWorld> {
    const uid = String(process.getuid?.() ?? 1000);
    const runtime = new FakeRuntime({ images: { 'shiva/tiny:latest': { 'org.shiva.port': '8888', 'org.shiva.uid': uid } } });
    const dir = mkdtempSync(path.join(os.tmpdir(), 'shiva-usage-rollup-'));
    return (world = await buildWorld({
      runtime,
      deployment: 'usage0rollup',
      dir,
      harness: {
        kill: (id) => runtime.crash(id, 137),
        setEngineDown: (down) => {
          runtime.down = down;
        },
        given: () => Promise.reject(new Error('not needed here')),
        otherDeployment: 'another-hub',
      },
      closeRuntime: async () => {
        await runtime.closeAll();
        rmSync(dir, { recursive: true, force: true });
      },
    }));
  }

  it('counts every sandbox that ran exactly once, whichever way it ended, and none that never ran', async () => {
    const w = await open();
    // A sandbox that ran for no time at all counts nothing: each here runs a few milliseconds.
    const aMoment = () => new Promise((resolve) => setTimeout(resolve, 5));
    const containerOf = async (id: string) => (await w.containers()).find((c) => c.labels[LABELS.sandbox] === id)!;

    const stopped = await w.service.launch(w.alice, { name: 'stopped' });
    const broken = await w.service.launch(w.alice, { image: 'broken' });
    await w.service.settle();
    await aMoment();
    await w.service.stop(w.alice, stopped.id);
    await w.service.stop(w.alice, stopped.id);

    const died = await w.service.launch(w.bob, { name: 'died' });
    const vanished = await w.service.launch(w.bob, { name: 'vanished' });
    await w.service.settle();
    await aMoment();
    await w.harness.kill((await containerOf(died.id)).id);
    await w.runtime.remove((await containerOf(vanished.id)).id);
    // As the next start of the hub sees it, then the periodic pass after it.
    const restarted: SandboxServiceDeps = { ...w.deps, routes: new RouteTable() };
    expect(await reconcile(restarted, new SandboxService(restarted))).toMatchObject({ ended: 2 });
    await reconcile(w.deps, w.service);

    const rows = await Promise.all([stopped, broken, died, vanished].map(async (s) => (await w.deps.repo.byId(s.id))!));
    expect(rows.map((r) => r.state)).toEqual(['stopped', 'failed', 'stopped', 'stopped']);
    expect(rows[1]!.started_at).toBeNull();
    const expected = rows.flatMap(usageDaysOf);
    const rolled = await w.usageDays.between('2000-01-01', '3000-01-01');
    const sum = (list: Array<{ started: number; ms: number }>) => list.reduce((a, r) => ({ started: a.started + r.started, ms: a.ms + r.ms }), { started: 0, ms: 0 });
    expect(sum(rolled)).toEqual(sum(expected));
    expect(sum(rolled).started).toBe(3);
    expect(sum(rolled).ms).toBe(rows.filter((r) => r.started_at).reduce((a, r) => a + Date.parse(r.stopped_at!) - Date.parse(r.started_at!), 0));
  });
});
