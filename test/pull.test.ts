/**
 * A launch whose image is not on the machine: the hub pulls it from a real registry (Debian's
 * docker-registry on loopback), reports the pull's progress in percent, and runs it.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeDocker, TINY_IMAGE } from './support/docker.js';
import { startTestHub, type TestHub } from './support/hub.js';
import { startRegistry, type TestRegistry } from './support/registry.js';
import { waitForState } from './support/wait.js';

describeDocker('pulling a missing image', [TINY_IMAGE], () => {
  let registry: TestRegistry | undefined;
  let ref: string;
  let t: TestHub;

  beforeAll(async () => {
    registry = await startRegistry();
    // An image with a layer no local image has, so the pull really downloads something.
    ref = `${registry.host}/shiva-test/pulled:${Date.now()}`;
    const context = path.join(registry.dir, 'context');
    mkdirSync(context);
    writeFileSync(path.join(context, 'Dockerfile'), `FROM ${TINY_IMAGE}\nUSER root\nRUN head -c 8000000 /dev/urandom > /opt/blob\nUSER shiva\n`);
    execFileSync('docker', ['build', '-q', '-t', ref, context], { env: { ...process.env, DOCKER_BUILDKIT: '0' }, stdio: 'pipe' });
    execFileSync('docker', ['push', ref], { stdio: 'pipe' });
    execFileSync('docker', ['rmi', ref], { stdio: 'pipe' });
    // The default image is the one the hub's jobs run in, which it pulls for its first job (the
    // homes check at start): the image to pull at launch is another.
    t = await startTestHub({
      config: { images: { default: 'tiny', catalogue: [{ name: 'tiny', image: TINY_IMAGE }, { name: 'pulled', image: ref }] } },
    });
  });

  afterAll(async () => {
    await t?.close();
    if (ref) execFileSync('docker', ['rmi', '-f', ref], { stdio: 'ignore' });
    await registry?.close();
  });

  it('pulls with progress in percent, then runs the sandbox', async () => {
    const alice = await t.user('alice');
    const launched = await t.api<{ id: string; state: string }>(alice, 'POST', '/api/sandboxes', { name: 'fresh', image: 'pulled' });
    expect(launched.status).toBe(202);
    await waitForState(t, alice, launched.body.id, 'running');
    const events = await t.hub.events.history(launched.body.id);
    const pulling = events.filter((e) => e.state === 'pulling');
    expect(pulling[0]!.message).toContain(ref);
    const percents = pulling.map((e) => e.percent).filter((p): p is number => p !== null);
    expect(percents.at(-1)).toBe(100);
    expect([...percents].sort((a, b) => a - b)).toEqual(percents);
    expect(events.map((e) => e.state)).toEqual(expect.arrayContaining(['queued', 'pulling', 'creating', 'starting', 'waiting', 'running']));
  });
});
