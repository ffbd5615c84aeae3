/**
 * A client of a team's registry over the registry HTTP API v2 (Docker's distribution
 * specification, the OCI distribution specification 1.1): the catalogue and tags with `Link`
 * pagination, manifests with their digest and size in Docker's and the OCI's media types, and
 * manifest deletion by digest. Registries that ask for HTTP Basic (an htpasswd realm) get the
 * configured credentials; those that ask for a bearer token (distribution's token
 * authentication, Harbor, most hosted registries) get one from the realm they name, with the
 * credentials, kept until it expires.
 *
 * Each request has a time limit and a size cap on its answer; every failure is a RegistryError
 * whose kind says what went wrong and whose message carries the registry's own reason.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { parseChallenges } from './challenge.js';
import { nextPage } from './link.js';
import { isDigest, isRepository, isTag } from './reference.js';

/** What every read takes: a signal that gives up on it (a deadline for a whole listing). */
export interface ReadOptions {
  signal?: AbortSignal;
}

export interface RegistryOptions {
  /** Where the registry is: `https://registry.example:5000` (or `http://` on a trusted network). */
  url: string;
  username?: string;
  password?: string;
  /** Accept a TLS certificate no trusted authority signed (a team's own registry). */
  insecure?: boolean;
  /** Time for one request, in ms (default 10 s). */
  timeoutMs?: number;
}

/** What went wrong, for callers to map to the API's codes. */
export type RegistryErrorKind = 'unreachable' | 'unauthorized' | 'denied' | 'not_found' | 'bad_request' | 'bad_answer';

export class RegistryError extends Error {
  constructor(
    readonly kind: RegistryErrorKind,
    message: string,
    /** The registry's HTTP status, when it answered. */
    readonly status: number | null = null,
  ) {
    super(message);
    this.name = 'RegistryError';
  }
}

/** A manifest as the hub needs it. */
export interface ManifestInfo {
  /** `Docker-Content-Digest`, or the digest of the bytes when the registry sends none. */
  digest: string;
  mediaType: string;
  /** The config's and the layers' compressed sizes added up, in bytes; for an index, its `platform`'s. */
  sizeBytes: number;
  /** How many layers (the image's depth; the overlay filesystem allows 127). */
  layers: number;
  /** The digest of the image's config blob (its labels, environment, command). */
  configDigest: string;
}

