/**
 * A person in a real browser: signs in, launches from the home page, watches it come up, opens
 * the sandbox through the proxy and sees Jupyter, then runs a cell in a new notebook.
 */
import { mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { chromiumMissing, launchBrowser } from './support/browser.js';
import { describeDocker, NOTEBOOK_IMAGE } from './support/docker.js';
import { startTestHub, type TestHub } from './support/hub.js';

const shots = path.join(os.tmpdir(), 'shiva-screenshots');

describeDocker('the browser flow', [NOTEBOOK_IMAGE], () => {
  let t: TestHub;
  let browser: Browser;

  beforeAll(async () => {
    const missing = chromiumMissing();
    if (missing) throw new Error(missing);
    mkdirSync(shots, { recursive: true });
    console.log(`screenshots in ${shots}`);
    t = await startTestHub({ config: { images: { catalogue: [{ name: 'notebook', image: NOTEBOOK_IMAGE }] }, sandboxes: { defaults: { cpus: 1, memoryGiB: 1 } } } });
    await t.user('alice');
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('signs in, launches, opens Jupyter through the proxy and runs a cell', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    // Anonymous: the sandbox URL sends the browser to sign in, and back after.
    await page.goto(`${t.url}/user/alice/main/tree`);
    expect(page.url()).toContain('/login?next=%2Fuser%2Falice%2Fmain%2Ftree');
    await page.goto(`${t.url}/login`);
    await page.getByLabel('Username').fill('alice');
    await page.getByLabel('Password').fill('alice-password-123');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${t.url}/`);
    await page.getByText('No sandboxes yet.').waitFor();
    await page.getByRole('button', { name: 'Launch my container' }).click();
    await page.getByText(/Ready: http/).waitFor({ timeout: 60_000 });
    expect(await page.locator('#progress').textContent()).toMatch(/queued[\s\S]*creating[\s\S]*waiting[\s\S]*running/);
    await page.screenshot({ path: path.join(shots, 'home-launched.png') });

    const [jupyter] = await Promise.all([context.waitForEvent('page'), page.getByRole('link', { name: 'Open' }).click()]);
    await jupyter.waitForURL(/\/user\/alice\/main\/tree/);
    await jupyter.getByText('Files', { exact: true }).first().waitFor();
    await jupyter.screenshot({ path: path.join(shots, 'jupyter-tree.png') });

    // A new notebook: its kernel talks over the proxied WebSocket.
    const xsrf = (await context.cookies(t.url)).find((c) => c.name === '_xsrf')?.value ?? '';
    const created = await context.request.post(`${t.url}/user/alice/main/api/contents`, {
      headers: { 'X-XSRFToken': xsrf },
      data: { type: 'notebook' },
    });
    expect(created.status()).toBe(201);
    const nb = ((await created.json()) as { path: string }).path;
    await jupyter.goto(`${t.url}/user/alice/main/notebooks/${nb}`);
    await jupyter.locator('.kernel_idle_icon').waitFor({ timeout: 30_000 });
    await jupyter.locator('.CodeMirror').first().click();
    await jupyter.keyboard.type('print(6*7)');
    await jupyter.keyboard.press('Shift+Enter');
    await jupyter.locator('.output_text', { hasText: '42' }).waitFor({ timeout: 30_000 });
    await jupyter.screenshot({ path: path.join(shots, 'jupyter-notebook.png') });
    await context.close();
  });
});
