/**
 * The registry client and the engine's pulls against a real registry (Debian's docker-registry)
 * that asks for bearer tokens from a token service (distribution's token authentication,
 * test/support/token-service.ts): the client gets tokens with the configured credentials and
 * reads the catalogue, tags, manifest and labels; wrong credentials are refused by the token
 * service; the engine pulls with the one-repository token the catalogue gets for it, and only the
 * hub ever sends the password to the token service.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseConfig } from '../src/config/load.js';
import { ImageCatalogue } from '../src/images/catalogue.js';
import { RegistryClient } from '../src/registry/client.js';
import { registryClientOf, registryCredentialsOf } from '../src/registry/from-config.js';
import { DockerRuntime } from '../src/runtime/docker/docker-runtime.js';
import { describeDocker, TINY_IMAGE } from './support/docker.js';
import { startRegistry, type TestRegistry } from './support/registry.js';
import type { TokenRequest } from './support/token-service.js';

const credentials = { username: 'shiva', password: 'token-service-password' };
const PASSWORD_ENV = 'SHIVA_TEST_TOKEN_REGISTRY_PASSWORD';
/** The engine names itself `docker/<version> …`; the hub's node:http requests name nothing. */
const fromEngine = (r: TokenRequest): boolean => r.userAgent.startsWith('docker/');

/**
 * `docker --config <dockerConfig> …`, without blocking: the token service answers on this
 * process's event loop, which execFileSync would stop while the engine waits on it.
 */
function docker(dockerConfig: string, args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile('docker', ['--config', dockerConfig, ...args], { env: { ...process.env, DOCKER_BUILDKIT: '0' } }, (err, stdout, stderr) => (err ? reject(new Error(`docker ${args[0]}: ${stderr || err.message}`)) : resolve(stdout)));
    child.stdin?.end(input ?? '');
  });
}

describeDocker('a real registry with token authentication', [], () => {
  let registry: TestRegistry;
  let ref: string;
  let pinned = '';

  beforeAll(async () => {
    registry = await startRegistry({ tokenAuth: credentials });
    ref = `${registry.host}/shiva/lab:latest`;
    // The engine pushes with its own login, kept in a folder of this test's, not the machine's.
    const dockerConfig = path.join(registry.dir, 'docker-config');
    const context = path.join(registry.dir, 'context');
    mkdirSync(context);
    // One small layer, from scratch: pushing shiva/tiny's 120 MB takes the engine ~10 s to
    // compress, and nothing here runs the image.
    writeFileSync(path.join(context, 'hello.txt'), 'behind a token service\n');
    writeFileSync(path.join(context, 'Dockerfile'), 'FROM scratch\nCOPY hello.txt /\nLABEL org.shiva.description="Behind a token service"\n');
    await docker(dockerConfig, ['build', '-q', '-t', ref, context]);
    await docker(dockerConfig, ['login', '-u', credentials.username, '--password-stdin', registry.host], credentials.password);
    await docker(dockerConfig, ['push', ref]);
    pinned = (await docker(dockerConfig, ['image', 'inspect', '-f', '{{index .RepoDigests 0}}', ref])).trim();
    await docker(dockerConfig, ['rmi', ref]);
  }, 60_000);

  afterAll(async () => {
    for (const image of [ref, pinned]) if (image) execFileSync('docker', ['rmi', '-f', image], { stdio: 'ignore' });
    await registry?.close();
  });

  it('lists the catalogue and tags and reads the manifest and labels with tokens got with the credentials; wrong credentials are refused by the token service', async () => {
    const tokens = registry.tokenService!;
    // The engine's login and push asked the token service with the password: the record tells
    // the engine's requests from the hub's, which the last test counts on.
    expect(tokens.requests.some((r) => fromEngine(r) && r.basic && r.scopes.some((s) => s.startsWith('repository:shiva/lab:')))).toBe(true);

    const client = new RegistryClient({ url: registry.url, ...credentials });
    expect(await client.repositories()).toEqual(['shiva/lab']);
    expect(await client.tags('shiva/lab')).toEqual(['latest']);
    const manifest = await client.manifest('shiva/lab', 'latest');
    expect(pinned).toBe(`${registry.host}/shiva/lab@${manifest.digest}`);
    expect(manifest.layers).toBe(1);
    expect(await client.labels('shiva/lab', manifest.configDigest)).toMatchObject({ 'org.shiva.description': 'Behind a token service' });
    // One token per scope, kept: the manifest and the config blob share the pull token.
    const hubAsked = tokens.requests.filter((r) => !fromEngine(r)).map((r) => [r.scopes, r.status, r.granted]);
    expect(hubAsked).toEqual([
      [['registry:catalog:*'], 200, [{ type: 'registry', name: 'catalog', actions: ['*'] }]],
      [['repository:shiva/lab:pull'], 200, [{ type: 'repository', name: 'shiva/lab', actions: ['pull'] }]],
    ]);

    await expect(new RegistryClient({ url: registry.url, username: credentials.username, password: 'wrong' }).repositories()).rejects.toMatchObject({
      kind: 'unauthorized',
      message: expect.stringContaining('the token service'),
    });
    // Without credentials the token service grants nothing, and the registry still refuses.
    await expect(new RegistryClient({ url: registry.url }).repositories()).rejects.toMatchObject({ kind: 'unauthorized' });
  });

  it('pulls on the real engine with the one-repository token the catalogue gets, and the engine never sends the password to the token service', async () => {
    const tokens = registry.tokenService!;
    // The catalogue as the hub makes it (src/hub.ts), the password read from the environment.
    const env = { [PASSWORD_ENV]: credentials.password };
    const config = parseConfig({ registry: { url: registry.url, username: credentials.username, passwordEnv: PASSWORD_ENV }, images: { catalogue: [{ name: 'tiny', image: TINY_IMAGE }] } }, env);
    const catalogue = new ImageCatalogue(config, null, registryCredentialsOf(config, env), registryClientOf(config, env));
    const runtime = new DockerRuntime();
    expect(await runtime.inspectImage(pinned)).toBeNull();
    const start = tokens.requests.length;

    // Without the token the engine asks the token service anonymously and gets nothing it can use.
    await expect(runtime.pullImage(pinned, () => {})).rejects.toMatchObject({ kind: 'image_not_found' });

    const since = tokens.requests.length;
    const auth = await catalogue.credentialsFor(pinned);
    expect(auth).toEqual({ registrytoken: expect.any(String), serveraddress: registry.host });
    expect(auth).not.toHaveProperty('password');
    const claims = JSON.parse(Buffer.from((auth as { registrytoken: string }).registrytoken.split('.')[1]!, 'base64url').toString('utf8')) as { access: unknown };
    expect(claims.access).toEqual([{ type: 'repository', name: 'shiva/lab', actions: ['pull'] }]);

    await runtime.pullImage(pinned, () => {}, undefined, auth);
    expect(await runtime.inspectImage(pinned)).not.toBeNull();

    // Since the catalogue asked: one request, the hub's, with the password; none from the engine,
    // which used the token it was handed.
    const asked = tokens.requests.slice(since);
    expect(asked.map((r) => ({ engine: fromEngine(r), basic: r.basic, username: r.username, scopes: r.scopes }))).toEqual([{ engine: false, basic: true, username: credentials.username, scopes: ['repository:shiva/lab:pull'] }]);
    // In this test the engine asked the token service only for its pull without a token, and
    // without credentials.
    const engine = tokens.requests.slice(start).filter(fromEngine);
    expect(engine.length).toBeGreaterThan(0);
    expect(engine.filter((r) => r.basic)).toEqual([]);
  });
});
