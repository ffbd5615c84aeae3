/**
 * The registry client against a stand-in registry on loopback that answers as distribution does
 * (the real one is driven in test/registry.test.ts): pagination, both ways of asking for
 * credentials, manifests of each media type, errors with the registry's reason.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RegistryClient, RegistryError } from './client.js';

const DIGEST = (c: string) => `sha256:${c.repeat(64)}`;
const sha = (body: string) => `sha256:${createHash('sha256').update(body).digest('hex')}`;
/** Manifests as the stand-in sends them, and their digests (that of their bytes, as a registry's are). */
const DOCKER_MANIFEST = JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.docker.distribution.manifest.v2+json', config: { size: 1000, digest: DIGEST('c') }, layers: [{ size: 20 }, { size: 300 }] });
const AMD64_MANIFEST = JSON.stringify({ schemaVersion: 2, config: { size: 7, digest: DIGEST('c') }, layers: [{ size: 5 }] });
const INDEX = JSON.stringify({
  schemaVersion: 2,
  mediaType: 'application/vnd.oci.image.index.v1+json',
  manifests: [
    { digest: DIGEST('e'), platform: { os: 'linux', architecture: 'arm64' } },
    { digest: sha(AMD64_MANIFEST), platform: { os: 'linux', architecture: 'amd64' } },
  ],
});
/** An index whose amd64 image is an index: what a malicious registry would send to keep the hub going round. */
const CHILD_INDEX = JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [{ digest: DIGEST('3'), platform: { os: 'linux', architecture: 'amd64' } }] });
const NESTED_INDEX = JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [{ digest: sha(CHILD_INDEX), platform: { os: 'linux', architecture: 'amd64' } }] });
let lyingDigest = false;
/** The Link header of the catalogue's first page, when a test sets one. */
let catalogueLink = '';
const seen: Array<{ method: string; url: string; authorization?: string }> = [];
let auth: 'none' | 'basic' | 'bearer' = 'none';
let tokensIssued = 0;
/** The host the bearer challenge names for its token service (the registry's own by default). */
let realmHost = '';
let server: http.Server;
let base = '';

const REPOS = ['a/one', 'a/two', 'b/three', 'c/four', 'c/five'];
const json = (res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
};

