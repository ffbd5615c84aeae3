/**
 * Pages a sandbox owner writes are hostile to everyone who opens them. In real Chromium, with
 * the real notebook image: alice plants a page under nbextensions/ and a notebook whose
 * JavaScript output she signed as trusted; an admin (with sandboxes.adminAccess on) and bob
 * open them. The pages try what took over the hub before sandboxes had origins of their own:
 * read the hub's cookies, make an admin token and an admin user, start a kernel and run code in
 * bob's sandbox over both address forms. Afterwards the hub and bob's sandbox are unchanged.
 * Then a page on another origin of the same site tries to reach a signed-in user's kernel.
 */
import { execFile } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { chromiumMissing, launchBrowser } from './support/browser.js';
import { describeDocker, NOTEBOOK_IMAGE } from './support/docker.js';
import { ADMIN_PASSWORD, startTestHub, type TestHub } from './support/hub.js';
import { waitForState } from './support/wait.js';

const run = promisify(execFile);

interface Sandbox {
  id: string;
  state: string;
  url: string;
  reason: string | null;
}

/** What the planted script found out; every field is what the browser let it see. */
interface Findings {
  cookie: string;
  attempts: Record<string, string>;
}

/**
 * The planted script: every request it makes is one a page could make for whoever opens it.
 * `no-cors` simple requests (text/plain) are the ones a browser sends without asking first.
 */
function attackScript(targets: { hub: string; bobOrigin: string; bobKernel: string }): string {
  const { hub, bobOrigin, bobKernel } = targets;
  const bobWsHost = `${bobOrigin.replace('http', 'ws')}/user/bob/lab/api/kernels/${bobKernel}/channels?session_id=x`;
  const bobWsPath = `${hub.replace('http', 'ws')}/user/bob/lab/api/kernels/${bobKernel}/channels?session_id=x`;
  const execute = JSON.stringify({
    header: { msg_id: 'pwn', username: 'x', session: 'x', msg_type: 'execute_request', version: '5.3', date: '' },
    parent_header: {},
    metadata: {},
    content: { code: "open('/home/shiva/pwned', 'w').write('x')", silent: false, store_history: false, user_expressions: {}, allow_stdin: false, stop_on_error: true },
    channel: 'shell',
    buffers: [],
  });
  return `(async () => {
  const attempts = {};
  const tryFetch = async (what, url, init) => {
    try { const r = await fetch(url, Object.assign({ credentials: 'include' }, init)); attempts[what] = 'status ' + r.status; }
    catch (e) { attempts[what] = 'blocked'; }
  };
  const simple = (body) => ({ method: 'POST', mode: 'no-cors', headers: { 'content-type': 'text/plain' }, body });
  const csrf = (/(?:^|; )shiva_csrf=([^;]*)/.exec(document.cookie) || [])[1] || '';
  await tryFetch('hub token', ${JSON.stringify(`${hub}/api/tokens`)}, simple(JSON.stringify({ name: 'pwned', scopes: ['admin'] })));
  await tryFetch('hub token with csrf', ${JSON.stringify(`${hub}/api/tokens`)}, { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': csrf }, body: JSON.stringify({ name: 'pwned2' }) });
  await tryFetch('hub user', ${JSON.stringify(`${hub}/api/users`)}, simple(JSON.stringify({ username: 'mallory', password: 'mallory-password-1', admin: true })));
  await tryFetch('bob kernel (host)', ${JSON.stringify(`${bobOrigin}/user/bob/lab/api/kernels`)}, simple('{}'));
  await tryFetch('bob kernel (path)', ${JSON.stringify(`${hub}/user/bob/lab/api/kernels`)}, simple('{}'));
  const tryWs = (what, url) => new Promise((resolve) => {
    let ws;
    try { ws = new WebSocket(url); } catch (e) { attempts[what] = 'blocked'; resolve(); return; }
    const timer = setTimeout(() => { attempts[what] = 'timeout'; ws.close(); resolve(); }, 5000);
    ws.onopen = () => { ws.send(${JSON.stringify(execute)}); attempts[what] = 'open'; };
    ws.onerror = () => { if (!attempts[what]) attempts[what] = 'refused'; };
    ws.onclose = () => { clearTimeout(timer); if (!attempts[what]) attempts[what] = 'closed'; resolve(); };
  });
  await tryWs('bob ws (host)', ${JSON.stringify(bobWsHost)});
  await tryWs('bob ws (path)', ${JSON.stringify(bobWsPath)});
  window.shivaAttack = { cookie: document.cookie, attempts };
})();`;
}