/** The media types asked for, in order of preference (image manifests, then indexes). */
const MANIFEST_TYPES = [
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
];
const INDEX_TYPES = new Set(['application/vnd.oci.image.index.v1+json', 'application/vnd.docker.distribution.manifest.list.v2+json']);
/** An answer larger than this is no listing or manifest. */
const MAX_ANSWER_BYTES = 4 * 1024 * 1024;
/** Pages followed for one listing, at most (a registry that links to itself forever). */
const MAX_PAGES = 1000;
/** A bearer token longer than this is no token (Harbor's are a few KiB). */
const MAX_TOKEN_LENGTH = 16 * 1024;
/** Tokens kept, one per scope (a refresh asks one per repository). */
const MAX_TOKENS = 256;
/** Names in one listing, at most: more is no team's registry, and the hub holds them all. */
export const MAX_LISTED_NAMES = 100_000;
const DEFAULT_TIMEOUT_MS = 10_000;

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export class RegistryClient {
  private readonly base: URL;
  /** Bearer tokens by scope, with when they stop being good (ms). */
  private readonly tokens = new Map<string, { token: string; until: number }>();

  constructor(private readonly options: RegistryOptions) {
    this.base = new URL(options.url.endsWith('/') ? options.url : `${options.url}/`);
    if (this.base.protocol !== 'http:' && this.base.protocol !== 'https:') throw new RegistryError('bad_request', `the registry's url must be http or https, not ${this.base.protocol}`);
  }

  /** Every repository in the catalogue (`GET /v2/_catalog`), `pageSize` at a time. */
  repositories(options: ReadOptions & { pageSize?: number } = {}): Promise<string[]> {
    return this.list('v2/_catalog', 'registry:catalog:*', options.pageSize, options.signal, (body) => body.repositories);
  }

  /** Every tag of `repository` (`GET /v2/<name>/tags/list`), `pageSize` at a time. */
  async tags(repository: string, options: ReadOptions & { pageSize?: number } = {}): Promise<string[]> {
    this.checkRepository(repository);
    return this.list(`v2/${repository}/tags/list`, `repository:${repository}:pull`, options.pageSize, options.signal, (body) => body.tags ?? []);
  }

  /**
   * The manifest `reference` (a tag or a digest) of `repository`. An index (a multi-platform
   * image) is resolved to its `platform` entry (default linux/amd64), whose size and depth are
   * given with the index's digest; that entry must be an image manifest (an index is followed
   * one level, so an index naming an index cannot send the hub round for ever). Throws not_found
   * when there is no such manifest.
   */
  manifest(repository: string, reference: string, options: ReadOptions & { platform?: { os: string; architecture: string } } = {}): Promise<ManifestInfo> {
    return this.readManifest(repository, reference, options.platform ?? { os: 'linux', architecture: 'amd64' }, true, options.signal);
  }

  private async readManifest(repository: string, reference: string, platform: { os: string; architecture: string }, indexAllowed: boolean, signal?: AbortSignal): Promise<ManifestInfo> {
    this.checkRepository(repository);
    if (!isTag(reference) && !isDigest(reference)) throw new RegistryError('bad_request', `"${reference}" is neither a tag nor a digest`);
    const answer = await this.call('GET', `v2/${repository}/manifests/${reference}`, `repository:${repository}:pull`, { accept: MANIFEST_TYPES.join(', ') }, signal);
    const digest = manifestDigest(answer, `${repository}:${reference}`);
    if (isDigest(reference) && digest !== reference) throw new RegistryError('bad_answer', `the registry answered ${repository}@${reference} with another manifest (${digest})`);
    const body = parseJson(answer.body) as { mediaType?: string; config?: { size?: unknown; digest?: unknown }; layers?: Array<{ size?: unknown }>; manifests?: Array<{ digest?: string; platform?: { os?: string; architecture?: string } }> };
    const mediaType = body.mediaType ?? String(answer.headers['content-type'] ?? '').split(';')[0]!;
    if (INDEX_TYPES.has(mediaType)) {
      if (!indexAllowed) throw new RegistryError('bad_answer', `${repository}@${reference} is an index inside an index, which no image is`);
      const entry = body.manifests?.find((m) => m.platform?.os === platform.os && m.platform?.architecture === platform.architecture);
      if (!entry?.digest || !isDigest(entry.digest)) throw new RegistryError('not_found', `${repository}:${reference} has no ${platform.os}/${platform.architecture} image`);
      const image = await this.readManifest(repository, entry.digest, platform, false, signal);
      return { ...image, digest, mediaType };
    }
    if (!Array.isArray(body.layers) || typeof body.config?.size !== 'number' || typeof body.config.digest !== 'string' || !isDigest(body.config.digest)) throw new RegistryError('bad_answer', `${repository}:${reference} is not an image manifest (${mediaType || 'no media type'})`);
    const sizes = [body.config.size, ...body.layers.map((l) => l.size)];
    if (!sizes.every((n): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0)) throw new RegistryError('bad_answer', `${repository}:${reference} has a layer without a size`);
    return { digest, mediaType, sizeBytes: sizes.reduce((a, b) => a + b, 0), layers: body.layers.length, configDigest: body.config.digest };
  }

  /**
   * The labels of an image, from its config blob `configDigest` (ManifestInfo.configDigest):
   * where the catalogue finds an image's description (`org.shiva.description`).
   */
  async labels(repository: string, configDigest: string, options: ReadOptions = {}): Promise<Record<string, string>> {
    this.checkRepository(repository);
    if (!isDigest(configDigest)) throw new RegistryError('bad_request', `"${configDigest}" is not a digest`);
    const answer = await this.call('GET', `v2/${repository}/blobs/${configDigest}`, `repository:${repository}:pull`, {}, options.signal);
    const labels = (parseJson(answer.body) as { config?: { Labels?: unknown } }).config?.Labels;
    if (typeof labels !== 'object' || labels === null) return {};
    return Object.fromEntries(Object.entries(labels).filter((e): e is [string, string] => typeof e[1] === 'string'));
  }

  /**
   * Deletes the manifest `digest` of `repository` (and so every tag pointing at it). The space
   * comes back only when the registry's garbage collection runs (docs/registry.md). A registry
   * started without deletes answers unsupported: bad_request with its reason.
   */
  async deleteManifest(repository: string, digest: string): Promise<void> {
    this.checkRepository(repository);
    if (!isDigest(digest)) throw new RegistryError('bad_request', `"${digest}" is not a digest`);
    await this.call('DELETE', `v2/${repository}/manifests/${digest}`, `repository:${repository}:delete`, {});
  }

  private checkRepository(repository: string): void {
    if (!isRepository(repository)) throw new RegistryError('bad_request', `"${repository}" is not a repository name`);
  }

  private async list(path: string, scope: string, pageSize: number | undefined, signal: AbortSignal | undefined, items: (body: { repositories?: unknown; tags?: unknown }) => unknown): Promise<string[]> {
    const out: string[] = [];
    let next: URL | null = new URL(pageSize ? `${path}?n=${pageSize}` : path, this.base);
    for (let page = 0; next !== null; page++) {
      if (page >= MAX_PAGES) throw new RegistryError('bad_answer', `the registry's listing of ${path} went on for more than ${MAX_PAGES} pages`);
      const asked: URL = next;
      const answer = await this.call('GET', asked, scope, { accept: 'application/json' }, signal);
      const found = items(parseJson(answer.body) as { repositories?: unknown; tags?: unknown });
      if (!Array.isArray(found) || !found.every((x) => typeof x === 'string')) throw new RegistryError('bad_answer', `the registry's listing of ${path} is not a list of names`);
      if (out.length + found.length > MAX_LISTED_NAMES) throw new RegistryError('bad_answer', `the registry's listing of ${path} has more than ${MAX_LISTED_NAMES} names`);
      // One at a time: spreading a page of 100,000 names into push() would overflow the stack.
      for (const name of found) out.push(name);
      next = nextPage(header(answer.headers.link), asked);
    }
    return out;
  }

  /**
   * One request to the registry, with the credentials it asks for; throws RegistryError on
   * anything but 2xx. `target` is a path under the registry's url or a URL, which must be on the
   * registry's origin: its credentials and tokens go to it and nowhere else.
   */
  private async call(method: string, target: string | URL, scope: string, headers: Record<string, string>, signal?: AbortSignal): Promise<Answer> {
    const url = typeof target === 'string' ? new URL(target, this.base) : target;
    if (url.origin !== this.base.origin) throw new RegistryError('bad_answer', `the registry sent the hub to another origin (${url.origin}); its requests go to ${this.base.origin} only`);
    const what = `${method} ${url.pathname}`;
    const cached = this.tokens.get(scope);
    let auth = cached && cached.until > Date.now() ? `Bearer ${cached.token}` : undefined;
    let answer = await this.send(method, url, { ...headers, ...(auth ? { authorization: auth } : {}) }, signal);
    if (answer.status === 401) {
      auth = await this.credentialsFor(header(answer.headers['www-authenticate']), scope, signal);
      answer = await this.send(method, url, { ...headers, authorization: auth }, signal);
    }
    if (answer.status >= 200 && answer.status < 300) return answer;
    throw failure(answer, what);
  }

  /**
   * What an engine needs to pull or push `repository` (`actions`: pull, or pull,push) from this
   * registry: nothing when it asks for no credentials; for a registry that asks for a bearer
   * token, a token the hub got with the checks above (so the engine, which would send the
   * password to whatever token service the registry names, never holds the password); for one
   * that asks for Basic, 'basic' (the engine sends the password to the registry itself).
   */
  async engineAuth(repository: string, actions: 'pull' | 'pull,push', options: ReadOptions = {}): Promise<{ registrytoken: string } | 'basic' | null> {
    this.checkRepository(repository);
    const answer = await this.send('GET', new URL('v2/', this.base), {}, options.signal);
    if (answer.status >= 200 && answer.status < 300) return null;
    if (answer.status !== 401) throw failure(answer, 'GET /v2/');
    const challenge = header(answer.headers['www-authenticate']);
    if (!parseChallenges(challenge).some((c) => c.scheme === 'bearer')) return 'basic';
    const auth = await this.credentialsFor(challenge, `repository:${repository}:${actions}`, options.signal, true);
    return { registrytoken: auth.slice('Bearer '.length) };
  }

  /** The Authorization value for the challenge the registry gave. */
  private async credentialsFor(challengeHeader: string | undefined, scope: string, signal?: AbortSignal, ownScope = false): Promise<string> {
    const { username, password } = this.options;
    const basic = username !== undefined ? `Basic ${Buffer.from(`${username}:${password ?? ''}`).toString('base64')}` : undefined;
    const challenges = parseChallenges(challengeHeader);
    const bearer = challenges.find((c) => c.scheme === 'bearer');
    if (bearer?.params.realm) {
      let realm: URL;
      try {
        realm = new URL(bearer.params.realm);
      } catch {
        throw new RegistryError('bad_answer', `the registry named a token service that is no URL: ${bearer.params.realm}`);
      }
      if (realm.protocol !== 'https:' && realm.protocol !== 'http:') throw new RegistryError('bad_answer', `the registry named a token service that is not http or https: ${realm.protocol}`);
      // A registry's answer must not be able to send the team's password elsewhere, nor in the
      // clear: it goes only to a token service on the registry's own host, over https unless the
      // registry itself is http. Another service still gets asked, without it (anonymous pulls).
      if (this.base.protocol === 'https:' && realm.protocol !== 'https:') throw new RegistryError('bad_answer', `the registry named a token service over plain http (${realm.host}); the hub asks a token service over https only when the registry is https`);
      const sameHost = realm.hostname === this.base.hostname;
      if (bearer.params.service) realm.searchParams.set('service', bearer.params.service);
      realm.searchParams.set('scope', ownScope ? scope : (bearer.params.scope ?? scope));
      const answer = await this.send('GET', realm, { accept: 'application/json', ...(basic && sameHost ? { authorization: basic } : {}) }, signal);
      if (answer.status !== 200) {
        const refused = failure(answer, 'the token service');
        if (basic && !sameHost) throw new RegistryError(refused.kind, `${refused.message}; the registry's token service is on another host (${realm.host}), and the hub sends the registry's credentials only to the registry's own host`, refused.status);
        throw refused;
      }
      const body = parseJson(answer.body) as { token?: unknown; access_token?: unknown; expires_in?: unknown };
      const token = typeof body.token === 'string' ? body.token : typeof body.access_token === 'string' ? body.access_token : null;
      if (token === null) throw new RegistryError('bad_answer', 'the token service answered without a token');
      if (token.length > MAX_TOKEN_LENGTH || !/^[\x21-\x7e]+$/.test(token)) throw new RegistryError('bad_answer', `the token service answered a token that is no token (over ${MAX_TOKEN_LENGTH} characters, or not printable)`);
      // The specification's default lifetime is 60 s; renew a little early.
      const seconds = typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : 60;
      this.keepToken(scope, token, Date.now() + Math.max(0, seconds - 10) * 1000);
      return `Bearer ${token}`;
    }
    if (challenges.some((c) => c.scheme === 'basic') && basic) return basic;
    throw new RegistryError('unauthorized', username === undefined ? 'the registry asks for credentials and none are configured (registry.username, registry.passwordEnv)' : 'the registry refused the configured credentials', 401);
  }

  /** Keeps a token for its scope: expired ones go first, and the oldest when MAX_TOKENS are kept. */
  private keepToken(scope: string, token: string, until: number): void {
    const now = Date.now();
    for (const [kept, entry] of this.tokens) if (entry.until <= now) this.tokens.delete(kept);
    this.tokens.delete(scope);
    while (this.tokens.size >= MAX_TOKENS) this.tokens.delete(this.tokens.keys().next().value!);
    this.tokens.set(scope, { token, until });
  }

  private send(method: string, url: URL, headers: Record<string, string>, signal?: AbortSignal): Promise<Answer> {
    const timeoutMs = this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const transport = url.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      // `insecure` is trust in the team's own registry, not in whatever host it names.
      const trusted = this.options.insecure === true && url.hostname === this.base.hostname;
      const limit = signal ? AbortSignal.any([AbortSignal.timeout(timeoutMs), signal]) : AbortSignal.timeout(timeoutMs);
      const req = transport.request(url, { method, headers, signal: limit, rejectUnauthorized: !trusted }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_ANSWER_BYTES) res.destroy(new RegistryError('bad_answer', `the registry answered ${method} ${url.pathname} with more than ${MAX_ANSWER_BYTES} bytes`));
          else chunks.push(chunk);
        });
        res.on('error', (err) => reject(err instanceof RegistryError ? err : new RegistryError('unreachable', `${url.host}: ${err.message}`)));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      });
      req.on('error', (err: NodeJS.ErrnoException) => {
        if (signal?.aborted) return reject(new RegistryError('unreachable', `${url.host}: ${signal.reason instanceof Error ? signal.reason.message : 'given up'}`));
        reject(new RegistryError('unreachable', err.name === 'AbortError' || err.name === 'TimeoutError' ? `${url.host} did not answer in ${timeoutMs} ms` : `${url.host}: ${err.code ?? err.message}`));
      });
      req.end();
    });
  }
}

