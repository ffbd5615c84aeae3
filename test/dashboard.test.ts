/**
 * The dashboard in real headless Chromium against a real hub and Docker Engine: sign in (and
 * back to the page asked for), launch with live progress, open Jupyter through the proxy and
 * run a cell, stop; a failed launch shows its reason and log; a non-admin has no Admin page;
 * an admin reads the audit log; and a screenshot of every page in light and dark, English and
 * Japanese.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import type { App } from '../src/api/types.js';
import { parseConfig } from '../src/config/load.js';
import { removeDeploymentContainers } from './support/cleanup.js';
import { createHub, type Hub } from '../src/hub.js';
import { ensureWebBuild, REPO_ROOT } from '../web/tools/build.js';
import { chromiumMissing, launchBrowser, signInOnPage } from './support/browser.js';
import { describeDocker, NOTEBOOK_IMAGE, TINY_IMAGE } from './support/docker.js';
import { ADMIN_PASSWORD, freePort, testCatalogue } from './support/hub.js';

const shots = path.join(os.tmpdir(), 'shiva-screenshots');
/**
 * The test serves its own build of the dashboard (the same config as `npm run build:web`) so
 * that whether dist/web exists does not change what other tests' hubs serve.
 */
const webRoot = path.join(REPO_ROOT, '.shiva-test', 'web');

interface DashboardHub {
  url: string;
  hub: Hub;
  app: App;
  dataDir: string;
}

/**
 * As root, the hub's machine shows the H200 of the recorded nvidia-smi output and gives it by
 * device passthrough of a stand-in device node, so the pages show a GPU, its holder and its use.
 */
const withGpu = process.getuid?.() === 0;
const fakeSmi = path.resolve(import.meta.dirname, 'fixtures/bin/nvidia-smi-h200');

function standInDevices(dataDir: string): string {
  const dir = path.join(dataDir, 'dev');
  mkdirSync(dir);
  execFileSync('mknod', [path.join(dir, 'nvidia0'), 'c', '195', '0']);
  execFileSync('mknod', [path.join(dir, 'nvidiactl'), 'c', '195', '255']);
  execFileSync('mknod', [path.join(dir, 'nvidia-uvm'), 'c', '237', '0']);
  return dir;
}

async function startDashboardHub(): Promise<DashboardHub> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'shiva-dashboard-'));
  const port = await freePort();
  const config = parseConfig(
    {
      hub: { host: '127.0.0.1', port },
      dataDir,
      ...(withGpu
        ? { machines: [{ name: 'local', docker: process.env.DOCKER_HOST || 'unix:///var/run/docker.sock', gpus: { mode: 'devices', devicesDir: standInDevices(dataDir) } }] }
        : {}),
      images: { ...testCatalogue, default: 'notebook' },
      sandboxes: { defaults: { cpus: 0.5, memoryGiB: 0.5 }, limits: { cpus: 2, memoryGiB: 4 }, readinessTimeoutSeconds: 30, stopTimeoutSeconds: 2 },
      log: { level: 'warn' },
    },
    { ...process.env, SHIVA_DATA_DIR: '' },
  );
  const hub = await createHub(config, {
    log: pino({ level: process.env.SHIVA_TEST_LOG ?? 'silent' }),
    env: { SHIVA_ADMIN_PASSWORD: ADMIN_PASSWORD },
    announce: () => undefined,
    timers: false,
    ...(withGpu ? { nvidiaSmi: fakeSmi } : {}),
  });
  const app = await buildApp(hub, { webRoot });
  await app.listen({ host: '127.0.0.1', port });
  return { url: `http://127.0.0.1:${port}`, hub, app, dataDir };
}

const password = (user: string) => `${user}-password-123`;