function page(res: http.ServerResponse, url: URL, items: string[], key: string) {
  const n = Number(url.searchParams.get('n') ?? items.length);
  const last = url.searchParams.get('last');
  const from = last === null ? 0 : items.indexOf(last) + 1;
  const slice = items.slice(from, from + n);
  const more = from + n < items.length;
  json(res, 200, { [key]: slice, ...(key === 'tags' ? { name: 'x' } : {}) }, more ? { link: `<${url.pathname}?last=${slice.at(-1)}&n=${n}>; rel="next"` } : {});
}

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const url = new URL(req.url!, 'http://x');
    seen.push({ method: req.method!, url: req.url!, ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}) });
    if (url.pathname === '/token') {
      if (req.headers.authorization !== `Basic ${Buffer.from('alice:secret').toString('base64')}`) return json(res, 401, { details: 'bad credentials' });
      tokensIssued++;
      return json(res, 200, { token: `tok-${url.searchParams.get('scope')}`, expires_in: 300 });
    }
    const good = auth === 'none' || (auth === 'basic' ? req.headers.authorization === `Basic ${Buffer.from('alice:secret').toString('base64')}` : req.headers.authorization?.startsWith('Bearer tok-'));
    if (!good) {
      const challenge = auth === 'basic' ? 'Basic realm="Registry"' : `Bearer realm="http://${realmHost}/token",service="stand-in",scope="repository:a/one:pull"`;
      return json(res, 401, { errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }, { 'www-authenticate': challenge });
    }
    if (url.pathname === '/v2/_catalog' && url.searchParams.get('n') === '7777') return json(res, 200, { repositories: Array.from({ length: 100_001 }, (_, i) => `r${i}`) });
    if (url.pathname === '/v2/') return json(res, 200, {});
    if (url.pathname === '/v2/_catalog' && catalogueLink) return json(res, 200, { repositories: ['a/one'] }, { link: catalogueLink });
    if (url.pathname === '/v2/_catalog') return page(res, url, REPOS, 'repositories');
    if (url.pathname === '/v2/a/one/tags/list') return page(res, url, ['1', '2', '3'], 'tags');
    const manifest = (body: string, type?: string) => {
      res.writeHead(200, { 'content-type': type ?? 'application/json', 'docker-content-digest': lyingDigest ? DIGEST('d') : sha(body) });
      res.end(body);
    };
    if (url.pathname === '/v2/a/one/manifests/docker') return manifest(DOCKER_MANIFEST);
    if (url.pathname === '/v2/a/one/manifests/multi') return manifest(INDEX);
    if (url.pathname === `/v2/a/one/manifests/${sha(AMD64_MANIFEST)}`) {
      res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json' });
      return res.end(AMD64_MANIFEST);
    }
    if (url.pathname === '/v2/a/one/manifests/nested') return manifest(NESTED_INDEX);
    if (url.pathname === `/v2/a/one/manifests/${sha(CHILD_INDEX)}`) return manifest(CHILD_INDEX);
    if (url.pathname === `/v2/a/one/blobs/${DIGEST('c')}`) return json(res, 200, { architecture: 'amd64', config: { Labels: { 'org.shiva.description': 'One, for tests', n: 1 } } });
    if (req.method === 'DELETE' && url.pathname === `/v2/a/one/manifests/${sha(DOCKER_MANIFEST)}`) return json(res, 405, { errors: [{ code: 'UNSUPPORTED', message: 'The operation is unsupported.' }] });
    json(res, 404, { errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown' }] });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((r) => server.close(r)));
beforeEach(() => {
  seen.length = 0;
  auth = 'none';
  tokensIssued = 0;
  realmHost = new URL(base).host;
  lyingDigest = false;
  catalogueLink = '';
});

const error = (p: Promise<unknown>) => p.then(() => null, (err: unknown) => err as RegistryError);

describe('the registry client', () => {
  it('lists the whole catalogue and every tag, page by page as the Link header says', async () => {
    const client = new RegistryClient({ url: base });
    expect(await client.repositories({ pageSize: 2 })).toEqual(REPOS);
    expect(seen.map((s) => s.url)).toEqual(['/v2/_catalog?n=2', '/v2/_catalog?last=a/two&n=2', '/v2/_catalog?last=c/four&n=2']);
    expect(await client.tags('a/one', { pageSize: 1 })).toEqual(['1', '2', '3']);
  });

  it('sends the configured credentials where the registry asks for Basic, and says so when they are missing', async () => {
    auth = 'basic';
    expect(await new RegistryClient({ url: base, username: 'alice', password: 'secret' }).tags('a/one')).toEqual(['1', '2', '3']);
    const none = await error(new RegistryClient({ url: base }).tags('a/one'));
    expect(none).toMatchObject({ kind: 'unauthorized', message: expect.stringContaining('registry.username') });
    const wrong = await error(new RegistryClient({ url: base, username: 'alice', password: 'nope' }).tags('a/one'));
    expect(wrong).toMatchObject({ kind: 'unauthorized', status: 401 });
  });

  it('gets a bearer token from the realm the registry names, for the scope, and keeps it until it expires', async () => {
    auth = 'bearer';
    const client = new RegistryClient({ url: base, username: 'alice', password: 'secret' });
    expect(await client.tags('a/one')).toEqual(['1', '2', '3']);
    expect(await client.tags('a/one')).toEqual(['1', '2', '3']);
    expect(tokensIssued).toBe(1);
    const asked = seen.find((s) => s.url.startsWith('/token'))!;
    expect(new URL(asked.url, base).searchParams.get('service')).toBe('stand-in');
    expect(new URL(asked.url, base).searchParams.get('scope')).toBe('repository:a/one:pull');
    expect(seen.at(-1)?.authorization).toBe('Bearer tok-repository:a/one:pull');
    const refused = await error(new RegistryClient({ url: base, username: 'alice', password: 'nope' }).tags('a/one'));
    expect(refused).toMatchObject({ kind: 'unauthorized', message: expect.stringContaining('token service') });
  });

  it("never sends the registry's credentials to a token service on another host", async () => {
    auth = 'bearer';
    // localhost is the same machine but another host name: the rule is about names, as a browser's origins are.
    realmHost = `localhost:${new URL(base).port}`;
    const refused = await error(new RegistryClient({ url: base, username: 'alice', password: 'secret' }).tags('a/one'));
    expect(refused).toMatchObject({ kind: 'unauthorized', message: expect.stringContaining('only to the registry\'s own host') });
    const asked = seen.filter((s) => s.url.startsWith('/token'));
    expect(asked).toHaveLength(1);
    expect(asked[0]!.authorization).toBeUndefined();
  });

  it('follows an index one level only, so an index naming an index ends with an error', async () => {
    const client = new RegistryClient({ url: base });
    expect(await error(client.manifest('a/one', 'nested'))).toMatchObject({ kind: 'bad_answer', message: expect.stringContaining('index inside an index') });
    expect(seen).toHaveLength(2);
  });

  it('never follows a Link that leaves the registry, however it is spelled', async () => {
    // Another host on this machine (127.0.0.0/8 is all loopback): what it hears, it must not.
    const heard: string[] = [];
    const other = http.createServer((req, res) => {
      heard.push(`${req.url} ${req.headers.authorization ?? ''}`);
      res.writeHead(401, { 'www-authenticate': 'Basic realm="x"' }).end();
    });
    await new Promise<void>((r) => other.listen(0, '127.0.0.2', r));
    const port = (other.address() as AddressInfo).port;
    try {
      const client = new RegistryClient({ url: base, username: 'alice', password: 'secret' });
      for (const link of [`</.///127.0.0.2:${port}/steal>; rel="next"`, `<//127.0.0.2:${port}/steal>; rel="next"`, `<http://127.0.0.2:${port}/v2/_catalog>; rel="next"`]) {
        catalogueLink = link;
        // The listing ends at the first page or fails; it never reaches the other host.
        await client.repositories().catch(() => null);
      }
      expect(heard).toEqual([]);
    } finally {
      await new Promise((r) => other.close(r));
    }
  });

  it('refuses a manifest whose stated digest is not that of its bytes', async () => {
    lyingDigest = true;
    expect(await error(new RegistryClient({ url: base }).manifest('a/one', 'docker'))).toMatchObject({ kind: 'bad_answer', message: expect.stringContaining('not that of the manifest') });
  });

  it('gives an engine a token for the repository, never the password, where the registry asks for bearer tokens; says basic or nothing otherwise', async () => {
    auth = 'bearer';
    const client = new RegistryClient({ url: base, username: 'alice', password: 'secret' });
    expect(await client.engineAuth('a/one', 'pull,push')).toEqual({ registrytoken: 'tok-repository:a/one:pull,push' });
    auth = 'basic';
    expect(await client.engineAuth('a/one', 'pull')).toBe('basic');
    auth = 'none';
    expect(await client.engineAuth('a/one', 'pull')).toBeNull();
  });

  it('refuses a listing of more than 100,000 names rather than holding it', async () => {
    const client = new RegistryClient({ url: base });
    expect(await error(client.repositories({ pageSize: 7777 }))).toMatchObject({ kind: 'bad_answer', message: expect.stringContaining('more than 100000 names') });
  });

  it('gives a manifest its digest, its size (config and layers) and its depth, and resolves an index to linux/amd64', async () => {
    const client = new RegistryClient({ url: base });
    expect(await client.manifest('a/one', 'docker')).toEqual({ digest: sha(DOCKER_MANIFEST), mediaType: 'application/vnd.docker.distribution.manifest.v2+json', sizeBytes: 1320, layers: 2, configDigest: DIGEST('c') });
    expect(await client.manifest('a/one', 'multi')).toEqual({ digest: sha(INDEX), mediaType: 'application/vnd.oci.image.index.v1+json', sizeBytes: 12, layers: 1, configDigest: DIGEST('c') });
    expect(seen[0]?.url).toBe('/v2/a/one/manifests/docker');
  });

  it("reads an image's labels from its config blob, leaving out what is not text", async () => {
    const client = new RegistryClient({ url: base });
    const { configDigest } = await client.manifest('a/one', 'docker');
    expect(await client.labels('a/one', configDigest)).toEqual({ 'org.shiva.description': 'One, for tests' });
  });

  it("fails with the registry's own reason, and sends nothing for a name that is not one", async () => {
    const client = new RegistryClient({ url: base });
    expect(await error(client.manifest('a/one', 'gone'))).toMatchObject({ kind: 'not_found', status: 404, message: expect.stringContaining('MANIFEST_UNKNOWN: manifest unknown') });
    expect(await error(client.deleteManifest('a/one', sha(DOCKER_MANIFEST)))).toMatchObject({ kind: 'bad_request', status: 405, message: expect.stringContaining('UNSUPPORTED') });
    seen.length = 0;
    expect(await error(client.tags('../v2/_catalog'))).toMatchObject({ kind: 'bad_request' });
    expect(await error(client.manifest('a/one', '../../_catalog'))).toMatchObject({ kind: 'bad_request' });
    expect(await error(client.deleteManifest('a/one', 'latest'))).toMatchObject({ kind: 'bad_request' });
    expect(seen).toEqual([]);
  });

  it('says a registry that does not answer is unreachable, within the time limit', async () => {
    const silent = http.createServer(() => {});
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    try {
      const client = new RegistryClient({ url: `http://127.0.0.1:${(silent.address() as AddressInfo).port}`, timeoutMs: 200 });
      expect(await error(client.repositories())).toMatchObject({ kind: 'unreachable', message: expect.stringContaining('did not answer in 200 ms') });
    } finally {
      silent.closeAllConnections();
      await new Promise((r) => silent.close(r));
    }
  });
});
