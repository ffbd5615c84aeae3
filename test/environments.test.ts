/**
 * "Save my environment", end to end on real engines and a real registry that asks for
 * credentials: alice installs a file outside her home, saves, and launches the environment on
 * the second engine, which never had it (pulled with progress, the file is there); the saved
 * image carries no secret of the sandbox; bob neither sees nor launches it until she shares it;
 * bad names, someone else's or a stopped sandbox and the limits are refused with nothing pushed;
 * deleting removes the manifest; save, launch, save … ten times stays under the layer limit.
 */
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Environment, Image, Sandbox, SandboxEvent } from '../src/contract/api.js';
import { RegistryClient } from '../src/registry/client.js';
import { describeDocker, TINY_IMAGE } from './support/docker.js';
import { startTestHub, testCatalogue, type TestHub } from './support/hub.js';
import { startRegistry, type TestRegistry } from './support/registry.js';
import { startSecondEngine, type SecondEngine } from './support/second-engine.js';
import { waitFor, waitForState } from './support/wait.js';

const credentials = { username: 'shiva', password: 'registry-password-for-saves' };
const PASSWORD_ENV = 'SHIVA_TEST_SAVE_REGISTRY_PASSWORD';
const FIRST = process.env.DOCKER_HOST || 'unix:///var/run/docker.sock';
/** Low, so that ten cycles on the tiny image (5 layers) cross it. */
const FLATTEN_ABOVE = 8;

type Answer<T> = T & { error?: { code: string; message: string } };

