/**
 * The Admin page of a company: ten thousand accounts, seeded straight into the database, in
 * Debian's Chromium. The page asks the hub for one page of users at a time (never the whole
 * list), shows the first page with the count of all, pages and searches on the hub, and keeps
 * its JavaScript heap small (measured before: the whole list took 1.8 GB and froze the tab).
 */
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeRuntime } from '../src/runtime/fake/fake-runtime.js';
import { ensureWebBuild, REPO_ROOT } from '../web/tools/build.js';
import { chromiumMissing, launchBrowser, signInOnPage } from './support/browser.js';
import { ADMIN_PASSWORD, startTestHub, type TestHub } from './support/hub.js';

/** The same build the dashboard test serves, so the two share one build. */
const webRoot = path.join(REPO_ROOT, '.shiva-test', 'web');
const USERS = 10_000;
const MiB = 1024 * 1024;

describe('the Admin page with ten thousand users', () => {
  let t: TestHub;
  const runtime = new FakeRuntime();
  let browser: Browser | undefined;

  beforeAll(async () => {
    const missing = chromiumMissing();
    if (missing) throw new Error(missing);
    ensureWebBuild(webRoot);
    t = await startTestHub({ makeRuntime: () => runtime, webRoot });
    const created = new Date(Date.UTC(2026, 0, 1)).toISOString();
    await t.hub.db.transaction().execute(async (tx) => {
      for (let from = 0; from < USERS; from += 500) {
        const rows = Array.from({ length: Math.min(500, USERS - from) }, (_, k) => {
          const i = from + k;
          const name = `member${String(i).padStart(5, '0')}`;
          return { username: name, email: `${name}@example.com`, password_hash: null, role: 'user' as const, disabled: 0, created_at: created, uid: 40_000 + i, gid: 40_000 + i };
        });
        await tx.insertInto('users').values(rows).execute();
      }
    });
    browser = await launchBrowser();
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await runtime.closeAll();
  });

  /** The names in the users table as shown (without the "you" chip of one's own row). */
  const shownNames = async (page: Page) => (await page.getByRole('table', { name: 'Users' }).locator('tbody th').allInnerTexts()).map((text) => text.split('\n')[0]);

  it('shows the first page of users with the count of all, pages and searches on the hub, with a small heap', async () => {
    const context = await browser!.newContext();
    const page = await context.newPage();
    const asked: string[] = [];
    page.on('request', (r) => {
      const u = new URL(r.url());
      if (u.pathname === '/api/users') asked.push(u.search);
    });
    await page.goto(`${t.url}/login?next=%2Fadmin`);
    await signInOnPage(page, 'admin', ADMIN_PASSWORD);

    await page.getByText(`1–50 of ${(USERS + 1).toLocaleString('en')}`).waitFor({ timeout: 30_000 });
    const first = await shownNames(page);
    expect(first).toHaveLength(50);
    expect(first[0]).toBe('admin');
    expect(first[1]).toBe('member00000');

    await page.getByRole('button', { name: 'Next page' }).click();
    await page.getByText(`51–100 of ${(USERS + 1).toLocaleString('en')}`).waitFor();
    expect((await shownNames(page))[0]).toBe('member00049');
    await page.getByRole('button', { name: 'Previous page' }).click();
    await page.getByText(`1–50 of ${(USERS + 1).toLocaleString('en')}`).waitFor();

    await page.getByLabel('Search users').fill('MEMBER0999');
    await page.getByText('1–10 of 10').waitFor();
    expect(await shownNames(page)).toEqual(Array.from({ length: 10 }, (_, i) => `member0999${i}`));
    await page.getByLabel('Search users').fill('nobody-like-this');
    await page.getByText('No user\'s name or email contains “nobody-like-this”.').waitFor();

    // Every ask was for one page of 50, and the search went to the hub, not through a list in the tab.
    expect(asked.length).toBeGreaterThan(0);
    for (const search of asked) expect(new URLSearchParams(search).get('limit'), search).toBe('50');
    expect(asked.some((s) => new URLSearchParams(s).get('q') === 'MEMBER0999')).toBe(true);

    const cdp = await context.newCDPSession(page);
    await cdp.send('HeapProfiler.collectGarbage');
    const { usedSize } = await cdp.send('Runtime.getHeapUsage');
    console.log(`Admin page heap with ${USERS} users: ${(usedSize / MiB).toFixed(1)} MiB`);
    expect(usedSize).toBeLessThan(100 * MiB);
    await context.close();
  }, 120_000);
});
