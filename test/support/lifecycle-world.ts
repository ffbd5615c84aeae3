/**
 * The world the launch/stop/reconcile behaviour tests (src/sandboxes/lifecycle.conformance.ts)
 * run in: the sandboxes core over one machine whose runtime is the one under test, and a
 * harness for what a test does to the engine behind the hub's back, which each runtime does
 * its own way (a fake crash or `docker kill`, an engine made to look down).
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { parseConfig } from '../../src/config/load.js';
import { LABELS, type ContainerInfo, type ContainerSpec, type Runtime } from '../../src/runtime/types.js';
import { SandboxService, type SandboxServiceDeps } from '../../src/sandboxes/service.js';
import type { Actor } from '../../src/sandboxes/types.js';
import type { AuditRepository } from '../../src/store/audit.js';
import { UsageDayRepository } from '../../src/store/usage-days.js';
import type { LogLine } from './churn-checks.js';
import { coreDeps } from './core-deps.js';
import { TINY_IMAGE } from './docker.js';
import { tinySpec } from './tiny-spec.js';
import { memoryLog } from './memory-log.js';

/** What the engine recorded of a container's spec: what the hub gave it. */
export type GivenSpec = Pick<ContainerSpec, 'cpus' | 'memoryBytes' | 'shmBytes' | 'pidsLimit' | 'publishAddress' | 'labels' | 'env' | 'home'>;

/** What a test does to the engine behind the hub's back; each runtime's world does it its own way. */
export interface LifecycleHarness {
  /** Kills a running container as the kernel's OOM killer or `docker kill` would: it exits with 137. */
  kill(containerId: string): Promise<void>;
  /** Makes the machine's engine stop answering (true) or answer again (false). */
  setEngineDown(down: boolean): void;
  /** What the engine was given for this container. */
  given(containerId: string): Promise<GivenSpec>;
  /** The deployment id of another hub on the same engine: its containers are not this hub's. */
  otherDeployment: string;
}

export interface LifecycleWorld {
  deps: SandboxServiceDeps;
  service: SandboxService;
  /** The machine's runtime, as the core sees it. */
  runtime: Runtime;
  harness: LifecycleHarness;
  deployment: string;
  /** The root of users' homes. */
  homes: string;
  alice: Actor;
  bob: Actor;
  admin: Actor;
  /** What the core logged at info and above, parsed. */
  lines: LogLine[];
  /** The audit log the core writes to. */
  audit: AuditRepository;
  /** The daily usage roll-up the core's endings add to. */
  usageDays: UsageDayRepository;
  /** This hub's containers on the machine, running or not. */
  containers(): Promise<ContainerInfo[]>;
  /** Settles launches, removes every container of this world's two deployments, closes the database. */
  close(): Promise<void>;
}

export interface WorldOptions {
  /** How long a launch waits for the sandbox's server (default 20 s; the readiness test asks for 2). */
  readinessTimeoutSeconds?: number;
}

/** Makes a fresh world: its own database, route table and service. */
export type MakeWorld = (options?: WorldOptions) => Promise<LifecycleWorld>;

/**
 * The images the tests launch: the tiny one, the tiny one told to exit at start, the tiny one
 * published on a port its server does not listen on, so that it never answers, and the tiny one
 * told to listen only after 300 ms (`slow`) or a minute (`sleepy`), as a server that takes its
 * time to come up.
 */
export const WORLD_IMAGES = {
  default: 'tiny',
  catalogue: [
    { name: 'tiny', image: TINY_IMAGE },
    { name: 'broken', image: TINY_IMAGE, env: { TINY_FAIL_AT_START: 'on purpose' } },
    { name: 'deaf', image: TINY_IMAGE, port: 8889 },
    { name: 'slow', image: TINY_IMAGE, env: { TINY_LISTEN_AFTER_MS: '300' } },
    { name: 'sleepy', image: TINY_IMAGE, env: { TINY_LISTEN_AFTER_MS: '60000' } },
  ],
};

/** The core over one machine named local whose runtime is `runtime`, for the deployment `deployment`. */
export async function buildWorld(args: {
  runtime: Runtime;
  harness: LifecycleHarness;
  deployment: string;
  /** A directory the world may use; homes go under it. */
  dir: string;
  options?: WorldOptions;
  /** What the runtime's owner closes after the world's own cleanup. */
  closeRuntime?: () => Promise<void>;
}): Promise<LifecycleWorld> {
  const { runtime, harness, deployment, dir } = args;
  const homes = path.join(dir, 'homes');
  mkdirSync(homes, { recursive: true });
  const config = parseConfig(
    {
      dataDir: dir,
      homes: { root: homes },
      machines: [{ name: 'local', docker: 'unix:///var/run/docker.sock', gpus: { source: 'none' } }],
      images: WORLD_IMAGES,
      sandboxes: {
        maxPerUser: 2,
        defaults: { cpus: 1, memoryGiB: 0.5 },
        readinessTimeoutSeconds: args.options?.readinessTimeoutSeconds ?? 20,
        stopTimeoutSeconds: 2,
      },
    },
    {},
  );
  const { log, lines } = memoryLog();
  const { deps, db, audit, actors } = await coreDeps({ config, makeRuntime: () => runtime, deploymentId: deployment, users: ['alice', 'bob', 'root'], log });
  const service = new SandboxService(deps);
  const ofDeployment = (id: string) => runtime.list({ [LABELS.deployment]: id });
  return {
    deps,
    service,
    runtime,
    harness,
    deployment,
    homes,
    alice: actors.get('alice')!,
    bob: actors.get('bob')!,
    admin: actors.get('root')!,
    lines,
    audit,
    usageDays: new UsageDayRepository(db),
    containers: () => ofDeployment(deployment),
    async close() {
      harness.setEngineDown(false);
      await service.settle();
      for (const id of [deployment, harness.otherDeployment]) {
        for (const c of await ofDeployment(id)) await runtime.remove(c.id);
      }
      await db.destroy();
      await args.closeRuntime?.();
    },
  };
}

/** A container spec for a container the test makes itself (an orphan, another hub's). */
export function bareSpec(world: LifecycleWorld, name: string, labels: Record<string, string>): ContainerSpec {
  return tinySpec(`${world.deployment}-${name}`, world.homes, { env: { JUPYTER_TOKEN: 'not-a-sandbox-of-this-test' }, labels, publishAddress: '127.0.0.2' });
}