/**
 * The digest of a manifest answer: `Docker-Content-Digest`, which must be a digest and, for
 * sha256, that of the bytes received (the registry HTTP API: the digest is of the exact bytes);
 * the digest of the bytes when the registry sends none.
 */
function manifestDigest(answer: Answer, what: string): string {
  const computed = `sha256:${createHash('sha256').update(answer.body).digest('hex')}`;
  const stated = header(answer.headers['docker-content-digest']);
  if (stated === undefined || stated === '') return computed;
  if (!isDigest(stated) || (stated.startsWith('sha256:') && stated !== computed)) throw new RegistryError('bad_answer', `the registry answered ${what} with a digest that is not that of the manifest it sent`);
  return stated;
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw new RegistryError('bad_answer', 'the registry answered something other than JSON');
  }
}

/**
 * The error for a refused request, with the registry's own reason: the API's error body is
 * `{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown",…}]}`.
 */
function failure(answer: Answer, what: string): RegistryError {
  let reason = '';
  try {
    const errors = (JSON.parse(answer.body.toString('utf8')) as { errors?: Array<{ code?: unknown; message?: unknown }> }).errors ?? [];
    reason = errors.map((e) => [e.code, e.message].filter((x) => typeof x === 'string').join(': ')).filter(Boolean).join('; ');
  } catch {
    // No JSON: the status alone says it.
  }
  const kind: RegistryErrorKind = answer.status === 401 ? 'unauthorized' : answer.status === 403 ? 'denied' : answer.status === 404 ? 'not_found' : answer.status >= 500 ? 'unreachable' : 'bad_request';
  return new RegistryError(kind, `${what}: the registry answered ${answer.status}${reason ? ` (${reason.slice(0, 300)})` : ''}`, answer.status);
}
