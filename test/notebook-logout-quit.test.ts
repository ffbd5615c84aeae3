/**
 * Jupyter's own Logout and Quit buttons in the bundled notebook image, clicked in real Chromium
 * through a real hub: Logout signs the person out of Shiva (the dashboard asks them to sign in),
 * Quit stops the sandbox through the hub (the API says stopped at once; this hub runs no
 * reconciler). Neither can be set off by a page on another origin, another user, or a token
 * without the scope to stop sandboxes.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { chromiumMissing, launchBrowser } from './support/browser.js';
import { describeDocker, NOTEBOOK_IMAGE } from './support/docker.js';
import type { TestHub } from './support/hub.js';
import { startNotebookHub, type NotebookSandbox as Sandbox } from './support/notebook-sandbox.js';

/** Where an audit entry says the action came from (its details are stored as JSON). */
function fromOf(details: string | null): unknown {
  return details === null ? undefined : (JSON.parse(details) as { from?: unknown }).from;
}

describeDocker(
  "Jupyter's Logout and Quit in a notebook sandbox",
  [NOTEBOOK_IMAGE],
  () => {
    let t: TestHub;
    let browser: Browser;
    let alice: string;
    let bob: string;
    let sandbox: Sandbox;

    beforeAll(async () => {
      ({ t, alice, sandbox } = await startNotebookHub());
      bob = await t.user('bob');
      browser = await launchBrowser();
    }, 180_000);

    afterAll(async () => {
      await browser?.close();
      await t?.close();
    });

    /** A browser signed in to the hub as alice, on her sandbox's file list. */
    async function aliceOnTree(): Promise<{ context: BrowserContext; page: Page }> {
      const context = await browser.newContext();
      const res = await context.request.post(`${t.url}/api/auth/login`, { data: { username: 'alice', password: 'alice-password-123' } });
      expect(res.status()).toBe(200);
      const page = await context.newPage();
      await page.goto(`${sandbox.url}tree`);
      await page.getByText('Files', { exact: true }).first().waitFor();
      return { context, page };
    }

    /** What the hub answers the browser's own session cookie at /api/me. */
    const meStatus = async (context: BrowserContext) => (await context.request.get(`${t.url}/api/me`)).status();

    const state = async () => (await t.api<Sandbox>(alice, 'GET', `/api/sandboxes/${sandbox.id}`)).body.state;

    it('keeps a page on another origin from stopping the sandbox or signing its owner out', async () => {
      const { context, page } = await aliceOnTree();
      const evil = http.createServer((_req, res) => {
        res.writeHead(200, { 'content-type': 'text/html' });
        // A form post is what another page can make a browser send with its cookies.
        res.end(`<!doctype html><form method="post" action="${sandbox.url}api/shutdown"><button id="quit">quit</button></form><a id="out" href="${sandbox.url}logout">logout</a>`);
      });
      await new Promise<void>((resolve) => evil.listen(0, '127.0.0.1', resolve));
      try {
        // Another port of the sandbox's own host: the browser sends it the sandbox's cookie
        // (cookies do not tell ports apart), so only the proxy's Origin check stands in the way.
        const evilUrl = `http://${new URL(sandbox.url).hostname}:${(evil.address() as AddressInfo).port}/`;
        await page.goto(evilUrl);
        const [posted] = await Promise.all([page.waitForEvent('response', (r) => r.url().endsWith('/api/shutdown')), page.locator('#quit').click()]);
        expect(posted.status()).toBe(403);
        expect(await posted.text()).toContain('ORIGIN_MISMATCH');
        await page.goto(evilUrl);
        await page.locator('#out').click();
        // Only a page that asks, whose button posts from the sandbox's own origin.
        await page.getByRole('heading', { name: 'Sign out of Shiva?' }).waitFor();
      } finally {
        await new Promise((resolve) => evil.close(resolve));
      }
      expect(await state()).toBe('running');
      expect(await meStatus(context)).toBe(200);
      await context.close();
    }, 120_000);

    it("refuses Quit to another user and to alice's token without sandboxes:launch", async () => {
      const quit = (token: string) => fetch(`${t.url}/user/alice/lab/api/shutdown`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
      expect((await quit(bob)).status).toBe(403);
      const accessOnly = await t.api<{ token: string }>(alice, 'POST', '/api/tokens', { name: 'access-only', scopes: ['sandboxes:access'] });
      expect(accessOnly.status).toBe(201);
      const refused = await quit(accessOnly.body.token);
      expect(refused.status).toBe(403);
      expect(((await refused.json()) as { error: { message: string } }).error.message).toContain('sandboxes:launch');
      expect(await state()).toBe('running');
    });

    it("signs alice out of Shiva with Jupyter's Logout: she lands on the hub's sign-in page and the dashboard asks her to sign in", async () => {
      const { context, page } = await aliceOnTree();
      await page.locator('#logout').click();
      await page.waitForURL(`${t.url}/login`);
      // What the dashboard asks first: signed out, it shows its sign-in page.
      expect(await meStatus(context)).toBe(401);
      // The sandbox cookie this browser holds opens nothing any more either.
      await page.goto(`${sandbox.url}tree`);
      await page.waitForURL(/\/login/);
      expect(await state()).toBe('running');
      const audit = await t.hub.audit.find({ action: 'auth.logout', limit: 10 });
      expect(audit.map((e) => [e.actor, e.result, fromOf(e.details)])).toContainEqual(['alice', 'ok', 'jupyter']);
      await context.close();
    }, 120_000);

    it("stops the sandbox with Jupyter's Quit: the API says stopped as soon as Jupyter shows its dialog", async () => {
      const { context, page } = await aliceOnTree();
      await page.locator('#shutdown').click();
      await page.getByText('Server stopped').waitFor({ timeout: 30_000 });
      const seen = await t.api<Sandbox>(alice, 'GET', `/api/sandboxes/${sandbox.id}`);
      expect(seen.body.state).toBe('stopped');
      expect(seen.body.reason).toBe('stopped by its owner');
      const audit = await t.hub.audit.find({ action: 'sandbox.stop', limit: 10 });
      expect(audit.map((e) => [e.actor, e.target, e.result, fromOf(e.details)])).toContainEqual(['alice', sandbox.id, 'ok', 'jupyter']);
      await context.close();
    }, 120_000);
  },
  chromiumMissing,
);
