/** The hub serves the built dashboard: files as they are, page paths as index.html, the API untouched. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import type { App } from '../src/api/types.js';
import { parseConfig } from '../src/config/load.js';
import { createHub, type Hub } from '../src/hub.js';
import { FakeRuntime } from '../src/runtime/fake/fake-runtime.js';

describe('serving the dashboard', () => {
  let dir: string;
  let hub: Hub;
  let app: App;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'shiva-web-'));
    const web = path.join(dir, 'web');
    mkdirSync(path.join(web, 'assets'), { recursive: true });
    writeFileSync(path.join(web, 'index.html'), '<!doctype html><title>Shiva</title><div id="root"></div>');
    writeFileSync(path.join(web, 'assets', 'index-abc123.js'), 'console.log(1)');
    const runtime = new FakeRuntime();
    hub = await createHub(parseConfig({ dataDir: path.join(dir, 'data') }, {}), {
      log: pino({ level: 'silent' }),
      makeRuntime: () => runtime,
      announce: () => undefined,
      timers: false,
    });
    app = await buildApp(hub, { webRoot: web });
  });
  afterAll(async () => {
    await app.close();
    await hub.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers page paths with index.html, not cached', async () => {
    for (const url of ['/', '/machines', '/admin/users?tab=2', '/login?next=%2Fuser%2Fa%2Fb%2F']) {
      const res = await app.inject({ url });
      expect(res.statusCode, url).toBe(200);
      expect(res.body, url).toContain('<div id="root">');
      expect(res.headers['cache-control'], url).toBe('no-cache');
    }
  });

  it('serves hashed assets with a long cache', async () => {
    const res = await app.inject({ url: '/assets/index-abc123.js' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('console.log(1)');
    expect(res.headers['cache-control']).toContain('immutable');
  });

  it('keeps unknown API paths, missing files and non-GET requests as JSON 404s', async () => {
    for (const [method, url] of [['GET', '/api/nothing'], ['GET', '/assets/missing.js'], ['POST', '/machines']] as const) {
      const res = await app.inject({ method, url });
      expect(res.statusCode, url).toBe(404);
      expect(res.json().error.code, url).toBe('NOT_FOUND');
    }
  });
});
