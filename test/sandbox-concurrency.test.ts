/**
 * The sandbox core under churn on the real engine (issue 16, "Tests that must exist"): for two
 * minutes, launches, stops and relaunches through the HTTP API over dozens of tiny sandboxes of
 * four users run at once with the hub's own reconcile every 100 ms, each pass made slow by a
 * delay before its container listing, and now and then a container is killed behind the hub's
 * back. Afterwards every sandbox whose last request was a launch runs and answers through the
 * proxy, none lost its container, every killed one was ended with why, no container is
 * orphaned, no room is held twice, and the log names every removal the hub made on its own.
 *
 * SHIVA_CHURN_SECONDS shortens the churn for a local run; SHIVA_CHURN_SEED replays a seed.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DockerRuntime } from '../src/runtime/docker/docker-runtime.js';
import { checkChurn, type ChurnWorld } from './support/churn-checks.js';
import { ContainerWatch } from './support/container-watch.js';
import { describeDocker, TINY_IMAGE } from './support/docker.js';
import { startTestHub, type TestHub } from './support/hub.js';
import { memoryLog } from './support/memory-log.js';
import { runChurn, type ChurnTarget } from './support/sandbox-churn.js';
import { churnSeeds, SeededRandom } from './support/seeded-random.js';

const execFileAsync = promisify(execFile);

/** The bound: two minutes of churn. */
const SECONDS = Number(process.env.SHIVA_CHURN_SECONDS || 120);
const USERS = ['amy', 'bo', 'cy', 'di'];
const NAMES = ['a', 'b', 'c', 'd', 'e', 'f'];

interface ApiError {
  error: { code: string; message: string };
}

describeDocker('sandboxes under churn on the real engine', [TINY_IMAGE], () => {
  const [seed] = churnSeeds(1) as [number];
  const watch = new ContainerWatch({ random: new SeededRandom(seed).derive(0x5107), listDelayMs: [50, 300] });
  const { log, lines } = memoryLog();
  const tokens = new Map<string, string>();
  let t: TestHub;

  beforeAll(async () => {
    t = await startTestHub({
      log,
      timers: false,
      makeRuntime: (entry) => watch.instrument(entry.name, new DockerRuntime({ url: entry.docker, tls: entry.tls, ssh: entry.ssh })),
      config: {
        sandboxes: { maxPerUser: NAMES.length, defaults: { cpus: 0.1, memoryGiB: 0.125 }, readinessTimeoutSeconds: 30, stopTimeoutSeconds: 2 },
      },
    });
    watch.attach({ rowState: async (id) => (await t.hub.sandboxesRepo.byId(id))?.state ?? null });
    for (const user of USERS) tokens.set(user, await t.user(user));
  });

  afterAll(async () => {
    await t?.close();
  });

  it(
    'keeps every sandbox last launched running and reachable, removes nothing alive, orphans nothing and holds no room twice',
    async () => {
      const target: ChurnTarget = {
        users: USERS,
        async launch(user, name, size) {
          const res = await t.api<{ id: string } & Partial<ApiError>>(tokens.get(user)!, 'POST', '/api/sandboxes', { name, ...size });
          if (res.status === 202) return { accepted: true, id: res.body.id };
          return { accepted: false, code: res.body.error?.code ?? `HTTP ${res.status}`, message: res.body.error?.message ?? '' };
        },
        async stop(user, id) {
          const res = await t.api<{ state: string } & Partial<ApiError>>(tokens.get(user)!, 'DELETE', `/api/sandboxes/${id}`);
          if (res.status === 200) return { ok: true, state: res.body.state };
          return { ok: false, code: res.body.error?.code ?? `HTTP ${res.status}`, message: res.body.error?.message ?? '' };
        },
        reconcile: () => t.hub.reconcile(),
        async crash(id) {
          // Killed behind the hub's back, as the kernel's OOM killer or a crash would.
          const row = await t.hub.sandboxesRepo.byId(id);
          if (row?.state !== 'running' || !row.container_id) return false;
          const killed = await execFileAsync('docker', ['kill', row.container_id]).then(() => true, () => false);
          return killed;
        },
        isLaunching: (id) => t.hub.sandboxes.isLaunching(id),
        settle: () => t.hub.sandboxes.settle(),
      };
      const record = await runChurn(target, {
        seed,
        names: NAMES,
        sizes: [{ cpus: 0.1, memoryGiB: 0.125 }],
        durationMs: SECONDS * 1000,
        workers: 6,
        maxLaunching: 3,
        stopChance: 0.1,
        crashChance: 0.02,
        pauseMs: [50, 400],
        reconcileEveryMs: 100,
      });
      const world: ChurnWorld = {
        deploymentId: t.hub.deploymentId,
        machines: t.hub.machines.list().map((m) => m.name),
        repo: t.hub.sandboxesRepo,
        ledger: t.hub.sandboxes.ledger,
        watch,
        log: lines,
        async answers(s) {
          const res = await fetch(`${t.url}/user/${s.user}/${s.name}/`, { headers: { authorization: `Bearer ${tokens.get(s.user)!}` } }).catch((err: Error) => err);
          if (res instanceof Error) return res.message;
          const body = await res.text();
          return res.status === 200 && body.includes('shiva tiny server') ? null : `the proxy answered ${res.status}: ${body.slice(0, 200)}`;
        },
      };
      const findings = await checkChurn(world, record);
      console.log(findings.summary);
      expect(findings.problems, `${findings.summary}; replay with SHIVA_CHURN_SEED=${seed}`).toEqual([]);
    },
    SECONDS * 1000 + 300_000,
  );
});
