/**
 * A machine whose Docker Engine is reached over TCP with TLS, as `docker --tlsverify` reaches
 * one: a real engine with a throwaway CA, a sandbox launched there through the hub, and a
 * machine given the wrong CA shown down with a reason instead of being used.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Machine, Sandbox } from '../src/contract/api.js';
import { describeDocker, TINY_IMAGE } from './support/docker.js';
import { startTestHub, type TestHub } from './support/hub.js';
import { secondEngineUnavailableReason, startSecondEngine, type SecondEngine } from './support/second-engine.js';
import { waitForState } from './support/wait.js';

describeDocker('a machine reached over TCP with TLS', [TINY_IMAGE], () => {
  let engine: SecondEngine;
  let t: TestHub;

  beforeAll(async () => {
    engine = await startSecondEngine([TINY_IMAGE], { tls: true });
    const tls = engine.tls!;
    t = await startTestHub({
      config: {
        machines: [
          { name: 'secure', docker: tls.url, tls: { ca: tls.ca, cert: tls.cert, key: tls.key }, address: engine.address, bridge: engine.sandboxBridge },
          { name: 'wrong-ca', docker: tls.url, tls: { ca: tls.otherCa, cert: tls.cert, key: tls.key }, address: engine.address, bridge: engine.sandboxBridge },
        ],
      },
    });
  }, 180_000);
  afterAll(async () => {
    await t?.close();
    await engine?.close();
  }, 120_000);

  it('launches there over TLS, and shows a machine with the wrong CA down with the reason', async () => {
    const machines = (await t.api<Machine[]>(t.adminToken, 'GET', '/api/machines')).body;
    expect(machines.map((m) => [m.name, m.status])).toEqual([
      ['secure', 'up'],
      ['wrong-ca', 'down'],
    ]);
    expect(machines[1]!.error).toMatch(/certificate/i);

    const dana = await t.user('dana');
    const launched = await t.api<Sandbox>(dana, 'POST', '/api/sandboxes', { name: 'tls' });
    expect(launched.body.machine).toBe('secure');
    await waitForState(t, dana, launched.body.id, 'running');
    const [container] = await engine.docker.listContainers({ filters: { label: ['org.shiva.name=tls'] } });
    expect(container?.State).toBe('running');
    const page = await fetch(`${t.url}/user/dana/tls/`, { headers: { authorization: `Bearer ${dana}` } });
    expect(page.status).toBe(200);
  }, 120_000);
}, secondEngineUnavailableReason);