describeDocker('the dashboard in a real browser', [NOTEBOOK_IMAGE, TINY_IMAGE], () => {
  let t: DashboardHub;
  let browser: Browser;

  const tokens = new Map<string, string>();
  const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
  /** An API token for the user, made with their password once. */
  const tokenOf = async (user: string, pass = user === 'admin' ? ADMIN_PASSWORD : password(user)) => {
    const known = tokens.get(user);
    if (known) return known;
    const res = await fetch(`${t.url}/api/tokens`, {
      method: 'POST',
      headers: { authorization: basic(user, pass), 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'test' }),
    });
    if (res.status !== 201) throw new Error(`token for ${user}: ${res.status}`);
    const { token } = (await res.json()) as { token: string };
    tokens.set(user, token);
    return token;
  };
  const api = async (user: string, method: string, urlPath: string, body?: unknown) => {
    const res = await fetch(`${t.url}${urlPath}`, {
      method,
      headers: { authorization: `Bearer ${await tokenOf(user)}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as unknown };
  };


  beforeAll(async () => {
    const missing = chromiumMissing();
    if (missing) throw new Error(missing);
    ensureWebBuild(webRoot);
    mkdirSync(shots, { recursive: true });
    console.log(`dashboard screenshots in ${shots}`);
    t = await startDashboardHub();
    for (const user of ['alice', 'bob']) {
      const created = await api('admin', 'POST', '/api/users', { username: user, password: password(user) });
      if (created.status !== 201) throw new Error(`create ${user}: ${created.status} ${JSON.stringify(created.body)}`);
    }
    browser = await launchBrowser();
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    if (t) {
      await t.hub.sandboxes.settle();
      await removeDeploymentContainers(t.hub);
      await t.app.close();
      await t.hub.close();
      rmSync(t.dataDir, { recursive: true, force: true });
    }
  });

  it('signs in and returns to the page asked for, launches with live progress, opens Jupyter, runs a cell and stops', async () => {
    const context = await browser.newContext({ locale: 'en-GB' });
    const page = await context.newPage();

    // Anonymous at a dashboard page: to sign in, then back.
    await page.goto(`${t.url}/machines`);
    await page.waitForURL(`${t.url}/login?next=%2Fmachines`);
    await signInOnPage(page, 'alice', password('alice'));
    await page.waitForURL(`${t.url}/machines`);
    await page.getByRole('heading', { name: 'local' }).waitFor();

    await page.getByRole('link', { name: 'Home' }).click();
    await page.getByText('No sandboxes yet.').waitFor();
    // With the stand-in GPU free, the GPU choice is open; with no GPU it is 0 and disabled.
    expect(await page.getByRole('combobox', { name: 'GPUs' }).getAttribute('aria-disabled')).toBe(withGpu ? null : 'true');
    await page.getByRole('button', { name: 'Launch my container' }).click();
    const progress = page.getByRole('region', { name: 'Launching main' });
    await progress.waitFor();
    await progress.getByText('main is ready.').waitFor({ timeout: 60_000 });
    const steps = await progress.getByRole('list', { name: 'Progress' }).textContent();
    expect(steps).toMatch(/Queued[\s\S]*Creating[\s\S]*Waiting for Jupyter[\s\S]*Running/);
    const row = page.getByRole('row', { name: /main/ });
    await row.getByText('Running').waitFor();
    await page.screenshot({ path: path.join(shots, 'home-launched-en-light.png'), fullPage: true, animations: 'disabled' });

    // Open goes to the sandbox's own origin, which signs the browser in through the hub.
    const sandboxOrigin = `http://main--alice.localhost:${new URL(t.url).port}`;
    const [jupyter] = await Promise.all([context.waitForEvent('page'), progress.getByRole('link', { name: 'Open', exact: true }).click()]);
    await jupyter!.waitForURL((url) => url.origin === sandboxOrigin && url.pathname === '/user/alice/main/tree');
    await jupyter!.getByText('Files', { exact: true }).first().waitFor();

    // A notebook whose kernel talks through the proxied WebSocket; made by the page itself, as
    // Jupyter's own pages do, with the _xsrf token of the sandbox origin.
    const created = await jupyter!.evaluate<{ status: number; path: string }>(`(async () => {
      const xsrf = (/(?:^|; )_xsrf=([^;]*)/.exec(document.cookie) || [])[1] || '';
      const res = await fetch('/user/alice/main/api/contents', { method: 'POST', headers: { 'X-XSRFToken': decodeURIComponent(xsrf), 'content-type': 'application/json' }, body: '{"type":"notebook"}' });
      return { status: res.status, path: (await res.json()).path };
    })()`);
    expect(created.status).toBe(201);
    const notebook = created.path;
    await jupyter!.goto(`${sandboxOrigin}/user/alice/main/notebooks/${notebook}`);
    await jupyter!.locator('.kernel_idle_icon').waitFor({ timeout: 30_000 });
    await jupyter!.locator('.CodeMirror').first().click();
    await jupyter!.keyboard.type('print(6*7)');
    await jupyter!.keyboard.press('Shift+Enter');
    await jupyter!.locator('.output_text', { hasText: '42' }).waitFor({ timeout: 30_000 });
    await jupyter!.close();

    await page.getByRole('button', { name: 'Stop main' }).click();
    const dialog = page.getByRole('dialog', { name: 'Stop main?' });
    await dialog.getByRole('button', { name: 'Stop' }).click();
    await page.getByRole('button', { name: 'Launch main again' }).waitFor({ timeout: 30_000 });
    await row.getByText('Stopped', { exact: true }).waitFor();
    await context.close();
  });

  it('shows why a launch failed, with the last lines of the container log', async () => {
    const context = await browser.newContext({ locale: 'en-GB' });
    const page = await context.newPage();
    await page.goto(`${t.url}/login`);
    await signInOnPage(page, 'bob', password('bob'));
    await page.getByRole('button', { name: 'Launch my container' }).waitFor();
    await page.getByRole('combobox', { name: 'Image' }).click();
    await page.getByRole('option', { name: /broken/ }).click();
    await page.getByRole('textbox', { name: /Name/ }).fill('crash');
    await page.getByRole('button', { name: 'Launch my container' }).click();
    const progress = page.getByRole('region', { name: 'Launching crash' });
    await progress.getByText('crash did not start.').waitFor({ timeout: 60_000 });
    expect(await progress.getByLabel("Last lines of the container's log").textContent()).toContain('failing at start as asked');
    await page.getByRole('button', { name: 'Launch crash again' }).waitFor();
    await page.screenshot({ path: path.join(shots, 'home-launch-failed-en-light.png'), fullPage: true, animations: 'disabled' });
    await context.close();
  });

  it('shows no Admin page to a non-admin, whose admin API calls are refused', async () => {
    const context = await browser.newContext({ locale: 'en-GB' });
    const page = await context.newPage();
    await page.goto(`${t.url}/login`);
    await signInOnPage(page, 'alice', password('alice'));
    await page.getByRole('heading', { name: 'My sandboxes' }).waitFor();
    expect(await page.getByRole('link', { name: 'Admin' }).count()).toBe(0);
    await page.goto(`${t.url}/admin`);
    await page.getByText('Only admins may see this page.').waitFor();
    const status = await page.evaluate(async () => (await fetch('/api/users')).status);
    expect(status).toBe(403);
    await context.close();
  });

  it('says when the hub cannot be reached and recovers by itself; an ended session signs in again and comes back', async () => {
    const context = await browser.newContext({ locale: 'en-GB' });
    const page = await context.newPage();
    await page.goto(`${t.url}/login?next=%2Fmachines`);
    await signInOnPage(page, 'alice', password('alice'));
    await page.getByRole('heading', { name: 'local' }).waitFor();

    // The machines poll (every 5 s) finds nobody answering.
    await context.route('**/api/**', (route) => route.abort('connectionrefused'));
    const banner = page.getByText('Cannot reach the hub. Retrying…');
    await banner.waitFor({ timeout: 15_000 });
    await page.screenshot({ path: path.join(shots, 'machines-unreachable-en-light.png'), animations: 'disabled' });
    await context.unroute('**/api/**');
    await banner.waitFor({ state: 'detached', timeout: 30_000 });
    await page.getByRole('heading', { name: 'local' }).waitFor();

    // The session ends (here: its cookie goes); the next poll leads to sign-in, and back.
    await context.clearCookies();
    await page.waitForURL(`${t.url}/login?next=%2Fmachines`, { timeout: 15_000 });
    await signInOnPage(page, 'alice', password('alice'));
    await page.waitForURL(`${t.url}/machines`);
    await context.close();
  });

  it('lets an admin create a user, see every sandbox and the recent events', async () => {
    const context = await browser.newContext({ locale: 'en-GB' });
    const page = await context.newPage();
    await page.goto(`${t.url}/login?next=%2Fadmin`);
    await signInOnPage(page, 'admin', ADMIN_PASSWORD);
    await page.waitForURL(`${t.url}/admin`);
    await page.getByRole('button', { name: 'Create user' }).click();
    const dialog = page.getByRole('dialog', { name: 'Create user' });
    await dialog.getByLabel('Username').fill('carol');
    await dialog.getByRole('button', { name: 'Create user' }).click();
    const secret = dialog.locator('code');
    await secret.waitFor();
    const generated = await secret.textContent();
    expect(generated?.length).toBeGreaterThanOrEqual(8);
    await dialog.getByRole('button', { name: 'Close' }).click();
    await page.getByRole('row', { name: /carol/ }).waitFor();
    // The generated password is carol's.
    expect(await tokenOf('carol', generated ?? '')).toMatch(/./);

    await page.getByRole('group', { name: 'Actions for bob' }).getByRole('button', { name: 'Disable' }).click();
    await page.getByRole('group', { name: 'Actions for bob' }).getByRole('button', { name: 'Enable' }).waitFor();
    await page.getByRole('group', { name: 'Actions for bob' }).getByRole('button', { name: 'Enable' }).click();
    await page.getByRole('group', { name: 'Actions for bob' }).getByRole('button', { name: 'Disable' }).waitFor();

    const events = page.getByRole('region', { name: 'Recent events' });
    await events.getByText('alice/main').first().waitFor();
    await context.close();
  });

  it('shows an admin the audit log with the sign-ins and the launch, filtered by action', async () => {
    const context = await browser.newContext({ locale: 'en-GB' });
    const page = await context.newPage();
    await page.goto(`${t.url}/login?next=%2Fadmin`);
    await signInOnPage(page, 'admin', ADMIN_PASSWORD);
    await page.waitForURL(`${t.url}/admin`);
    const audit = page.getByRole('region', { name: 'Audit log' });
    const rows = audit.getByRole('table', { name: 'Audit log' }).getByRole('row');
    // alice signed in and launched in the first test; the admin has just signed in.
    await rows.filter({ hasText: 'auth.login' }).filter({ hasText: 'admin' }).first().waitFor();
    await rows.filter({ hasText: 'auth.login' }).filter({ hasText: 'alice' }).first().waitFor();
    const launch = rows.filter({ hasText: 'sandbox.launch' }).filter({ hasText: 'alice/' }).first();
    await launch.waitFor();
    expect(await launch.textContent()).toMatch(/ok127\.0\.0\.1/);

    await audit.getByRole('combobox', { name: 'Action' }).click();
    await page.getByRole('option', { name: 'sandbox.launch' }).click();
    await rows.filter({ hasText: 'auth.login' }).first().waitFor({ state: 'detached' });
    const actions = await rows.locator('td:nth-child(3)').allTextContents();
    expect(actions.length).toBeGreaterThan(0);
    expect(new Set(actions)).toEqual(new Set(['sandbox.launch']));
    await context.close();
  });

  it('writes a screenshot of every page in light and dark, English and Japanese', async () => {
    // Something to show: a running sandbox of the admin's and a stopped one.
    const running = await api('admin', 'POST', '/api/sandboxes', { name: 'main', image: 'tiny', cpus: 1, memoryGiB: 2 });
    expect(running.status).toBe(202);
    if (withGpu) {
      const training = await api('admin', 'POST', '/api/sandboxes', { name: 'train', image: 'tiny', cpus: 0.5, memoryGiB: 1, gpus: 1 });
      expect(training.status).toBe(202);
    }
    const storage = await (async () => {
      const context = await browser.newContext({ locale: 'en-GB' });
      const page = await context.newPage();
      await page.goto(`${t.url}/login`);
      await signInOnPage(page, 'admin', ADMIN_PASSWORD);
      await page.getByRole('heading', { name: 'My sandboxes' }).waitFor();
      await page.getByRole('row', { name: /main/ }).getByText('Running').waitFor({ timeout: 30_000 });
      const state = await context.storageState();
      await context.close();
      return state;
    })();

    const written: string[] = [];
    for (const [language, locale] of [['en', 'en-GB'], ['ja', 'ja-JP']] as const) {
      for (const scheme of ['light', 'dark'] as const) {
        const shoot = async (page: Page, name: string) => {
          const file = path.join(shots, `${name}-${language}-${scheme}.png`);
          await page.screenshot({ path: file, fullPage: true, animations: 'disabled' });
          written.push(file);
        };
        const anonymous = await browser.newContext({ locale, colorScheme: scheme, viewport: { width: 1280, height: 800 } });
        const login = await anonymous.newPage();
        await login.goto(`${t.url}/login`);
        await login.locator('form').waitFor();
        await shoot(login, 'login');
        await anonymous.close();

        const context: BrowserContext = await browser.newContext({ locale, colorScheme: scheme, viewport: { width: 1280, height: 800 }, storageState: storage });
        const page = await context.newPage();
        await page.goto(`${t.url}/`);
        await page.getByRole('table').first().waitFor();
        await shoot(page, 'home');
        // A few health checks, so the history charts have something to draw.
        for (let i = 0; i < 6; i++) await t.hub.machines.refresh();
        // Two readings of each sandbox's stats give its CPU use.
        await t.hub.liveStats.refresh();
        await t.hub.liveStats.refresh();
        await page.goto(`${t.url}/machines`);
        await page.getByRole('heading', { name: 'local' }).waitFor();
        await page.getByRole('progressbar').first().waitFor();
        if (withGpu) await page.getByText('admin/train').first().waitFor();
        await shoot(page, 'machines');
        await page.goto(`${t.url}/admin`);
        await page.getByRole('row', { name: /alice/ }).first().waitFor();
        await page.locator('section[aria-labelledby="events-title"] table').waitFor();
        const audit = page.locator('section[aria-labelledby="audit-title"]');
        await audit.locator('table').waitFor();
        await shoot(page, 'admin');
        if ((language === 'en' && scheme === 'light') || (language === 'ja' && scheme === 'dark')) {
          // The audit log's card on its own, where its columns can be read.
          const file = path.join(shots, `admin-audit-${language}-${scheme}.png`);
          await audit.locator('xpath=../..').screenshot({ path: file, animations: 'disabled' });
          written.push(file);
        }
        await page.goto(`${t.url}/settings`);
        await page.locator('section[aria-labelledby="tokens-title"] table').waitFor();
        // The SSH panel once it has come: its command, or the line that SSH is off.
        await page.locator('section[aria-labelledby="ssh-connect-title"] p').first().waitFor();
        await shoot(page, 'settings');
        await context.close();
      }
    }
    // A phone.
    const phone = await browser.newContext({ locale: 'en-GB', viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, storageState: storage });
    const page = await phone.newPage();
    await page.goto(`${t.url}/`);
    await page.getByRole('table').first().waitFor();
    const file = path.join(shots, 'home-phone-en-light.png');
    await page.screenshot({ path: file, fullPage: true, animations: 'disabled' });
    written.push(file);
    await phone.close();

    console.log(`dashboard screenshots:\n  ${written.join('\n  ')}`);
    expect(written).toHaveLength(23);
    // 23 full-page screenshots in a real browser take about 50 s on a quiet 2-core machine.
  }, 180_000);
});
