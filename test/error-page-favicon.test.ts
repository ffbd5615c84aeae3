/**
 * The hub's own HTML pages (the proxy's error pages) make a real browser ask for no favicon: on a
 * sandbox's origin that request would reach the sandbox or end in another error. Chromium asks
 * for /favicon.ico of any page that names no icon, which the control page here shows.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorPage, NO_FAVICON } from '../src/proxy/pages.js';
import { chromiumMissing, launchBrowser } from './support/browser.js';

describe('the proxy error page in a real browser', () => {
  let browser: Browser;
  let server: Server;
  let base = '';
  const asked: string[] = [];
  const page = errorPage({ title: 'Sandbox not ready', message: 'The sandbox alice/main is not ready yet (pulling).', home: 'http://127.0.0.1:1/' });
  const pages: Record<string, [number, string]> = {
    '/error': [503, page],
    '/control': [503, page.replace(NO_FAVICON, '')],
    // Where each look ends; it names its own icon, so asks for none itself.
    '/settled': [200, `<!doctype html><html><head>${NO_FAVICON}<title>settled</title></head><body></body></html>`],
  };

  beforeAll(async () => {
    const missing = chromiumMissing();
    if (missing) throw new Error(missing);
    server = createServer((req, res) => {
      asked.push(req.url ?? '');
      const [status, body] = pages[req.url ?? ''] ?? [404, 'not here'];
      res.writeHead(status, { 'content-type': 'text/html; charset=utf-8' });
      res.end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
  });

  /** The paths the browser asked for while it showed `path`, until it settled (then a while more). */
  async function askedFor(path: string): Promise<string[]> {
    const context = await browser.newContext();
    const tab = await context.newPage();
    asked.length = 0;
    await tab.goto(`${base}${path}`, { waitUntil: 'networkidle' });
    // A favicon is asked for after the load; a second settled page load in the same tab orders
    // it: Chromium asks for the first page's icon before it answers the second navigation.
    await tab.goto(`${base}/settled`, { waitUntil: 'networkidle' });
    await context.close();
    return asked.slice(0, asked.indexOf('/settled'));
  }

  it('asks for /favicon.ico for a page that names no icon (the control)', async () => {
    await expect.poll(() => askedFor('/control'), { timeout: 30_000 }).toContain('/favicon.ico');
  });

  it('asks for nothing but the error page itself', async () => {
    expect(await askedFor('/error')).toEqual(['/error']);
  });
});