describeDocker(
  "pages in a sandbox cannot act for whoever opens them",
  [NOTEBOOK_IMAGE],
  () => {
    let t: TestHub;
    let browser: Browser;
    let alice: string;
    let bob: string;
    let port: string;
    let aliceSandbox: Sandbox;
    let bobKernel: string;
    const aliceOrigin = () => `http://lab--alice.localhost:${port}`;
    const bobOrigin = () => `http://lab--bob.localhost:${port}`;

    /** Runs a shell command as the sandbox's user in alice's container: what she can do from her own terminal. */
    async function asAlice(script: string): Promise<void> {
      const row = await t.hub.sandboxesRepo.byId(aliceSandbox.id);
      try {
        await run('docker', ['exec', row!.container_id!, 'sh', '-c', script]);
      } catch (err) {
        throw new Error(`in alice's sandbox: ${(err as { stderr?: string }).stderr ?? String(err)}`);
      }
    }

    beforeAll(async () => {
      const missing = chromiumMissing();
      if (missing) throw new Error(missing);
      t = await startTestHub({
        config: { sandboxes: { defaults: { cpus: 0.5, memoryGiB: 0.5 }, readinessTimeoutSeconds: 60, stopTimeoutSeconds: 2, adminAccess: true } },
      });
      port = new URL(t.url).port;
      alice = await t.user('alice');
      bob = await t.user('bob');
      const [a, b] = await Promise.all([
        t.api<Sandbox>(alice, 'POST', '/api/sandboxes', { name: 'lab', image: 'notebook' }),
        t.api<Sandbox>(bob, 'POST', '/api/sandboxes', { name: 'lab', image: 'notebook' }),
      ]);
      aliceSandbox = await waitForState(t, alice, a.body.id, 'running');
      await waitForState(t, bob, b.body.id, 'running');
      const kernel = await fetch(`${t.url}/user/bob/lab/api/kernels`, { method: 'POST', headers: { authorization: `Bearer ${bob}`, 'content-type': 'application/json' }, body: '{"name":"python3"}' });
      bobKernel = ((await kernel.json()) as { id: string }).id;

      const script = attackScript({ hub: t.url, bobOrigin: bobOrigin(), bobKernel });
      const page = `<!doctype html><title>cat pictures</title><script>${script}</script>`;
      const notebook = JSON.stringify({
        cells: [
          {
            cell_type: 'code',
            execution_count: 1,
            metadata: {},
            source: 'show_cats()',
            outputs: [{ output_type: 'display_data', data: { 'application/javascript': script, 'text/plain': '<cats>' }, metadata: {} }],
          },
        ],
        metadata: { kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' } },
        nbformat: 4,
        nbformat_minor: 4,
      });
      const b64 = (text: string) => Buffer.from(text).toString('base64');
      await asAlice(
        `mkdir -p ~/.local/share/jupyter/nbextensions && echo ${b64(page)} | base64 -d > ~/.local/share/jupyter/nbextensions/cats.html && ` +
          // `jupyter trust`, as Debian's packages spell it.
          `echo ${b64(notebook)} | base64 -d > ~/cats.ipynb && python3 -m nbformat.sign ~/cats.ipynb`,
      );
      browser = await launchBrowser();
    }, 180_000);

    afterAll(async () => {
      await browser?.close();
      await t?.close();
    });

    async function signedIn(username: string, password: string): Promise<{ context: BrowserContext; page: Page }> {
      const context = await browser.newContext();
      const page = await context.newPage();
      const res = await page.request.post(`${t.url}/api/auth/login`, { data: { username, password } });
      expect(res.status()).toBe(200);
      return { context, page };
    }

    /** Nothing the pages tried left a trace: no token, no user, no kernel and no file in bob's sandbox. */
    async function expectNothingChanged(): Promise<void> {
      const tokens = await t.hub.db.selectFrom('tokens').select('name').execute();
      expect(tokens.map((r) => r.name).filter((n) => n.startsWith('pwned'))).toEqual([]);
      expect((await t.hub.users.list()).map((u) => u.username)).not.toContain('mallory');
      const kernels = await fetch(`${t.url}/user/bob/lab/api/kernels`, { headers: { authorization: `Bearer ${bob}` } });
      expect(((await kernels.json()) as Array<{ id: string }>).map((k) => k.id)).toEqual([bobKernel]);
      const pwned = await fetch(`${t.url}/user/bob/lab/api/contents/pwned`, { headers: { authorization: `Bearer ${bob}` } });
      expect(pwned.status).toBe(404);
    }

    async function findings(page: Page): Promise<Findings> {
      // Strings, not functions: these run in the page, which the tests' TypeScript does not type.
      await page.waitForFunction('window.shivaAttack !== undefined', undefined, { timeout: 30_000 });
      return page.evaluate<Findings>('window.shivaAttack');
    }

    it("keeps an admin opening alice's nbextensions page and trusted notebook from acting on the hub or in bob's sandbox", async () => {
      const { context, page } = await signedIn('admin', ADMIN_PASSWORD);
      // The admin has been in bob's sandbox too, so the browser holds a cookie for it.
      await page.goto(`${bobOrigin()}/user/bob/lab/tree`);
      await page.getByText('Files', { exact: true }).first().waitFor();

      await page.goto(`${aliceOrigin()}/user/alice/lab/nbextensions/cats.html`);
      expect(page.url()).toBe(`${aliceOrigin()}/user/alice/lab/nbextensions/cats.html`);
      const fromPage = await findings(page);
      expect(fromPage.cookie).not.toContain('shiva_');
      expect(fromPage.attempts['bob ws (host)']).not.toBe('open');
      expect(fromPage.attempts['bob ws (path)']).not.toBe('open');

      await page.goto(`${aliceOrigin()}/user/alice/lab/notebooks/cats.ipynb`);
      const fromNotebook = await findings(page);
      expect(fromNotebook.cookie).not.toContain('shiva_');
      expect(fromNotebook.attempts['bob ws (host)']).not.toBe('open');
      await expectNothingChanged();
      await context.close();
    });

    it("audits the admin's sign-in to alice's sandbox and shows it in her events", async () => {
      const audit = await t.hub.audit.find({ action: 'sandbox.admin-access', limit: 10 });
      expect(audit.map((e) => [e.actor, e.target, e.result])).toContainEqual(['admin', 'alice/lab', 'ok']);
      // Once per sign-in, not per request: two pages in one sign-in are one entry.
      expect(audit.filter((e) => e.target === 'alice/lab')).toHaveLength(1);
      const events = await fetch(`${t.url}/api/sandboxes/${aliceSandbox.id}/events`, { headers: { authorization: `Bearer ${alice}` }, signal: AbortSignal.timeout(3000) });
      let text = '';
      const decoder = new TextDecoder();
      try {
        for await (const chunk of events.body!) {
          text += decoder.decode(chunk as Uint8Array, { stream: true });
          if (text.includes('opened this sandbox')) break;
        }
      } catch {
        // The stream stays open; the timeout ends the read.
      }
      expect(text).toContain('The admin admin opened this sandbox.');
    });

    it("refuses bob alice's page on both forms of her sandbox's address, so nothing of it runs", async () => {
      const { context, page } = await signedIn('bob', 'bob-password-123');
      for (const url of [`${aliceOrigin()}/user/alice/lab/nbextensions/cats.html`, `${t.url}/user/alice/lab/nbextensions/cats.html`]) {
        const res = await page.goto(url);
        expect(res!.status()).toBe(403);
        expect(await page.locator('h1').textContent()).toBe('Not your sandbox');
        expect(await page.evaluate<unknown>('window.shivaAttack')).toBeUndefined();
      }
      await expectNothingChanged();
      await context.close();
    });

    it("keeps a page on another origin of the same site from reaching a signed-in user's kernel", async () => {
      const { context, page } = await signedIn('bob', 'bob-password-123');
      await page.goto(`${bobOrigin()}/user/bob/lab/tree`);
      await page.getByText('Files', { exact: true }).first().waitFor();
      // Another port of bob's own sandbox host (cookies do not tell ports apart) and of the hub's host.
      const evil = http.createServer((_req, res) => {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end(`<!doctype html><script>${attackScript({ hub: t.url, bobOrigin: bobOrigin(), bobKernel })}</script>`);
      });
      await new Promise<void>((resolve) => evil.listen(0, '127.0.0.1', resolve));
      const evilPort = (evil.address() as AddressInfo).port;
      const refusedBefore = t.hub.metrics.proxy.upgrades.refused;
      try {
        for (const host of [`lab--bob.localhost:${evilPort}`, `127.0.0.1:${evilPort}`, `localhost:${evilPort}`]) {
          await page.goto(`http://${host}/`);
          const found = await findings(page);
          expect(found.attempts['bob ws (host)']).not.toBe('open');
          expect(found.attempts['bob ws (path)']).not.toBe('open');
        }
      } finally {
        await new Promise((resolve) => evil.close(resolve));
      }
      // The proxy refused every upgrade itself (ORIGIN_MISMATCH, SANDBOX_ORIGIN_REQUIRED or no credential).
      expect(t.hub.metrics.proxy.upgrades.refused - refusedBefore).toBe(6);
      await expectNothingChanged();
      await context.close();
    });
  },
  chromiumMissing,
);