describeDocker('saved environments on two real engines and a real registry', [TINY_IMAGE], () => {
  let registry: TestRegistry;
  let engine: SecondEngine;
  let t: TestHub;
  let client: RegistryClient;

  beforeAll(async () => {
    registry = await startRegistry({ deletes: true, basicAuth: credentials });
    client = new RegistryClient({ url: registry.url, ...credentials });
    engine = await startSecondEngine([TINY_IMAGE]);
    process.env[PASSWORD_ENV] = credentials.password;
    t = await startTestHub({
      timers: true,
      env: { [PASSWORD_ENV]: credentials.password },
      config: {
        images: testCatalogue,
        registry: { url: registry.url, username: credentials.username, passwordEnv: PASSWORD_ENV },
        environments: { maxPerUser: 2, maxGiBPerUser: 5, flattenAboveLayers: FLATTEN_ABOVE },
        machines: [
          { name: 'one', docker: FIRST },
          { name: 'two', docker: engine.url, address: engine.address, bridge: engine.sandboxBridge },
        ],
        sandboxes: { defaults: { cpus: 0.5, memoryGiB: 0.5 }, maxPerUser: 5, readinessTimeoutSeconds: 30, stopTimeoutSeconds: 1 },
      },
    });
  }, 180_000);

  afterAll(async () => {
    await t?.close();
    delete process.env[PASSWORD_ENV];
    await engine?.close();
    await registry?.close();
    // The saved images left on the first engine (the second one's go with it).
    const refs = execFileSync('docker', ['image', 'ls', '--format', '{{.Repository}}:{{.Tag}}', `${registry?.host}/shiva/envs/*/*`], { encoding: 'utf8' }).split('\n').filter(Boolean);
    if (refs.length > 0) execFileSync('docker', ['rmi', '-f', ...refs], { stdio: 'ignore' });
  }, 120_000);

  const launch = async (token: string, body: Record<string, unknown>) => t.api<Answer<Sandbox>>(token, 'POST', '/api/sandboxes', body);
  const running = async (token: string, body: Record<string, unknown>) => {
    const launched = await launch(token, body);
    expect(launched.status, JSON.stringify(launched.body)).toBe(202);
    return waitForState<Sandbox>(t, token, launched.body.id, 'running');
  };
  /** Runs a command in the sandbox's container on its machine, as root (as `sudo` would in an image that allows it). */
  const inSandbox = (sandbox: Sandbox, command: string): string => {
    const host = sandbox.machine === 'two' ? ['--host', engine.url] : [];
    const container = execFileSync('docker', [...host, 'ps', '-q', '--filter', `label=org.shiva.sandbox=${sandbox.id}`], { encoding: 'utf8' }).trim();
    return execFileSync('docker', [...host, 'exec', '-u', '0', container, 'sh', '-c', command], { encoding: 'utf8' });
  };
  /** Saves and waits for the outcome: the saved or save_failed event. */
  const save = async (token: string, sandbox: Sandbox, body: Record<string, unknown>): Promise<SandboxEvent> => {
    const before = (await t.hub.events.history(sandbox.id)).length;
    const started = await t.api<Answer<{ tag: string }>>(token, 'POST', `/api/sandboxes/${sandbox.id}/save`, body);
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    let outcome: SandboxEvent | undefined;
    await waitFor(
      async () => {
        outcome = (await t.hub.events.history(sandbox.id)).slice(before).find((e) => e.code === 'saved' || e.code === 'save_failed');
        return outcome !== undefined;
      },
      { timeoutMs: 120_000, what: `the save of ${String(body.name)}` },
    );
    return outcome!;
  };
  const environments = async (token: string) => (await t.api<Environment[]>(token, 'GET', '/api/environments')).body;

  it('saves what alice installed outside her home, with no secret of the sandbox, and launches it on the engine that never had it, pulled with progress', async () => {
    const alice = await t.user('alice');
    const bob = await t.user('bob');
    const box = await running(alice, { name: 'work', image: 'tiny', machine: 'one' });
    inSandbox(box, 'echo installed-by-alice > /opt/alice-tool');
    const saved = await save(alice, box, { name: 'tools', description: 'with her tool' });
    expect(saved.code, saved.message).toBe('saved');
    const [env] = await environments(alice);
    expect(env).toMatchObject({ name: 'tools', owner: 'alice', image: 'alice/tools', description: 'with her tool', baseImage: 'tiny', shared: false });
    expect(env!.sizeBytes).toBeGreaterThan(0);
    const listed = (await t.api<Image[]>(alice, 'GET', '/api/images')).body.find((i) => i.name === 'alice/tools');
    expect(listed).toMatchObject({ source: 'environment', sizeBytes: env!.sizeBytes });

    // Nothing of the sandbox in the image: not its secret, not the hub's variables or labels.
    const token = (await t.hub.sandboxesRepo.byId(box.id))!.token;
    const tags = await client.tags('shiva/envs/alice/tools');
    const inspected = execFileSync('docker', ['image', 'inspect', `${registry.host}/shiva/envs/alice/tools:${tags[0]}`], { encoding: 'utf8' });
    expect(inspected).not.toContain(token);
    const config = (JSON.parse(inspected) as Array<{ Config: { Env: string[]; Labels: Record<string, string> } }>)[0]!.Config;
    expect(config.Env.filter((e) => /^(JUPYTER_TOKEN|SHIVA_USER|SHIVA_SANDBOX)=/.test(e))).toEqual([]);
    expect(config.Env).toContain('SHIVA_BASE_URL=/');
    expect(Object.keys(config.Labels).filter((k) => k.startsWith('org.shiva.sandbox') || k.startsWith('org.shiva.deployment') || k === 'org.shiva.user')).toEqual([]);
    expect(config.Labels).toMatchObject({ 'org.shiva.environment.owner': 'alice', 'org.shiva.environment.name': 'tools', 'org.shiva.description': 'with her tool' });

    // Bob: not listed, not launchable, not deletable.
    expect(await environments(bob)).toEqual([]);
    expect((await t.api<Image[]>(bob, 'GET', '/api/images')).body.some((i) => i.source === 'environment')).toBe(false);
    const refused = await launch(bob, { name: 'theirs', image: 'alice/tools' });
    expect([refused.status, refused.body.error?.code]).toEqual([404, 'ENVIRONMENT_NOT_FOUND']);
    expect((await t.api<Answer<object>>(bob, 'DELETE', `/api/environments/${env!.id}`)).status).toBe(404);
    expect((await t.api<Answer<object>>(bob, 'POST', `/api/sandboxes/${box.id}/save`, { name: 'stolen' })).body.error?.code).toBe('SANDBOX_NOT_FOUND');

    // On the engine that never had it: pulled, with progress, and her file is there.
    const elsewhere = await running(alice, { name: 'elsewhere', image: 'alice/tools', machine: 'two' });
    const events = await t.hub.events.history(elsewhere.id);
    expect(events.some((e) => e.code === 'pulling')).toBe(true);
    expect(inSandbox(elsewhere, 'cat /opt/alice-tool').trim()).toBe('installed-by-alice');

    // Shared: bob sees it and launches it.
    expect((await t.api<Environment>(alice, 'PATCH', `/api/environments/${env!.id}`, { shared: true })).body.shared).toBe(true);
    expect((await environments(bob)).map((e) => e.image)).toEqual(['alice/tools']);
    expect((await t.api<Answer<object>>(bob, 'DELETE', `/api/environments/${env!.id}`)).body.error?.code).toBe('FORBIDDEN');
    const his = await running(bob, { name: 'borrowed', image: 'alice/tools', machine: 'one' });
    expect(inSandbox(his, 'cat /opt/alice-tool').trim()).toBe('installed-by-alice');
  });

  it('refuses bad names, a stopped sandbox and a save over the limits with a stable code each, and pushes nothing', async () => {
    const carol = await t.user('carol');
    const box = await running(carol, { name: 'box', image: 'tiny', machine: 'one' });
    for (const name of ['a/b', '..', 'Upper', 'x'.repeat(300)]) {
      const answer = await t.api<Answer<object>>(carol, 'POST', `/api/sandboxes/${box.id}/save`, { name });
      expect([answer.status, answer.body.error?.code], name).toEqual([400, 'INVALID_ENVIRONMENT_NAME']);
    }
    expect((await save(carol, box, { name: 'one' })).code).toBe('saved');
    expect((await save(carol, box, { name: 'two' })).code).toBe('saved');
    // A save under a name she has replaces it; a third name is over maxPerUser (2).
    expect((await save(carol, box, { name: 'one' })).code).toBe('saved');
    const over = await t.api<Answer<object>>(carol, 'POST', `/api/sandboxes/${box.id}/save`, { name: 'three' });
    expect([over.status, over.body.error?.code]).toEqual([409, 'ENVIRONMENT_LIMIT_REACHED']);
    const stopped = await t.api<Sandbox>(carol, 'DELETE', `/api/sandboxes/${box.id}`);
    expect(stopped.status).toBe(200);
    await waitForState(t, carol, box.id, 'stopped');
    expect((await t.api<Answer<object>>(carol, 'POST', `/api/sandboxes/${box.id}/save`, { name: 'late' })).body.error?.code).toBe('SANDBOX_NOT_RUNNING');
    const repositories = await client.repositories();
    expect(repositories.filter((r) => r.startsWith('shiva/envs/carol/')).sort()).toEqual(['shiva/envs/carol/one', 'shiva/envs/carol/two']);
    // The replaced save's manifest is gone: one tag left that resolves.
    // Hers only: alice's shared one is listed to her too.
    const kept = (await environments(carol)).filter((e) => e.owner === 'carol');
    expect(kept.map((e) => e.name).sort()).toEqual(['one', 'two']);

    // Deleting one deletes its manifest.
    const two = kept.find((e) => e.name === 'two')!;
    const tag = (await client.tags('shiva/envs/carol/two'))[0]!;
    expect((await t.api<Environment>(carol, 'DELETE', `/api/environments/${two.id}`)).status).toBe(200);
    await expect(client.manifest('shiva/envs/carol/two', tag)).rejects.toMatchObject({ kind: 'not_found' });
    expect((await environments(carol)).filter((e) => e.owner === 'carol').map((e) => e.name)).toEqual(['one']);
  });

  it('stays under the layer limit over ten save and launch cycles, flattening when deep, and the environment still works', async () => {
    const dave = await t.user('dave');
    let box = await running(dave, { name: 'c0', image: 'tiny', machine: 'one' });
    inSandbox(box, 'echo cycle-0 > /opt/cycles');
    const depths: number[] = [];
    let flattened = 0;
    for (let i = 1; i <= 10; i++) {
      const outcome = await save(dave, box, { name: 'cycle' });
      expect(outcome.code, outcome.message).toBe('saved');
      if ((await t.hub.events.history(box.id)).some((e) => e.code === 'save_flattening')) flattened++;
      depths.push((await environments(dave)).find((e) => e.owner === 'dave')!.layers);
      await t.api(dave, 'DELETE', `/api/sandboxes/${box.id}`);
      box = await running(dave, { name: `c${i}`, image: 'dave/cycle', machine: 'one' });
      inSandbox(box, `echo cycle-${i} >> /opt/cycles`);
    }
    expect(Math.max(...depths)).toBeLessThanOrEqual(FLATTEN_ABOVE);
    expect(flattened).toBeGreaterThan(0);
    expect(inSandbox(box, 'cat /opt/cycles').trim().split('\n')).toEqual(Array.from({ length: 11 }, (_, i) => `cycle-${i}`));
  });
});
