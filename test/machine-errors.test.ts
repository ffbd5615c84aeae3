/** Why a machine cannot be reached is told to admins in the engine's words, and to everyone else plainly. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Machine } from '../src/contract/api.js';
import { DockerRuntime } from '../src/runtime/docker/index.js';
import { FakeRuntime } from '../src/runtime/fake/fake-runtime.js';
import { startTestHub, type TestHub } from './support/hub.js';

describe('machine errors in GET /api/machines', () => {
  let t: TestHub;
  const fake = new FakeRuntime();

  beforeAll(async () => {
    t = await startTestHub({
      // A real Docker client at a socket that does not exist: its error is the client's own text.
      makeRuntime: (entry) => (entry.name === 'ghost' ? new DockerRuntime({ url: entry.docker }) : fake),
      config: {
        machines: [
          { name: 'local', docker: 'unix:///var/run/docker.sock' },
          // Another engine on this host names its own sandbox bridge.
          { name: 'ghost', docker: 'unix:///nonexistent/shiva/docker.sock', bridge: 'shiva-ghost' },
        ],
      },
    });
  });
  afterAll(async () => {
    await t.close();
    await fake.closeAll();
  });

  const ghost = async (token: string) => (await t.api<Machine[]>(token, 'GET', '/api/machines')).body.find((m) => m.name === 'ghost')!;

  it('shows admins the engine words and everyone else a plain sentence', async () => {
    expect((await ghost(t.adminToken)).error).toContain('no socket at that path');
    const seen = await ghost(await t.user('noa'));
    expect(seen.status).toBe('down');
    expect(seen.error).toBe("The machine's container engine does not answer.");
    expect(JSON.stringify(seen)).not.toContain('/nonexistent/');
  });
});
