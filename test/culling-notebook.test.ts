/**
 * The idle-stop notice inside Jupyter, in real Chromium on the notebook image: once the hub has
 * warned of an idle stop, the notebook page shows a bar with the stop time and Keep it running,
 * and pressing it keeps the sandbox running (a kept_running event) and takes the bar away. The
 * culler is run by hand here (the hub's timers are off), so the page's own traffic, which the
 * activity sources judge, plays no part in what is shown.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Sandbox } from '../src/contract/api.js';
import { chromiumMissing, launchBrowser } from './support/browser.js';
import { describeDocker, NOTEBOOK_IMAGE } from './support/docker.js';
import { startTestHub, type TestHub } from './support/hub.js';
import { waitFor, waitForState } from './support/wait.js';

describeDocker(
  'the idle-stop notice on the notebook page',
  [NOTEBOOK_IMAGE],
  () => {
    let t: TestHub;
    let browser: Browser;
    let alice: string;
    let sandbox: Sandbox;

    beforeAll(async () => {
      t = await startTestHub({
        config: {
          culling: { idleMinutes: 0.1, warnMinutes: 0.05 },
          sandboxes: { defaults: { cpus: 1, memoryGiB: 1 }, readinessTimeoutSeconds: 60, stopTimeoutSeconds: 2 },
        },
      });
      alice = await t.user('alice');
      const launched = await t.api<Sandbox>(alice, 'POST', '/api/sandboxes', { name: 'lab', image: 'notebook' });
      expect(launched.status).toBe(202);
      sandbox = await waitForState<Sandbox>(t, alice, launched.body.id, 'running');
      browser = await launchBrowser();
    }, 180_000);

    afterAll(async () => {
      await browser?.close();
      await t?.close();
    });

    it('shows the stop time with Keep it running, which keeps the sandbox and takes the bar away', async () => {
      await waitFor(async () => (await t.hub.culler.check()).warned > 0, { timeoutMs: 20_000, what: 'the idle warning', intervalMs: 500 });
      const context = await browser.newContext();
      const login = await context.request.post(`${t.url}/api/auth/login`, { data: { username: 'alice', password: 'alice-password-123' } });
      expect(login.status()).toBe(200);
      const page = await context.newPage();
      await page.goto(`${sandbox.url}tree`);
      const bar = page.locator('#shiva-idle-stop');
      await bar.waitFor({ timeout: 30_000 });
      // Seconds left, not "in 0 min": the stop is moments away.
      expect(await bar.innerText()).toMatch(/This sandbox has been idle: it stops at .+ \(in \d+ s\) unless you use it\. Your home stays\./);
      await bar.getByRole('button', { name: 'Keep it running' }).click();
      await bar.waitFor({ state: 'detached', timeout: 10_000 });
      expect((await t.api<Sandbox>(alice, 'GET', `/api/sandboxes/${sandbox.id}`)).body).toMatchObject({ state: 'running', idleStop: null });
      expect((await t.hub.events.history(sandbox.id)).map((e) => e.code)).toContain('kept_running');
      await context.close();
    });
  },
  chromiumMissing,
);
