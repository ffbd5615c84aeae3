/**
 * The notebook image's front end in real Chromium, through a real hub: the browser signs in as a
 * person would, opens New → Terminal, types a command and reads its output in the terminal's
 * rendered rows; a notebook page loads every script it asks for (ipywidgets included) and
 * draws a widget; the text editor highlights a Python file. Every console error, page error and
 * failed request on the way is a failure.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { chromiumMissing, launchBrowser } from './support/browser.js';
import { describeDocker, NOTEBOOK_IMAGE } from './support/docker.js';
import type { TestHub } from './support/hub.js';
import { startNotebookHub, type NotebookSandbox as Sandbox } from './support/notebook-sandbox.js';

/** What went wrong in a browser context: console errors, uncaught page errors, failed or refused requests. */
interface Trouble {
  problems: string[];
  /** Every console message (to look for what Jupyter only warns about) and WebSocket, for failure messages. */
  console: string[];
}

/** Records everything that goes wrong in `context`, on every page it opens (a terminal opens a new tab). */
function watch(context: BrowserContext): Trouble {
  const trouble: Trouble = { problems: [], console: [] };
  context.on('console', (msg) => {
    trouble.console.push(`${msg.type()}: ${msg.text()}`);
    if (msg.type() === 'error') trouble.problems.push(`console error: ${msg.text()} (${msg.location().url})`);
  });
  context.on('weberror', (err) => trouble.problems.push(`page error: ${err.error().message}`));
  context.on('requestfailed', (req) => {
    // A navigation away aborts what the page still had in flight; that is not a failure of the page.
    if (req.failure()?.errorText !== 'net::ERR_ABORTED') trouble.problems.push(`request failed: ${req.method()} ${req.url()} ${req.failure()?.errorText ?? ''}`);
  });
  context.on('page', (page) =>
    page.on('websocket', (ws) => {
      trouble.console.push(`websocket: ${ws.url()}`);
      ws.on('socketerror', (err) => trouble.console.push(`websocket error: ${err}`));
      ws.on('close', () => trouble.console.push(`websocket closed: ${ws.url()}`));
    }),
  );
  context.on('response', (res) => {
    if (res.status() >= 400) trouble.problems.push(`HTTP ${res.status()}: ${res.request().method()} ${res.url()}`);
  });
  return trouble;
}

describeDocker(
  "the notebook image's pages in Chromium",
  [NOTEBOOK_IMAGE],
  () => {
    let t: TestHub;
    let browser: Browser;
    let sandbox: Sandbox;
    let alice: string;

    beforeAll(async () => {
      ({ t, alice, sandbox } = await startNotebookHub());
      browser = await launchBrowser();
    }, 180_000);

    afterAll(async () => {
      await browser?.close();
      await t?.close();
    });

    /** A browser signed in to the hub as alice, with its troubles recorded from the first request. */
    async function signedIn(): Promise<{ context: BrowserContext; page: Page; trouble: Trouble }> {
      const context = await browser.newContext();
      const trouble = watch(context);
      const res = await context.request.post(`${t.url}/api/auth/login`, { data: { username: 'alice', password: 'alice-password-123' } });
      expect(res.status()).toBe(200);
      return { context, page: await context.newPage(), trouble };
    }

    it("opens New → Terminal, runs echo shiva-$((6*7)) and shows shiva-42 in the terminal's rows, with no page errors", async () => {
      const { context, page, trouble } = await signedIn();
      await page.goto(`${sandbox.url}tree`);
      await page.locator('#new-dropdown-button').click();
      const [terminal] = await Promise.all([context.waitForEvent('page'), page.locator('#new-terminal a').click()]);
      await terminal.waitForURL(/\/terminals\/\d+$/);
      const rows = terminal.locator('.xterm-rows');
      const seen = () => `what the browser saw:\n${[...trouble.problems, ...trouble.console].join('\n')}`;
      await rows.waitFor({ timeout: 60_000 }).catch((err: Error) => {
        throw new Error(`${err.message}\n${seen()}`);
      });
      // The shell's prompt on screen: the terminal is drawn and its WebSocket is open.
      await expect.poll(() => rows.innerText(), { timeout: 30_000 }).toContain('$');
      await terminal.locator('.xterm').click();
      await terminal.keyboard.type('echo shiva-$((6*7))');
      await terminal.keyboard.press('Enter');
      // The arithmetic happens in the sandbox's shell: the typed line does not contain the answer.
      await expect.poll(async () => (await rows.innerText()).split('\n').map((line) => line.trim()), { timeout: 30_000 }).toContain('shiva-42');
      expect(trouble.problems).toEqual([]);
      await context.close();
    }, 120_000);

    it('opens a notebook with every script it asks for (ipywidgets too), draws an IntSlider, and logs no error', async () => {
      const created = await fetch(`${t.url}/user/alice/lab/api/contents/widgets.ipynb`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${alice}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          type: 'notebook',
          content: {
            cells: [{ cell_type: 'code', execution_count: null, metadata: {}, outputs: [], source: 'import ipywidgets\nipywidgets.IntSlider(value=42)' }],
            metadata: { kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' } },
            nbformat: 4,
            nbformat_minor: 4,
          },
        }),
      });
      expect(created.status).toBe(201);
      const { context, page, trouble } = await signedIn();
      await page.goto(`${sandbox.url}notebooks/widgets.ipynb`);
      await page.locator('#kernel_indicator_icon.kernel_idle_icon').waitFor({ timeout: 60_000 });
      await page.locator('.code_cell').first().click();
      await page.keyboard.press('Shift+Enter');
      const slider = page.locator('.widget-slider');
      await slider.waitFor({ timeout: 30_000 });
      expect(await page.locator('.widget-readout').first().innerText()).toBe('42');
      expect(trouble.console.filter((line) => /widgets are not available/i.test(line))).toEqual([]);
      expect(trouble.problems).toEqual([]);
      await context.close();
    }, 120_000);

    it('opens a text file in the editor, with its highlighting, and logs no error', async () => {
      const created = await fetch(`${t.url}/user/alice/lab/api/contents/hello.py`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${alice}`, 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'file', format: 'text', content: 'print("shiva")\n' }),
      });
      expect(created.status).toBe(201);
      const { context, page, trouble } = await signedIn();
      await page.goto(`${sandbox.url}edit/hello.py`);
      await page.locator('.CodeMirror-code').getByText('print').waitFor({ timeout: 30_000 });
      // Python mode loaded: the keyword is highlighted as one.
      await page.locator('.CodeMirror-code .cm-builtin', { hasText: 'print' }).waitFor({ timeout: 30_000 });
      expect(trouble.problems).toEqual([]);
      await context.close();
    }, 120_000);
  },
  chromiumMissing,
);
