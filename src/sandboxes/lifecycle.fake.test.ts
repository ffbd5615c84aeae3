/** Launch, stop and reconcile (lifecycle.conformance.ts) over the fake runtime. */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildWorld } from '../../test/support/lifecycle-world.js';
import { FakeRuntime } from '../runtime/fake/fake-runtime.js';
import { describeLifecycle } from './lifecycle.conformance.js';

describeLifecycle('launch, stop and reconcile on the fake runtime', async (options) => {
  // The uid label is this process's own, so that making a home needs no chown when not root.
  const uid = String(process.getuid?.() ?? 1000);
  const runtime = new FakeRuntime({ images: { 'shiva/tiny:latest': { 'org.shiva.port': '8888', 'org.shiva.uid': uid } } });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'shiva-lifecycle-'));
  return buildWorld({
    runtime,
    deployment: 'lifecycle0fake',
    dir,
    options,
    harness: {
      kill: (id) => runtime.crash(id, 137),
      setEngineDown: (down) => {
        runtime.down = down;
      },
      given: async (id) => {
        const c = runtime.containers.get(id);
        if (!c) throw new Error(`no container ${id}`);
        const { cpus, memoryBytes, shmBytes, pidsLimit, publishAddress, labels, env, home } = c.spec;
        return { cpus, memoryBytes, shmBytes, pidsLimit, publishAddress, labels, env, home };
      },
      otherDeployment: 'another-hub',
    },
    closeRuntime: async () => {
      await runtime.closeAll();
      rmSync(dir, { recursive: true, force: true });
    },
  });
});
