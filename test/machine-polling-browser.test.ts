/**
 * The Machines page in real headless Chromium against a hub of fake machines: its charts come
 * from the whole hour once and then from only the new samples, and the browser revalidates the
 * polls by itself, so the hub answers unchanged ones with 304s.
 */
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleOf } from '../src/machines/history.js';
import { FakeRuntime } from '../src/runtime/fake/fake-runtime.js';
import { ensureWebBuild, REPO_ROOT } from '../web/tools/build.js';
import { chromiumMissing, launchBrowser, signInOnPage } from './support/browser.js';
import { ADMIN_PASSWORD, startTestHub, type TestHub } from './support/hub.js';
import { memoryLog } from './support/memory-log.js';
import { waitFor } from './support/wait.js';
import { GiB } from '../src/contract/resources.js';

const webRoot = path.join(REPO_ROOT, '.shiva-test', 'web');

describe('the Machines page polling in a browser', () => {
  let t: TestHub;
  let browser: Browser;
  const fake = new FakeRuntime();
  const { log, lines } = memoryLog('debug');

  beforeAll(async () => {
    const missing = chromiumMissing();
    if (missing) throw new Error(missing);
    ensureWebBuild(webRoot);
    t = await startTestHub({
      makeRuntime: () => fake,
      webRoot,
      log,
      config: {
        machines: ['gpu-01', 'gpu-02', 'gpu-03'].map((name, i) => ({ name, docker: `tcp://10.0.${i}.1:2376`, gpus: { source: 'none' } })),
        homes: { check: 'none' },
      },
    });
    // A full hour on every machine, the newest sample at 42% CPU.
    const samples = t.hub.machines.historySamples;
    for (const m of t.hub.machines.list()) {
      for (let i = 0; i < samples; i++) {
        m.history.add(sampleOf(new Date(Date.now() - (samples - i) * 15_000).toISOString(), { cpuPercent: i === samples - 1 ? 42 : 20, memoryUsedBytes: 30 * GiB }, []));
      }
    }
    browser = await launchBrowser();
  }, 240_000);
  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await fake.closeAll();
  });

  /** The statuses the hub answered on `route`, in order (its debug line per request). */
  const statuses = (route: string) => lines.filter((l) => l.msg === 'request' && l.route === route && l.user === 'admin').map((l) => l.status);

  it('draws the charts from the hour, then from the new sample only, while unchanged polls are 304s', async () => {
    const page = await (await browser.newContext({ locale: 'en-GB' })).newPage();
    const historyUrls: string[] = [];
    page.on('request', (request) => {
      const url = new URL(request.url());
      if (url.pathname === '/api/machines/history') historyUrls.push(url.search);
    });
    await page.goto(`${t.url}/login?next=%2Fmachines`);
    await signInOnPage(page, 'admin', ADMIN_PASSWORD);
    const gpu1 = page.getByRole('article', { name: 'gpu-01' });
    await gpu1.getByRole('img', { name: 'CPU over the last 60 minutes: latest 42%' }).waitFor();

    // Nothing changes on the hub: after a poll or two, both calls are revalidated into 304s.
    await waitFor(async () => statuses('/api/machines').includes(304) && statuses('/api/machines/history').includes(304), {
      timeoutMs: 20_000,
      what: 'the browser to revalidate both polls into 304s',
    });
    expect(statuses('/api/machines')[0]).toBe(200);
    expect(historyUrls[0]).toBe('');
    expect(historyUrls.slice(1).every((search) => search.startsWith('?since='))).toBe(true);

    // A health check's sample comes in the next poll, alone, and the chart draws it.
    for (const m of t.hub.machines.list()) m.history.add(sampleOf(new Date().toISOString(), { cpuPercent: 91, memoryUsedBytes: 30 * GiB }, []));
    await gpu1.getByRole('img', { name: 'CPU over the last 60 minutes: latest 91%' }).waitFor({ timeout: 15_000 });
    const points = await gpu1.getByRole('img', { name: /^CPU over/ }).locator('path').getAttribute('d');
    expect(points!.split('L')).toHaveLength(t.hub.machines.historySamples);
  });
});
