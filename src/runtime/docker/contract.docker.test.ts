/**
 * DockerRuntime keeps the Runtime contract (../conformance.ts) on the real Docker Engine with the
 * tiny image. Every container carries this run's own deployment label and is removed by it
 * afterwards, so runs and hubs sharing the engine never touch each other's containers.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { TINY_IMAGE, describeDocker } from '../../../test/support/docker.js';
import { describeRuntimeContract } from '../conformance.js';
import { LABELS } from '../types.js';
import { DockerRuntime } from './docker-runtime.js';

describeDocker('the Docker runtime on the real engine', [TINY_IMAGE], () => {
  describeRuntimeContract('DockerRuntime keeps the Runtime contract', async () => {
    const deployment = `shiva-contract-${randomBytes(4).toString('hex')}`;
    const dir = mkdtempSync(join(tmpdir(), `${deployment}-`));
    // Apart from the home: the runtime rightly refuses to mount a folder holding its engine's socket.
    const noEngine = mkdtempSync(join(tmpdir(), `${deployment}-engine-`));
    const runtime = new DockerRuntime();
    const docker = new Docker();
    return {
      runtime,
      // Nobody listens there: the engine "does not answer".
      unreachable: new DockerRuntime({ url: `unix://${join(noEngine, 'docker.sock')}`, timeoutMs: 5000 }),
      image: TINY_IMAGE,
      deployment,
      home: dir,
      kill: async (id) => {
        await docker.getContainer(id).kill();
      },
      close: async () => {
        const mine = await runtime.list({ [LABELS.deployment]: deployment });
        await Promise.all(mine.map((c) => runtime.remove(c.id)));
        for (const d of [dir, noEngine]) rmSync(d, { recursive: true, force: true });
      },
    };
  });
});
