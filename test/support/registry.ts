/**
 * A real registry on loopback for the tests: Debian's docker-registry (distribution), in a
 * temporary folder, optionally with deletes enabled (storage.delete.enabled, as docs/registry.md
 * asks a team to run it), and asking for HTTP Basic (htpasswd) or bearer tokens from a token
 * service of the test's own (token-service.ts). The engine pushes to it over plain http: dockerd
 * treats registries on 127.0.0.0/8 as insecure-allowed by default.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './hub.js';
import { startTokenService, type TokenService } from './token-service.js';

const REGISTRY = '/usr/bin/docker-registry';

export interface TestRegistry {
  /** `127.0.0.1:<port>`, as image references name it. */
  host: string;
  /** `http://127.0.0.1:<port>`. */
  url: string;
  /** A scratch folder of its own, removed with it. */
  dir: string;
  /** With `tokenAuth`: the token service it sends clients to, and what that service received. */
  tokenService?: TokenService;
  close(): Promise<void>;
}

/**
 * Makes one image of a single layer of `bytes` random bytes (incompressible, so the registry
 * stores about that much), pushes it under each of `refs`, then removes them from this machine's
 * engine: a pull of it downloads the whole layer, in well under a second on loopback, where
 * pushing and pulling the tiny image (about 45 MB compressed, 120 MB unpacked) takes several
 * seconds on two cores. Nothing runs in it.
 */
export function pushRandomImage(refs: readonly string[], bytes: number): void {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'shiva-random-image-'));
  const [first, ...others] = refs;
  if (!first) return;
  try {
    writeFileSync(path.join(dir, 'blob'), randomBytes(bytes));
    execFileSync('sh', ['-c', `tar -C '${dir}' -c blob | docker import - '${first}'`], { stdio: 'pipe' });
    for (const ref of others) execFileSync('docker', ['tag', first, ref]);
    for (const ref of refs) execFileSync('docker', ['push', ref], { stdio: 'pipe' });
  } finally {
    try {
      execFileSync('docker', ['rmi', ...refs], { stdio: 'pipe' });
    } catch {
      // Some were never made.
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Starts a registry and waits until `/v2/` answers; throws with the remedy when it is not
 * installed. `basicAuth`: it asks for these credentials (an htpasswd file with a bcrypt hash, as
 * docs/registry.md sets one up). `tokenAuth`: it asks for bearer tokens from a token service
 * started with it (token-service.ts) that knows this one user; `tokenService` records what that
 * service received. It runs in this process, so the engine's commands that reach it must not be
 * run with execFileSync.
 */
export async function startRegistry(
  options: { deletes?: boolean; basicAuth?: { username: string; password: string }; tokenAuth?: { username: string; password: string } } = {},
): Promise<TestRegistry> {
  if (!existsSync(REGISTRY)) throw new Error(`${REGISTRY} is missing: apt-get install docker-registry`);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'shiva-registry-'));
  const port = await freePort();
  const storage = `{filesystem: {rootdirectory: ${dir}/data}${options.deletes ? ', delete: {enabled: true}' : ''}}`;
  let auth = '';
  if (options.basicAuth) {
    const { username, password } = options.basicAuth;
    writeFileSync(path.join(dir, 'htpasswd'), execFileSync('htpasswd', ['-Bin', username], { input: password, encoding: 'utf8' }));
    auth = `auth: {htpasswd: {realm: shiva-test, path: ${dir}/htpasswd}}\n`;
  }
  let tokenService: TokenService | undefined;
  if (options.tokenAuth) {
    tokenService = await startTokenService({ dir, ...options.tokenAuth });
    auth = `auth: {token: {realm: "${tokenService.realm}", service: ${tokenService.service}, issuer: ${tokenService.issuer}, rootcertbundle: ${tokenService.certFile}}}\n`;
  }
  writeFileSync(path.join(dir, 'config.yml'), `version: 0.1\nlog: {level: error}\nstorage: ${storage}\nhttp: {addr: "127.0.0.1:${port}"}\n${auth}`);
  const child: ChildProcess = spawn(REGISTRY, ['serve', path.join(dir, 'config.yml')], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    // Up once it answers at all: 200, or 401 when it asks for credentials.
    if (await fetch(`${url}/v2/`).then((r) => r.status === 200 || r.status === 401, () => false)) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    host: `127.0.0.1:${port}`,
    url,
    dir,
    ...(tokenService ? { tokenService } : {}),
    close: async () => {
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)));
      await tokenService?.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
