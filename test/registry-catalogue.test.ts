/**
 * The team's registry in the catalogue, end to end on the real engine: an image pushed under
 * registry.prefix to a registry that asks for credentials is listed by GET /api/images with its
 * description and size, and a launch of it pulls it with the configured credentials and runs.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Image, Sandbox } from '../src/contract/api.js';
import { describeDocker, TINY_IMAGE } from './support/docker.js';
import { startTestHub, testCatalogue, type TestHub } from './support/hub.js';
import { startRegistry, type TestRegistry } from './support/registry.js';
import { waitForState } from './support/wait.js';

const credentials = { username: 'shiva', password: 'registry-password' };
const PASSWORD_ENV = 'SHIVA_TEST_REGISTRY_PASSWORD';

describeDocker("the team's registry in the catalogue", [TINY_IMAGE], () => {
  let registry: TestRegistry;
  let t: TestHub;
  let ref: string;
  let pinned = '';

  beforeAll(async () => {
    registry = await startRegistry({ basicAuth: credentials });
    ref = `${registry.host}/shiva/lab:latest`;
    const dockerConfig = path.join(registry.dir, 'docker-config');
    const docker = (args: string[], input?: string) => execFileSync('docker', ['--config', dockerConfig, ...args], { stdio: 'pipe', env: { ...process.env, DOCKER_BUILDKIT: '0' }, ...(input !== undefined ? { input } : {}) });
    const context = path.join(registry.dir, 'context');
    mkdirSync(context);
    writeFileSync(path.join(context, 'Dockerfile'), `FROM ${TINY_IMAGE}\nLABEL org.shiva.description="The lab's image"\n`);
    docker(['build', '-q', '-t', ref, context]);
    docker(['login', '-u', credentials.username, '--password-stdin', registry.host], credentials.password);
    docker(['push', ref]);
    pinned = docker(['image', 'inspect', '-f', '{{index .RepoDigests 0}}', ref]).toString().trim();
    docker(['rmi', ref]);
    // parseConfig checks the variable is set; the hub reads the password from the environment it is given.
    process.env[PASSWORD_ENV] = credentials.password;
    t = await startTestHub({
      config: { images: testCatalogue, registry: { url: registry.url, username: credentials.username, passwordEnv: PASSWORD_ENV } },
      env: { [PASSWORD_ENV]: credentials.password },
      timers: true,
    });
  }, 120_000);

  afterAll(async () => {
    await t?.close();
    delete process.env[PASSWORD_ENV];
    for (const image of [ref, pinned]) if (image) execFileSync('docker', ['rmi', '-f', image], { stdio: 'ignore' });
    await registry?.close();
  });

  it('lists the pushed image with its description and size, and launches it, pulled with the credentials', async () => {
    const alice = await t.user('alice');
    let listed: Image | undefined;
    for (let i = 0; i < 100 && !listed; i++) {
      listed = (await t.api<Image[]>(alice, 'GET', '/api/images')).body.find((img) => img.name === 'lab');
      if (!listed) await new Promise((r) => setTimeout(r, 100));
    }
    // The listed manifest, by digest: what a launch pulls even if the tag moves meanwhile.
    expect(pinned).toMatch(new RegExp(`^${registry.host}/shiva/lab@sha256:[0-9a-f]{64}$`));
    expect(listed).toMatchObject({ name: 'lab', image: pinned, description: "The lab's image", source: 'registry', default: false, sudo: false });
    expect(listed!.sizeBytes).toBeGreaterThan(1_000_000);
    const launched = await t.api<Sandbox>(alice, 'POST', '/api/sandboxes', { name: 'lab', image: 'lab' });
    expect(launched.status).toBe(202);
    const running = await waitForState<Sandbox>(t, alice, launched.body.id, 'running');
    expect(running.image).toBe('lab');
    expect((await t.hub.events.history(launched.body.id)).some((e) => e.state === 'pulling')).toBe(true);
  });
});
