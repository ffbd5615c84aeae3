/**
 * The hub's own answers carry a Content-Security-Policy and the anti-framing, no-sniffing and
 * referrer headers; a sandbox's answers through the proxy do not get them. In real Chromium,
 * the built dashboard runs under that policy without a single violation, and another site
 * cannot frame it; its sign-in page never sends anyone off the hub.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import type { Browser, ConsoleMessage } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { CONTENT_SECURITY_POLICY } from '../src/api/security-headers.js';
import type { App } from '../src/api/types.js';
import { parseConfig } from '../src/config/load.js';
import { createHub, type Hub } from '../src/hub.js';
import { FakeRuntime } from '../src/runtime/fake/fake-runtime.js';
import { ensureWebBuild, REPO_ROOT } from '../web/tools/build.js';
import { chromiumMissing, launchBrowser } from './support/browser.js';
import { ADMIN_PASSWORD, freePort, testCatalogue } from './support/hub.js';

/** The same build the dashboard test serves, so the two share one build. */
const webRoot = path.join(REPO_ROOT, '.shiva-test', 'web');

describe('security headers of the hub', () => {
  let dir: string;
  let hub: Hub;
  let app: App;
  let runtime: FakeRuntime;
  let url: string;
  let token: string;
  let browser: Browser | undefined;

  beforeAll(async () => {
    const missing = chromiumMissing();
    if (missing) throw new Error(missing);
    ensureWebBuild(webRoot);
    dir = mkdtempSync(path.join(os.tmpdir(), 'shiva-csp-'));
    runtime = new FakeRuntime();
    const port = await freePort();
    const config = parseConfig({ hub: { host: '127.0.0.1', port }, dataDir: path.join(dir, 'data'), images: testCatalogue }, {});
    hub = await createHub(config, {
      log: pino({ level: 'silent' }),
      env: { SHIVA_ADMIN_PASSWORD: ADMIN_PASSWORD },
      makeRuntime: () => runtime,
      announce: () => undefined,
      timers: false,
    });
    app = await buildApp(hub, { webRoot });
    await app.listen({ host: '127.0.0.1', port });
    url = `http://127.0.0.1:${port}`;
    const created = await fetch(`${url}/api/tokens`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`admin:${ADMIN_PASSWORD}`).toString('base64')}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'test' }),
    });
    token = ((await created.json()) as { token: string }).token;
    const launched = await fetch(`${url}/api/sandboxes`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'lab', cpus: 0.5, memoryGiB: 0.5 }),
    });
    expect(launched.status).toBe(202);
    await hub.sandboxes.settle();
    browser = await launchBrowser();
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await hub?.close();
    await runtime?.closeAll();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const expectHubHeaders = (res: Response, what: string) => {
    expect(res.headers.get('content-security-policy'), what).toBe(CONTENT_SECURITY_POLICY);
    expect(res.headers.get('x-frame-options'), what).toBe('DENY');
    expect(res.headers.get('x-content-type-options'), what).toBe('nosniff');
    expect(res.headers.get('referrer-policy'), what).toBe('same-origin');
  };

  it('puts them on pages, assets, API answers, errors and event streams of the hub', async () => {
    const auth = { authorization: `Bearer ${token}` };
    const page = await fetch(`${url}/machines`);
    expect(page.status).toBe(200);
    expectHubHeaders(page, 'a dashboard page');
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(await page.text())![1]!;
    expectHubHeaders(await fetch(`${url}${script}`), 'an asset');
    expectHubHeaders(await fetch(`${url}/api/me`, { headers: auth }), 'an API answer');
    expectHubHeaders(await fetch(`${url}/api/me`), 'a 401');
    expectHubHeaders(await fetch(`${url}/api/nothing`), 'a 404');
    expectHubHeaders(await fetch(`${url}/api/health`), 'the health probe');
    const sandboxes = ((await (await fetch(`${url}/api/sandboxes`, { headers: auth })).json()) as { items: { id: string }[] }).items;
    const events = await fetch(`${url}/api/sandboxes/${sandboxes[0]!.id}/events`, { headers: auth, signal: AbortSignal.timeout(5000) });
    expectHubHeaders(events, 'an event stream');
    await events.body?.cancel();
    expect(CONTENT_SECURITY_POLICY).toMatch(/default-src 'self'/);
    for (const directive of ["frame-ancestors 'none'", "base-uri 'none'", "form-action 'self'", "object-src 'none'"]) {
      expect(CONTENT_SECURITY_POLICY).toContain(directive);
    }
  });

  it("leaves a sandbox's answers through the proxy without the hub's policy", async () => {
    // On the hub's origin the path form gets only the proxy's own `sandbox` policy.
    const res = await fetch(`${url}/user/admin/lab/api/status`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toBe('sandbox');
    expect(res.headers.get('x-frame-options')).toBeNull();
    // On the sandbox's own origin, the sandbox's answer as it sent it.
    const onOrigin = await new Promise<http.IncomingMessage>((resolve, reject) => {
      const { port } = new URL(url);
      http
        .get({ host: '127.0.0.1', port, path: '/user/admin/lab/api/status', headers: { host: `lab--admin.localhost:${port}`, authorization: `Bearer ${token}` } }, (r) => {
          r.resume();
          resolve(r);
        })
        .on('error', reject);
    });
    expect(onOrigin.statusCode).toBe(200);
    expect(onOrigin.headers['content-security-policy']).toBeUndefined();
    expect(onOrigin.headers['x-frame-options']).toBeUndefined();
  });

  it('runs the built dashboard in Chromium without any policy violation on its pages', async () => {
    const context = await browser!.newContext({ locale: 'en-GB' });
    // Every violation the page sees, kept where the test can read it after each page.
    await context.addInitScript({
      content: "window.violations = []; document.addEventListener('securitypolicyviolation', (e) => window.violations.push(e.violatedDirective + ' ' + e.blockedURI));",
    });
    const page = await context.newPage();
    const console: string[] = [];
    page.on('console', (m: ConsoleMessage) => {
      if (m.type() === 'error' || /Content Security Policy/i.test(m.text())) console.push(m.text());
    });
    await page.goto(`${url}/login`);
    await page.getByLabel('Username').fill('admin');
    await page.getByLabel('Password').fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${url}/`);
    const violations: string[] = [];
    for (const [path, ready] of [
      ['/', 'Launch my container'],
      ['/machines', 'local'],
      ['/settings', 'Create token'],
      ['/admin', 'Users'],
    ] as const) {
      await page.goto(`${url}${path}`);
      await page.getByText(ready).first().waitFor();
      await page.waitForLoadState('networkidle');
      violations.push(...(await page.evaluate<string[]>('window.violations')));
    }
    expect(violations).toEqual([]);
    expect(console.filter((m) => /Content Security Policy|Refused to/i.test(m))).toEqual([]);
    await context.close();
  });

  it.each(['/\t/evil.example', '/%2F%2Fevil.example', '/\\evil.example', 'javascript:alert(1)'])(
    'has the sign-in page land on the hub itself when next is %j',
    async (next) => {
      const context = await browser!.newContext();
      await context.route('**/*', (route) => (new URL(route.request().url()).hostname === '127.0.0.1' ? route.continue() : route.abort()));
      const page = await context.newPage();
      await page.goto(`${url}/login?next=${encodeURIComponent(next)}`);
      await page.getByLabel('Username').fill('admin');
      await page.getByLabel('Password').fill(ADMIN_PASSWORD);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL(`${url}/`);
      await page.getByText('Launch my container').first().waitFor();
      await context.close();
    },
  );

  it('cannot be framed by a page of another origin', async () => {
    const framer = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(`<!doctype html><iframe id="hub" src="${url}/login"></iframe>`);
    });
    await new Promise<void>((resolve) => framer.listen(0, '127.0.0.1', resolve));
    try {
      const context = await browser!.newContext();
      const page = await context.newPage();
      await page.goto(`http://127.0.0.1:${(framer.address() as AddressInfo).port}/`);
      await page.waitForTimeout(1000);
      const frame = page.frames().find((f) => f !== page.mainFrame());
      // A refused frame is left on Chromium's error page, with none of the hub's document.
      expect(frame?.url()).not.toContain('/login');
      await context.close();
    } finally {
      await new Promise((resolve) => framer.close(resolve));
    }
  });
});
