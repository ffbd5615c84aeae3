/**
 * The hub as a real process on a real Docker Engine, killed and started again: a launch cut by
 * SIGKILL leaves no orphan container and no sandbox stuck halfway; a running sandbox is adopted
 * and reachable again without a relaunch; a second hub on the same data directory refuses.
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeDocker, NOTEBOOK_IMAGE, TINY_IMAGE } from './support/docker.js';
import { freePort } from './support/hub.js';
import { callApi, createAdminToken } from './support/hub-api.js';
import { writeHubFiles } from './support/hub-files.js';
import { kill, spawnHub, waitForHealth, type HubProcess } from './support/process.js';
import { containersOf } from './support/sandbox-containers.js';

interface Sandbox {
  id: string;
  state: string;
  reason: string | null;
}

const ADMIN = 'restart-admin-password';

describeDocker('the hub killed and restarted', [TINY_IMAGE, NOTEBOOK_IMAGE], () => {
  let dataDir: string;
  let env: Record<string, string>;
  let url: string;
  let hub: HubProcess | undefined;
  let token: string;

  const api = <T>(method: string, p: string, body?: unknown) => callApi<T>(url, token, method, p, body);
  const start = async () => {
    hub = spawnHub(env);
    await waitForHealth(hub, url);
  };

  beforeAll(async () => {
    const files = await writeHubFiles('shiva-restart-', [
      'images:',
      '  default: tiny',
      '  catalogue:',
      `    - {name: tiny, image: "${TINY_IMAGE}"}`,
      `    - {name: notebook, image: "${NOTEBOOK_IMAGE}"}`,
      'sandboxes: {defaults: {cpus: 0.5, memoryGiB: 0.5}, stopTimeoutSeconds: 1}',
      'log: {level: warn}',
    ]);
    ({ dataDir, url } = files);
    env = { SHIVA_CONFIG: files.config, SHIVA_DATA_DIR: dataDir, SHIVA_ADMIN_PASSWORD: ADMIN };
    await start();
    token = await createAdminToken(url, ADMIN, 'restart test');
  });

  afterAll(async () => {
    if (hub) await kill(hub, 'SIGTERM');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('refuses a second hub on the same data directory with a clear message', async () => {
    const second = spawnHub(env, ['--port', String(await freePort())]);
    expect(await second.exited).toBe(2);
    expect(second.output()).toContain('another Shiva hub');
    expect(second.output()).toContain(dataDir);
  });

  it('leaves no orphan and no stuck sandbox when killed with SIGKILL in the middle of a launch', async () => {
    const launched = await api<Sandbox>('POST', '/api/sandboxes', { name: 'cut', image: 'notebook' });
    expect(launched.status).toBe(202);
    // Kill the moment the container exists and the hub is waiting for its server.
    const events = await fetch(`${url}/api/sandboxes/${launched.body.id}/events`, { headers: { authorization: `Bearer ${token}` } });
    const decoder = new TextDecoder();
    let seen = '';
    for await (const chunk of events.body!) {
      seen += decoder.decode(chunk as Uint8Array, { stream: true });
      if (seen.includes('event: waiting')) break;
    }
    await kill(hub!, 'SIGKILL');
    expect(seen).not.toContain('event: running');
    expect(containersOf(launched.body.id)).not.toBe('');

    await start();
    const after = await api<Sandbox>('GET', `/api/sandboxes/${launched.body.id}`);
    expect(after.body.state).toBe('failed');
    expect(after.body.reason).toContain('restarted while this sandbox was launching');
    expect(containersOf(launched.body.id)).toBe('');
  });

  it('adopts a running sandbox after a restart, reachable again without a relaunch', async () => {
    const launched = await api<Sandbox>('POST', '/api/sandboxes', { name: 'kept' });
    for (let i = 0; i < 300; i++) {
      if ((await api<Sandbox>('GET', `/api/sandboxes/${launched.body.id}`)).body.state === 'running') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const status = () => fetch(`${url}/user/admin/kept/api/status`, { headers: { authorization: `Bearer ${token}` } });
    const before = (await (await status()).json()) as { started: string };
    await kill(hub!, 'SIGKILL');
    await start();
    const again = await status();
    expect(again.status).toBe(200);
    // The same server, not a new one: it was adopted, not relaunched.
    expect(((await again.json()) as { started: string }).started).toBe(before.started);
    expect((await api<Sandbox>('GET', `/api/sandboxes/${launched.body.id}`)).body.state).toBe('running');
    expect((await api<Sandbox>('DELETE', `/api/sandboxes/${launched.body.id}`)).body.state).toBe('stopped');
    expect(containersOf(launched.body.id)).toBe('');
  });
});
