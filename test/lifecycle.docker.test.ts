/**
 * Launch, stop and reconcile (src/sandboxes/lifecycle.conformance.ts) over the Docker runtime on
 * the real engine with the tiny image. One deployment id and one data directory serve the whole
 * file; each world removes every container of its deployment (and of the "other hub" it made
 * up) when it closes, so nothing of another run on this engine is touched.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { afterAll } from 'vitest';
import { DockerRuntime } from '../src/runtime/docker/index.js';
import { describeLifecycle } from '../src/sandboxes/lifecycle.conformance.js';
import { TINY_IMAGE, describeDocker } from './support/docker.js';
import { buildWorld, type GivenSpec } from './support/lifecycle-world.js';
import { SwitchableRuntime } from './support/switchable-runtime.js';

describeDocker('the sandboxes core on the real Docker Engine', [TINY_IMAGE], () => {
  const deployment = `lifecycle${randomBytes(4).toString('hex')}`;
  const dir = mkdtempSync(path.join(os.tmpdir(), `shiva-${deployment}-`));
  // Not inside `dir`: the runtime rightly refuses to mount a folder above its engine's socket.
  const noEngine = mkdtempSync(path.join(os.tmpdir(), `shiva-${deployment}-engine-`));
  const docker = new Docker();
  afterAll(() => {
    for (const d of [dir, noEngine]) rmSync(d, { recursive: true, force: true });
  });

  describeLifecycle('launch, stop and reconcile on the Docker runtime', async (options) => {
    const runtime = new SwitchableRuntime(
      new DockerRuntime(),
      new DockerRuntime({ url: `unix://${path.join(noEngine, 'docker.sock')}`, timeoutMs: 5000 }),
    );
    return buildWorld({
      runtime,
      deployment,
      dir,
      options,
      harness: {
        kill: async (id) => {
          const container = docker.getContainer(id);
          await container.kill();
          await container.wait();
        },
        setEngineDown: (down) => {
          runtime.down = down;
        },
        given: async (id) => givenOf(await docker.getContainer(id).inspect()),
        otherDeployment: `${deployment}-other`,
      },
    });
  });
});

/** What the engine recorded of a container's spec, in the Runtime contract's terms. */
function givenOf(data: Docker.ContainerInspectInfo): GivenSpec {
  const host = data.HostConfig as Docker.HostConfig & { NanoCpus?: number };
  const binding = Object.values(host.PortBindings ?? {}) as Array<Array<{ HostIp?: string }> | null>;
  // The home is the first of the Mounts (never Binds: a missing home must fail the create).
  const { Source: hostPath = '', Target: containerPath = '' } = host.Mounts?.[0] ?? {};
  return {
    cpus: (host.NanoCpus ?? 0) / 1e9,
    memoryBytes: host.Memory ?? 0,
    shmBytes: host.ShmSize ?? 0,
    pidsLimit: host.PidsLimit ?? 0,
    publishAddress: binding[0]?.[0]?.HostIp ?? '',
    labels: { ...data.Config.Labels },
    env: Object.fromEntries(data.Config.Env.map((entry) => [entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1)])),
    home: { hostPath, containerPath },
  };
}
