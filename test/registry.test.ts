/**
 * The registry client against a real registry on loopback (Debian's docker-registry, deletes
 * enabled) to which the real engine pushed: the catalogue lists what was pushed, tags page by
 * page, a manifest's size is what the registry stores for its blobs, a deleted manifest's tags
 * are gone, and one that asks for credentials (htpasswd) gets them.
 */
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, expect, it } from 'vitest';
import path from 'node:path';
import { RegistryClient } from '../src/registry/client.js';
import { DockerRuntime } from '../src/runtime/docker/docker-runtime.js';
import { describeDocker, TINY_IMAGE } from './support/docker.js';
import { startRegistry, type TestRegistry } from './support/registry.js';

describeDocker('a real registry', [TINY_IMAGE], () => {
  let registry: TestRegistry;
  const refs: string[] = [];

  beforeAll(async () => {
    registry = await startRegistry({ deletes: true });
    for (const ref of ['shiva-test/alpha:1', 'shiva-test/alpha:2', 'shiva-test/alpha:3', 'shiva-test/beta:latest']) {
      const full = `${registry.host}/${ref}`;
      execFileSync('docker', ['tag', TINY_IMAGE, full]);
      execFileSync('docker', ['push', full], { stdio: 'pipe' });
      refs.push(full);
    }
  }, 120_000);

  afterAll(async () => {
    for (const ref of refs) execFileSync('docker', ['rmi', ref], { stdio: 'ignore' });
    await registry?.close();
  });

  it('lists the pushed repositories and their tags across pages', async () => {
    const client = new RegistryClient({ url: registry.url });
    expect(await client.repositories({ pageSize: 1 })).toEqual(['shiva-test/alpha', 'shiva-test/beta']);
    // Debian 12's distribution 2.8.2 pages the catalogue but answers every tag at once, in its own
    // order, whatever `n` says (tag pages came with distribution 3): the client follows whatever
    // Link it is given, which src/registry/client.test.ts drives page by page.
    expect((await client.tags('shiva-test/alpha', { pageSize: 2 })).sort()).toEqual(['1', '2', '3']);
  });

  it("gives a manifest the engine's digest and the size of the blobs the registry holds", async () => {
    const client = new RegistryClient({ url: registry.url });
    const manifest = await client.manifest('shiva-test/alpha', '1');
    const pushed = execFileSync('docker', ['image', 'inspect', '-f', '{{json .RepoDigests}}', refs[0]!], { encoding: 'utf8' });
    expect(JSON.parse(pushed)).toContain(`${registry.host}/shiva-test/alpha@${manifest.digest}`);
    const body = (await (await fetch(`${registry.url}/v2/shiva-test/alpha/manifests/1`, { headers: { accept: manifest.mediaType } })).json()) as { config: { digest: string }; layers: Array<{ digest: string }> };
    let stored = 0;
    for (const blob of [body.config, ...body.layers]) {
      const head = await fetch(`${registry.url}/v2/shiva-test/alpha/blobs/${blob.digest}`, { method: 'HEAD' });
      stored += Number(head.headers.get('content-length'));
    }
    expect(manifest.sizeBytes).toBe(stored);
    expect(manifest.layers).toBe(body.layers.length);
    // The image's labels come from its config blob: the engine's own view of the same image.
    const labels = JSON.parse(execFileSync('docker', ['image', 'inspect', '-f', '{{json .Config.Labels}}', refs[0]!], { encoding: 'utf8' })) as Record<string, string>;
    expect(await client.labels('shiva-test/alpha', manifest.configDigest)).toEqual(labels);
  });

  it("deletes a manifest by digest, and every tag of it goes; a missing one is not_found with the registry's reason", async () => {
    const client = new RegistryClient({ url: registry.url });
    const { digest } = await client.manifest('shiva-test/beta', 'latest');
    await client.deleteManifest('shiva-test/beta', digest);
    expect(await client.tags('shiva-test/beta')).toEqual([]);
    await expect(client.manifest('shiva-test/beta', 'latest')).rejects.toMatchObject({ kind: 'not_found', message: expect.stringContaining('MANIFEST_UNKNOWN') });
  });

  it('sends the configured credentials to a registry that asks for them, and the engine pulls from it with them', async () => {
    const credentials = { username: 'shiva', password: 'registry-password' };
    const guarded = await startRegistry({ basicAuth: credentials });
    // The engine pushes with its own login, kept in a folder of this test's, not the machine's.
    const dockerConfig = path.join(guarded.dir, 'docker-config');
    const ref = `${guarded.host}/shiva-test/guarded:1`;
    const docker = (args: string[], input?: string) => execFileSync('docker', ['--config', dockerConfig, ...args], { stdio: 'pipe', ...(input !== undefined ? { input } : {}) });
    try {
      docker(['login', '-u', credentials.username, '--password-stdin', guarded.host], credentials.password);
      docker(['tag', TINY_IMAGE, ref]);
      docker(['push', ref]);
      docker(['rmi', ref]);

      expect(await new RegistryClient({ url: guarded.url, ...credentials }).repositories()).toEqual(['shiva-test/guarded']);
      await expect(new RegistryClient({ url: guarded.url }).repositories()).rejects.toMatchObject({ kind: 'unauthorized', message: expect.stringContaining('registry.passwordEnv') });
      await expect(new RegistryClient({ url: guarded.url, username: 'shiva', password: 'wrong' }).repositories()).rejects.toMatchObject({ kind: 'unauthorized' });

      const runtime = new DockerRuntime();
      await expect(runtime.pullImage(ref, () => {})).rejects.toMatchObject({ kind: 'image_not_found', message: expect.stringContaining('asks for credentials the hub was not given') });
      await runtime.pullImage(ref, () => {}, undefined, { ...credentials, serveraddress: guarded.host });
      expect(await runtime.inspectImage(ref)).not.toBeNull();
    } finally {
      execFileSync('docker', ['rmi', '-f', ref], { stdio: 'ignore' });
      await guarded.close();
    }
  });
});
