/**
 * The behaviour of launch, stop and reconcile, declared once and run against every runtime
 * (lifecycle.fake.test.ts with the fake, test/lifecycle.docker.test.ts with the Docker Engine),
 * so that what the core's unit tests see of an engine is what a real one does. Each test asks
 * its world (test/support/lifecycle-world.ts) for a fresh core; what it does behind the hub's
 * back (a crash, an engine that stops answering) goes through the world's harness. Only the
 * core's public surfaces are used: the service and its lifecycle, reconcile, the route table,
 * reads of the sandbox records, events, log and audit, and the runtime; the races are staged
 * (a listing held back until a launch has come up), not hoped for.
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { bareSpec, type LifecycleWorld, type MakeWorld, type WorldOptions } from '../../test/support/lifecycle-world.js';
import { RouteTable } from '../proxy/route-table.js';
import { LABELS, RuntimeError, type ContainerInfo } from '../runtime/types.js';
import { CUT_BY_SHUTDOWN } from './launch.js';
import { reconcile } from './reconcile.js';
import { SandboxService, type SandboxServiceDeps } from './service.js';

/** Declares the lifecycle tests for the worlds `make` gives: one fresh world per test, closed after it. */
export function describeLifecycle(title: string, make: MakeWorld): void {
  describe(title, () => {
    let current: LifecycleWorld | undefined;
    const open = async (options?: WorldOptions): Promise<LifecycleWorld> => (current = await make(options));
    afterEach(async () => {
      await current?.close();
      current = undefined;
    });

    /** Waits, polling, for the world to reach what `check` looks for. */
    async function until(check: () => Promise<boolean>, what: string): Promise<void> {
      const deadline = Date.now() + 30_000;
      while (!(await check())) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    }
    const someContainer = (w: LifecycleWorld) => until(async () => (await w.containers()).length > 0, 'the launch to make its container');

    describe('launch and stop', () => {
      it('answers a launch at once as queued, then brings the sandbox to running with a route', async () => {
        const w = await open();
        const sandbox = await w.service.launch(w.alice, { name: 'main' });
        expect(sandbox.state).toBe('queued');
        expect(sandbox.url).toBe('http://hub.test/user/alice/main/');
        await w.service.settle();
        const after = await w.service.get(w.alice, sandbox.id);
        expect(after.state).toBe('running');
        expect(after.startedAt).not.toBeNull();
        const route = w.deps.routes.get('alice', 'main');
        expect(route?.sandboxId).toBe(sandbox.id);
        const states = (await w.deps.events.history(sandbox.id)).map((e) => e.state);
        expect(states).toEqual(['queued', 'creating', 'starting', 'waiting', 'running']);
        // The route leads to the sandbox's server.
        const { host, port } = route!.target;
        const answer = await fetch(`http://${host}:${port}/user/alice/main/api`, { headers: { authorization: `token ${route!.token}` } });
        expect(answer.status).toBe(200);
      });

      it('gives the container the limits, labels, token and base URL, and the user a home', async () => {
        const w = await open();
        const sandbox = await w.service.launch(w.alice, { name: 'lab', cpus: 1.5, memoryGiB: 2 });
        await w.service.settle();
        const [container] = await w.containers();
        const given = await w.harness.given(container!.id);
        expect(given.cpus).toBe(1.5);
        expect(given.memoryBytes).toBe(2 * 1024 ** 3);
        // /dev/shm: a quarter of the memory, at least 1 GiB (not Docker's 64 MB).
        expect(given.shmBytes).toBe(1024 ** 3);
        expect(given.pidsLimit).toBe(2048);
        expect(given.publishAddress).toBe('127.0.0.2');
        expect(given.labels).toMatchObject({ [LABELS.deployment]: w.deployment, [LABELS.sandbox]: sandbox.id, [LABELS.user]: 'alice' });
        expect(given.env.SHIVA_BASE_URL).toBe('/user/alice/lab/');
        expect(given.env.JUPYTER_TOKEN).toHaveLength(32);
        expect(given.home.hostPath).toBe(path.join(w.homes, 'alice'));
        expect(statSync(path.join(w.homes, 'alice')).isDirectory()).toBe(true);
        expect(JSON.stringify(sandbox)).not.toContain(given.env.JUPYTER_TOKEN);
      });

      it('fails a sandbox whose server exits, with the log tail, and leaves no container', async () => {
        const w = await open();
        const sandbox = await w.service.launch(w.alice, { image: 'broken' });
        await w.service.settle();
        const after = await w.service.get(w.alice, sandbox.id);
        expect(after.state).toBe('failed');
        expect(after.reason).toContain('exited with code 3');
        const last = (await w.deps.events.history(sandbox.id)).at(-1)!;
        expect(last.message).toContain('tiny: failing at start as asked: on purpose');
        expect(await w.containers()).toHaveLength(0);
        expect(w.deps.routes.list()).toHaveLength(0);
        // A failed sandbox frees its name.
        expect((await w.service.launch(w.alice, { name: sandbox.name })).state).toBe('queued');
      });

      it('fails a sandbox whose server never answers within the readiness timeout', async () => {
        const w = await open({ readinessTimeoutSeconds: 2 });
        const sandbox = await w.service.launch(w.alice, { image: 'deaf' });
        await w.service.settle();
        const after = await w.service.get(w.alice, sandbox.id);
        expect(after.state).toBe('failed');
        expect(after.reason).toContain('did not answer within 2 s');
        expect(await w.containers()).toHaveLength(0);
      });

      it('stops a running sandbox: route and container go, the record stays as stopped', async () => {
        const w = await open();
        const sandbox = await w.service.launch(w.alice, {});
        await w.service.settle();
        const stopped = await w.service.stop(w.alice, sandbox.id);
        expect(stopped.state).toBe('stopped');
        expect(stopped.reason).toBe('stopped by its owner');
        expect(w.deps.routes.list()).toHaveLength(0);
        expect(await w.containers()).toHaveLength(0);
        expect((await w.service.stop(w.alice, sandbox.id)).state).toBe('stopped');
      });

      it('cancels a launch that is still coming up when it is stopped', async () => {
        const w = await open();
        const sandbox = await w.service.launch(w.alice, { image: 'deaf' });
        await someContainer(w);
        const stopped = await w.service.stop(w.alice, sandbox.id);
        expect(stopped.state).toBe('stopped');
        expect(await w.containers()).toHaveLength(0);
        expect(w.service.isLaunching(sandbox.id)).toBe(false);
      });

      it('records launches cut by a hub shutdown as failed with why, cuts later ones at once, and leaves their containers to the next reconcile', async () => {
        const w = await open();
        const cut = await w.service.launch(w.alice, { name: 'cut', image: 'deaf' });
        await someContainer(w);
        await w.service.abortLaunches();
        const after = await w.service.get(w.alice, cut.id);
        expect(after.state).toBe('failed');
        expect(after.reason).toBe(CUT_BY_SHUTDOWN);
        expect((await w.deps.events.history(cut.id)).at(-1)).toMatchObject({ state: 'failed', message: CUT_BY_SHUTDOWN });
        expect(w.deps.routes.list()).toHaveLength(0);
        expect(await w.containers()).toHaveLength(1);

        // A request already past its checks when the shutdown began.
        const late = await w.service.launch(w.alice, { name: 'late' });
        await w.service.settle();
        expect((await w.service.get(w.alice, late.id)).reason).toBe(CUT_BY_SHUTDOWN);
        expect(await w.containers()).toHaveLength(1);

        // The next start: the container is one no live sandbox owns, and the record stays as it was.
        const next = new SandboxService(w.deps);
        expect((await reconcile(w.deps, next)).removedOrphans).toBe(1);
        expect(await w.containers()).toHaveLength(0);
        expect((await w.service.get(w.alice, cut.id)).reason).toBe(CUT_BY_SHUTDOWN);
      });
    });

    describe('reconcile', () => {
      it('adopts running containers into a fresh route table and ends sandboxes whose container died', async () => {
        const w = await open();
        const kept = await w.service.launch(w.alice, { name: 'kept' });
        const dies = await w.service.launch(w.alice, { name: 'dies' });
        await w.service.settle();
        const dying = (await w.containers()).find((c) => c.labels[LABELS.sandbox] === dies.id)!;
        await w.harness.kill(dying.id);
        // As the next start of the hub sees it: a fresh route table and no launch in flight.
        const restarted: SandboxServiceDeps = { ...w.deps, routes: new RouteTable() };
        const next = new SandboxService(restarted);
        const report = await reconcile(restarted, next);
        expect(report).toMatchObject({ adopted: 1, ended: 1 });
        expect(restarted.routes.get('alice', 'kept')?.sandboxId).toBe(kept.id);
        expect(restarted.routes.get('alice', 'dies')).toBeUndefined();
        const ended = await w.service.get(w.alice, dies.id);
        expect(ended.state).toBe('stopped');
        expect(ended.reason).toContain('exited with code 137');
        expect((await w.service.get(w.alice, kept.id)).state).toBe('running');
      });

      it('ends a sandbox whose container vanished, and takes its route away', async () => {
        const w = await open();
        const sandbox = await w.service.launch(w.alice, {});
        await w.service.settle();
        const [container] = await w.containers();
        await w.runtime.remove(container!.id);
        const report = await reconcile(w.deps, w.service);
        expect(report).toMatchObject({ adopted: 0, ended: 1 });
        const ended = await w.service.get(w.alice, sandbox.id);
        expect(ended.state).toBe('stopped');
        expect(ended.reason).toBe('its container was removed outside Shiva (docker rm)');
        expect(w.deps.routes.get('alice', sandbox.name)).toBeUndefined();
      });

      it('ends a launch that a dead hub left halfway and removes its container', async () => {
        const w = await open();
        const sandbox = await w.service.launch(w.alice, { image: 'deaf' });
        await until(async () => (await w.deps.repo.byId(sandbox.id))?.state === 'waiting', 'the launch to wait for its server');
        // The next start of a hub killed mid-launch: a launching record and a container that no
        // launch of this process works on.
        const [container] = await w.containers();
        const next = new SandboxService(w.deps);
        const report = await reconcile(w.deps, next);
        expect(report.ended).toBe(1);
        expect(await w.containers()).toHaveLength(0);
        // The removal is in the log at info, naming the container, and in the audit log under the hub's own actor.
        expect(w.lines.find((l) => l.msg === 'container removed' && l.container === container!.id)).toMatchObject({ level: 30, sandbox: sandbox.id, by: 'reconciler' });
        const audited = await w.audit.find({ actor: 'hub:reconciler', limit: 10 });
        expect(audited).toMatchObject([{ action: 'sandbox.stop', target: `alice/${sandbox.name}`, result: 'ok' }]);
        expect(JSON.parse(audited[0]!.details!)).toMatchObject({ sandbox: sandbox.id, container: container!.id, state: 'waiting' });
        const after = await w.service.get(w.alice, sandbox.id);
        expect(after.state).toBe('failed');
        expect(after.reason).toContain('restarted while this sandbox was launching');
        // The dead hub's launch, here still in this process, finds its container gone and changes nothing.
        await w.service.settle();
        expect((await w.service.get(w.alice, sandbox.id)).reason).toBe(after.reason);
      });

      it('removes containers of its deployment that no sandbox owns, and leaves other deployments alone', async () => {
        const w = await open();
        await w.runtime.create(bareSpec(w, 'orphan', { [LABELS.deployment]: w.deployment, [LABELS.sandbox]: 'nobody' }));
        const foreign = bareSpec(w, 'foreign', { [LABELS.deployment]: w.harness.otherDeployment, [LABELS.sandbox]: 'x' });
        await w.runtime.create(foreign);
        const report = await reconcile(w.deps, w.service);
        expect(report.removedOrphans).toBe(1);
        expect(await w.containers()).toEqual([]);
        expect((await w.runtime.list({ [LABELS.deployment]: w.harness.otherDeployment })).map((c) => c.name)).toEqual([foreign.name]);
      });

      it('decides nothing about a machine whose engine does not answer', async () => {
        const w = await open();
        const sandbox = await w.service.launch(w.alice, {});
        await w.service.settle();
        w.harness.setEngineDown(true);
        const report = await reconcile(w.deps, w.service);
        expect(report.unreachableMachines).toEqual(['local']);
        w.harness.setEngineDown(false);
        expect((await w.service.get(w.alice, sandbox.id)).state).toBe('running');
        expect(await w.containers()).toHaveLength(1);
      });
    });
    describe('under races', () => {
      /** Makes the next container listing wait for `gate`: a reconcile slowed between reading the rows and listing. */
      const slowListing = (w: LifecycleWorld, gate: () => Promise<void>): void => {
        const list = w.runtime.list.bind(w.runtime);
        w.runtime.list = async (labels: Record<string, string>): Promise<ContainerInfo[]> => {
          w.runtime.list = list;
          await gate();
          return list(labels);
        };
      };

      it('leaves alone a launch that comes up between the reconciler reading the rows and listing the containers', async () => {
        const w = await open();
        const sandbox = await w.service.launch(w.alice, { name: 'main', image: 'slow' });
        await until(async () => (await w.deps.repo.byId(sandbox.id))?.state === 'waiting', 'the launch to wait for its server');
        // The rows are read while the launch waits; the containers are listed once it has come up.
        slowListing(w, () => w.service.settle());
        const report = await reconcile(w.deps, w.service);

        expect(report).toMatchObject({ ended: 0, removedOrphans: 0, deferred: 1 });
        expect((await w.service.get(w.alice, sandbox.id)).state).toBe('running');
        expect(w.deps.routes.get('alice', 'main')?.sandboxId).toBe(sandbox.id);
        expect((await w.containers()).map((c) => c.state)).toEqual(['running']);
        // The next pass, on fresh reads, adopts it as it is.
        expect(await reconcile(w.deps, w.service)).toMatchObject({ adopted: 1, ended: 0, deferred: 0 });
      });

      it('does not end a sandbox on a view taken before it was stopped and its name launched again', async () => {
        const w = await open();
        const first = await w.service.launch(w.alice, { name: 'main' });
        await w.service.settle();
        const [seen] = await w.deps.repo.live();
        await w.service.stop(w.alice, first.id);
        const second = await w.service.launch(w.alice, { name: 'main' });
        await w.service.settle();
        const decision = { action: 'end', why: 'its container vanished', container: undefined } as const;
        expect(await w.service.lifecycle.reconcile(first.id, seen!.version, decision)).toBe('changed');
        expect(w.deps.routes.get('alice', 'main')?.sandboxId).toBe(second.id);
        expect((await w.service.get(w.alice, second.id)).state).toBe('running');
      });

      it('acts on nothing a launch or a stop is still working on', async () => {
        const w = await open();
        const sandbox = await w.service.launch(w.alice, { name: 'main', image: 'sleepy' });
        await someContainer(w);
        const row = (await w.deps.repo.byId(sandbox.id))!;
        const [container] = await w.containers();
        expect(await w.service.lifecycle.reconcile(sandbox.id, row.version, { action: 'abandon', container })).toBe('busy');
        expect(await w.service.lifecycle.removeOrphan('local', container!, sandbox.id)).toBe(false);
        expect(await w.containers()).toHaveLength(1);
        const stopped = await w.service.stop(w.alice, sandbox.id);
        expect(stopped.reason).toBe('stopped by its owner');
        expect(await w.containers()).toHaveLength(0);
      });

      it('says the container exited, not that a port is missing, when the server died before the engine answered its start', async () => {
        const w = await open();
        const start = w.runtime.start.bind(w.runtime);
        w.runtime.start = async (id: string) => {
          const started = await start(id);
          await w.harness.kill(id);
          return { ...started, state: 'exited', exitCode: 137, endpoint: null };
        };
        const sandbox = await w.service.launch(w.alice, { name: 'main' });
        await w.service.settle();
        expect(await w.service.get(w.alice, sandbox.id)).toMatchObject({ state: 'failed', reason: "The sandbox's server did not come up: the container exited with code 137." });
        expect(await w.containers()).toHaveLength(0);
        expect(w.service.ledger.heldIds()).toEqual([]);
      });

      it('keeps the room of a sandbox whose container the engine would not remove, until the reconciler has removed it', async () => {
        const w = await open();
        const remove = w.runtime.remove.bind(w.runtime);
        w.runtime.remove = async () => {
          throw new RuntimeError('failed', 'the engine refused to remove the container');
        };
        const failed = await w.service.launch(w.alice, { name: 'failing', image: 'broken' });
        const running = await w.service.launch(w.alice, { name: 'main' });
        await w.service.settle();
        expect((await w.service.get(w.alice, failed.id)).state).toBe('failed');
        expect((await w.service.stop(w.alice, running.id)).state).toBe('stopped');
        // Both containers are still on the engine, so both sandboxes keep their room (and would keep their GPUs).
        const both = new Set([failed.id, running.id]);
        expect(new Set(w.service.ledger.heldIds())).toEqual(both);
        // A pass while the engine still refuses removes nothing and says so: a warning, a failed audit entry.
        expect(await reconcile(w.deps, w.service)).toMatchObject({ removedOrphans: 0 });
        expect(new Set(w.service.ledger.heldIds())).toEqual(both);
        expect((await w.audit.find({ actor: 'hub:reconciler', limit: 10 })).map((e) => [e.action, e.result])).toEqual([
          ['container.remove', 'failed'],
          ['container.remove', 'failed'],
        ]);
        expect(w.lines.filter((l) => l.msg === 'reconcile: removed a container no sandbox owns')).toEqual([]);
        w.runtime.remove = remove;
        expect(await reconcile(w.deps, w.service)).toMatchObject({ removedOrphans: 2 });
        expect(await w.containers()).toEqual([]);
        expect(w.service.ledger.heldIds()).toEqual([]);
      });

      it("does not hold a reconcile pass behind a stop that waits for the engine", async () => {
        const w = await open();
        const slow = await w.service.launch(w.alice, { name: 'slow' });
        const other = await w.service.launch(w.alice, { name: 'other' });
        await w.service.settle();
        const containers = await w.containers();
        const of = (id: string) => containers.find((c) => c.labels[LABELS.sandbox] === id)!;
        const stop = w.runtime.stop.bind(w.runtime);
        let release!: () => void;
        const released = new Promise<void>((resolve) => (release = resolve));
        let entered!: () => void;
        const inStop = new Promise<void>((resolve) => (entered = resolve));
        w.runtime.stop = async (id: string, timeoutSeconds: number) => {
          if (id === of(slow.id).id) {
            entered();
            // A server that ignores SIGTERM: the engine's stop takes its whole timeout.
            await released;
          }
          return stop(id, timeoutSeconds);
        };
        const stopping = w.service.stop(w.alice, slow.id);
        await inStop;
        await w.harness.kill(of(other.id).id);
        // The pass ends the other sandbox, whose container died, while the stop still waits.
        expect(await reconcile(w.deps, w.service)).toMatchObject({ ended: 1, deferred: 1 });
        expect((await w.service.get(w.alice, other.id)).state).toBe('stopped');
        release();
        expect((await stopping).state).toBe('stopped');
      });

      it('lets an ended sandbox go of its room and its route, and never moves it again', async () => {
        const w = await open();
        const sandbox = await w.service.launch(w.alice, { name: 'main' });
        await w.service.settle();
        const before = (await w.deps.repo.byId(sandbox.id))!.version;
        await w.service.stop(w.alice, sandbox.id);
        expect(w.service.ledger.heldIds()).toEqual([]);
        expect(w.deps.routes.get('alice', 'main')).toBeUndefined();
        const after = (await w.deps.repo.byId(sandbox.id))!;
        expect(after.version).toBeGreaterThan(before);
        // Whatever arrives late for an ended sandbox changes nothing.
        expect(await w.service.lifecycle.lose(sandbox.id, 'local')).toBe(false);
        expect(await w.service.lifecycle.finishStop(sandbox.id, 'someone')).toBe('not_stopping');
        expect(await w.service.lifecycle.askStop(sandbox.id, 'again', 'someone', { message: 'again' })).toBeNull();
        expect(await w.deps.repo.byId(sandbox.id)).toEqual(after);
      });
    });
  });
}
