/**
 * A real hub for tests: its own temporary data directory (so its own deployment id and
 * containers), listening on a random loopback port, with helpers to sign in and call the API.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pino, { type Logger } from 'pino';
import { buildApp } from '../../src/app.js';
import type { App } from '../../src/api/types.js';
import type { CommandRunner } from '../../src/quota/command.js';
import { parseConfig } from '../../src/config/load.js';
import type { MachineEntry } from '../../src/config/schema.js';
import { createHub, type Hub } from '../../src/hub.js';
import type { Runtime } from '../../src/runtime/types.js';
import { removeDeploymentContainers } from './cleanup.js';
import { NOTEBOOK_IMAGE, TINY_IMAGE } from './docker.js';

export const ADMIN_PASSWORD = 'admin-password-for-tests';

export interface TestHub {
  hub: Hub;
  app: App;
  url: string;
  /** The SSH gateway's port, when the test's config enables it (ssh: { port: 0 } for any free one). */
  sshPort: number | null;
  dataDir: string;
  /** Signs in as a new user (created by the admin) and returns a bearer token. */
  user(name: string, admin?: boolean): Promise<string>;
  adminToken: string;
  api<T = unknown>(token: string | null, method: string, urlPath: string, body?: unknown): Promise<{ status: number; body: T }>;
  close(options?: { keepData?: boolean }): Promise<void>;
}

export interface TestHubOptions {
  makeRuntime?: (entry: MachineEntry) => Runtime;
  config?: Record<string, unknown>;
  dataDir?: string;
  timers?: boolean;
  port?: number;
  env?: Record<string, string>;
  oidcClockSkewSeconds?: number;
  nvidiaSmi?: string;
  /** Where the hub and its API log (tests that read the log lines); silent by default. */
  log?: Logger;
  /** How the hard quota backends run their commands (a recorder, on a machine without such filesystems). */
  quotaCommands?: CommandRunner;
  /** The dashboard build to serve (ensureWebBuild's folder), for tests in a browser; dist/web by default. */
  webRoot?: string;
}

export const testCatalogue = {
  default: 'tiny',
  catalogue: [
    { name: 'tiny', image: TINY_IMAGE, description: 'test server' },
    { name: 'notebook', image: NOTEBOOK_IMAGE, description: 'Jupyter' },
    { name: 'broken', image: TINY_IMAGE, description: 'exits at start', env: { TINY_FAIL_AT_START: 'on purpose' } },
    { name: 'missing', image: 'shiva-test/does-not-exist:never', description: 'not pullable' },
  ],
};

/** A port free right now on loopback (sandbox URLs need the hub's port before it listens). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export async function startTestHub(options: TestHubOptions = {}): Promise<TestHub> {
  const dataDir = options.dataDir ?? mkdtempSync(path.join(os.tmpdir(), 'shiva-test-'));
  const port = options.port ?? (await freePort());
  const config = parseConfig(
    {
      hub: { host: '127.0.0.1', port },
      dataDir,
      images: testCatalogue,
      sandboxes: { defaults: { cpus: 0.5, memoryGiB: 0.5 }, readinessTimeoutSeconds: 30, stopTimeoutSeconds: 2 },
      // This machine has 2 CPUs; tests run more sandboxes than strict fitting would allow.
      scheduler: { cpuOvercommit: 16 },
      log: { level: 'warn' },
      // The SSH gateway listens only in the tests that ask for it (config.ssh), on the port they give.
      ssh: { enabled: false },
      ...options.config,
    },
    { ...process.env, SHIVA_DATA_DIR: '' },
  );
  const log = options.log ?? pino({ level: process.env.SHIVA_TEST_LOG ?? 'silent' });
  const hub = await createHub(config, {
    log,
    env: { SHIVA_ADMIN_PASSWORD: ADMIN_PASSWORD, ...options.env },
    oidcClockSkewSeconds: options.oidcClockSkewSeconds,
    nvidiaSmi: options.nvidiaSmi,
    makeRuntime: options.makeRuntime,
    quotaCommands: options.quotaCommands,
    announce: () => undefined,
    timers: options.timers ?? false,
  });
  const app = await buildApp(hub, { ...(options.log ? { logger: options.log } : {}), ...(options.webRoot ? { webRoot: options.webRoot } : {}) });
  await app.listen({ host: '127.0.0.1', port });
  const url = `http://127.0.0.1:${port}`;
  const sshPort = hub.ssh ? await hub.ssh.listen('127.0.0.1', config.ssh.port) : null;

  const api = async <T>(token: string | null, method: string, urlPath: string, body?: unknown) => {
    const res = await fetch(`${url}${urlPath}`, {
      method,
      headers: {
        ...(token ? { authorization: token.startsWith('Basic ') ? token : `Bearer ${token}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
  };
  const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  const tokenFor = async (user: string, password: string) => {
    const res = await api<{ token: string }>(basic(user, password), 'POST', '/api/tokens', { name: 'test' });
    if (res.status !== 201) throw new Error(`token for ${user}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.token;
  };
  const adminToken = await tokenFor('admin', ADMIN_PASSWORD);

  return {
    hub,
    app,
    url,
    sshPort,
    dataDir,
    adminToken,
    api,
    async user(name: string, admin = false) {
      const password = `${name}-password-123`;
      const created = await api(adminToken, 'POST', '/api/users', { username: name, password, admin });
      if (created.status !== 201 && created.status !== 409) throw new Error(`create ${name}: ${created.status}`);
      return tokenFor(name, password);
    },
    async close(closeOptions = {}) {
      await hub.sandboxes.settle();
      if (!closeOptions.keepData) await removeDeploymentContainers(hub);
      await app.close();
      await hub.close();
      if (!closeOptions.keepData && !options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
