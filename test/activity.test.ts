/**
 * What counts as a sandbox's activity, on a real notebook sandbox through the real proxy: a
 * kernel running a long cell after its client has gone, a terminal printing, and a browser tab
 * left open on a notebook page. The sandbox's Jupyter pings its WebSockets every 2 s instead of
 * Notebook 6's 30 s: its owner's ~/.jupyter/jupyter_notebook_config.json says so, written into
 * the home before the launch (the shared image is not changed).
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Sandbox } from '../src/contract/api.js';
import { JupyterActivity, type JupyterTarget } from '../src/sandboxes/culling/jupyter-activity.js';
import type { ActivitySubject, LastActivity } from '../src/sandboxes/culling/types.js';
import { chromiumMissing, launchBrowser } from './support/browser.js';
import { describeDocker, NOTEBOOK_IMAGE } from './support/docker.js';
import { startTestHub, type TestHub } from './support/hub.js';
import { waitFor, waitForState } from './support/wait.js';

const PING_MS = 2_000;
const GPU = { gpuUtilisationPercent: 10 };

describeDocker(
  'what counts as activity on a notebook sandbox',
  [NOTEBOOK_IMAGE],
  () => {
    let t: TestHub;
    let alice: string;
    let sandbox: Sandbox;
    let subject: ActivitySubject;
    let jupyter: (() => Promise<LastActivity | null>) | null = null;
    let browser: Browser | null = null;
    const base = () => `${t.url}/user/alice/lab/`;
    const auth = () => ({ authorization: `Bearer ${alice}` });

    beforeAll(async () => {
      t = await startTestHub({ config: { sandboxes: { defaults: { cpus: 1, memoryGiB: 1 }, readinessTimeoutSeconds: 60, stopTimeoutSeconds: 1 } } });
      alice = await t.user('alice');
      // Jupyter reads its owner's config from the home: pings every 2 s.
      const dotJupyter = path.join(t.hub.config.homes.root!, 'alice', '.jupyter');
      mkdirSync(dotJupyter, { recursive: true });
      chmodSync(dotJupyter, 0o777);
      writeFileSync(path.join(dotJupyter, 'jupyter_notebook_config.json'), JSON.stringify({ NotebookApp: { tornado_settings: { ws_ping_interval: PING_MS } } }), { mode: 0o644 });
      const launched = await t.api<Sandbox>(alice, 'POST', '/api/sandboxes', { name: 'lab', image: 'notebook' });
      expect(launched.status).toBe(202);
      sandbox = await waitForState<Sandbox>(t, alice, launched.body.id, 'running');
      subject = { id: sandbox.id, username: 'alice', name: 'lab', machine: sandbox.machine, gpus: sandbox.gpus, startedAt: sandbox.startedAt };
      const route = t.hub.routes.bySandboxId(sandbox.id)!;
      const target: JupyterTarget = { host: route.target.host, port: route.target.port, basePath: '/user/alice/lab/', token: route.token };
      const reader = new JupyterActivity({ timeoutMs: 5_000, concurrency: 2, log: { warn: (o) => console.warn(o) } });
      jupyter = () => reader.read(sandbox.id, target);
    }, 120_000);

    afterAll(async () => {
      await browser?.close();
      await t?.close();
    });

    const post = async (p: string, body?: unknown) => {
      const res = await fetch(`${base()}${p}`, { method: 'POST', headers: { ...auth(), 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
      expect(res.status, `POST ${p}`).toBeLessThan(300);
      const text = await res.text();
      return (text ? JSON.parse(text) : {}) as Record<string, string>;
    };
    const socket = async (p: string): Promise<WebSocket> => {
      const ws = new WebSocket(`${base().replace(/^http/, 'ws')}${p}`, { headers: auth() });
      await new Promise((resolve, reject) => {
        ws.once('open', resolve);
        ws.once('error', reject);
      });
      return ws;
    };
    const closeSocket = async (ws: WebSocket) => {
      const closed = new Promise((resolve) => ws.once('close', resolve));
      ws.close();
      await closed;
    };
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    const view = () => t.hub.activityView.lastActivity(subject, GPU);

    it('reports a kernel running a long cell as active after its client left, and no longer once interrupted', async () => {
      const kernel = await post('api/kernels', { name: 'python3' });
      const ws = await socket(`api/kernels/${kernel.id}/channels?session_id=activity-test`);
      const busy = new Promise<void>((resolve) =>
        ws.on('message', (data: Buffer) => {
          const msg = JSON.parse(data.toString()) as { msg_type: string; parent_header: { msg_id?: string }; content: { execution_state?: string } };
          // Busy with this cell: the server's own kernel_info request on connecting makes the kernel busy too.
          if (msg.msg_type === 'status' && msg.content.execution_state === 'busy' && msg.parent_header.msg_id === 'long-cell') resolve();
        }),
      );
      ws.send(
        JSON.stringify({
          header: { msg_id: 'long-cell', username: 'alice', session: 'activity-test', msg_type: 'execute_request', version: '5.3', date: new Date().toISOString() },
          parent_header: {},
          metadata: {},
          content: { code: 'import time; [time.sleep(1) for _ in range(600)]', silent: false, store_history: false, user_expressions: {}, allow_stdin: false, stop_on_error: true },
          channel: 'shell',
          buffers: [],
        }),
      );
      await busy;
      await closeSocket(ws);
      // Nobody is connected and nothing goes through the proxy: still active, now, each time it is asked.
      for (let i = 0; i < 2; i++) {
        await sleep(2_000);
        const asked = Date.now();
        const seen = await view();
        expect(seen?.kind).toBe('kernel');
        expect(seen!.at).toBeGreaterThanOrEqual(asked);
      }
      await post(`api/kernels/${kernel.id}/interrupt`);
      let idleAt: number | null = null;
      await waitFor(
        async () => {
          const kernels = (await (await fetch(`${base()}api/kernels/${kernel.id}`, { headers: auth() })).json()) as { execution_state: string; last_activity: string };
          idleAt = kernels.execution_state === 'idle' ? Date.parse(kernels.last_activity) : null;
          return idleAt !== null;
        },
        { timeoutMs: 15_000, what: 'the interrupted kernel to be idle' },
      );
      // Its last activity is when it went idle, and it stays there.
      const after = await jupyter!();
      await sleep(3_000);
      expect(await jupyter!()).toEqual(after);
      expect(after?.at).toBe(idleAt);
    }, 60_000);

    it('sees a printing terminal as active while a client is connected, and not once it has gone', async () => {
      const terminal = await post('api/terminals');
      const ws = await socket(`terminals/websocket/${terminal.name}`);
      ws.send(JSON.stringify(['stdin', 'while true; do date; sleep 1; done\r']));
      let printed = 0;
      ws.on('message', (data: Buffer) => {
        if (String(data).includes('stdout')) printed++;
      });
      await waitFor(() => printed >= 3, { timeoutMs: 15_000, what: 'the loop to print' });
      const first = await view();
      await sleep(2_500);
      const second = await view();
      expect(second!.at).toBeGreaterThan(first!.at);
      // Both Jupyter (terminal) and the proxy (websocket data frames) see the output.
      expect(['terminal', 'websocket']).toContain(second!.kind);
      expect((await jupyter!())?.kind).toBe('terminal');
      await closeSocket(ws);
      // Notebook 6 moves a terminal's last_activity only for messages to or from a client.
      await sleep(1_500);
      const alone = await view();
      await sleep(3_000);
      expect(await view()).toEqual(alone);
      await fetch(`${base()}api/terminals/${terminal.name}`, { method: 'DELETE', headers: auth() });
    }, 60_000);

    it('does not move for an idle browser tab left on a notebook page: its polls and the pings do not count', async () => {
      const put = await fetch(`${base()}api/contents/idle.ipynb`, {
        method: 'PUT',
        headers: { ...auth(), 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'notebook', content: { cells: [], metadata: { kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' } }, nbformat: 4, nbformat_minor: 4 } }),
      });
      expect(put.status).toBe(201);
      browser = await launchBrowser();
      const context = await browser.newContext();
      const login = await context.request.post(`${t.url}/api/auth/login`, { data: { username: 'alice', password: 'alice-password-123' } });
      expect(login.status()).toBe(200);
      const requests: string[] = [];
      context.on('request', (req) => requests.push(`${req.method()} ${new URL(req.url()).pathname}`));
      const notebook = await context.newPage();
      await notebook.goto(`${sandbox.url}notebooks/idle.ipynb`);
      await notebook.locator('#kernel_indicator_icon.kernel_idle_icon').waitFor({ timeout: 60_000 });
      // The tree page too, in another tab: it polls sessions and terminals (every 60 s, and when it gets the focus).
      const tree = await context.newPage();
      await tree.goto(`${sandbox.url}tree`);
      await tree.locator('#notebook_list').waitFor({ timeout: 30_000 });
      // A script's socket through the same proxy hears the pings the tab's sockets get.
      const pinged = await socket(`terminals/websocket/${(await post('api/terminals')).name}`);
      const pings = new Promise<void>((resolve) => pinged.once('ping', () => resolve()));
      // Opening the pages counted: the sandbox was active then. On a loaded machine the pages'
      // last requests and the terminal's first message may land late: wait until nothing moves.
      let loaded = await view();
      for (let still = 0, tries = 0; still < 3 && tries < 30; tries++) {
        await sleep(1_000);
        const now = await view();
        still = now?.at === loaded?.at ? still + 1 : 0;
        loaded = now;
      }
      expect(loaded).not.toBeNull();
      requests.length = 0;
      // Wait past the tree page's ten seconds between refreshes, then give it the focus as a person would.
      await sleep(10_500);
      await tree.evaluate('window.dispatchEvent(new Event("focus"))');
      await waitFor(() => requests.some((r) => r.endsWith('/api/sessions')), { timeoutMs: 10_000, what: 'the tree page to poll its sessions' });
      await pings;
      await sleep(PING_MS + 500);
      await closeSocket(pinged);
      const recorded = t.hub.activity.lastActivity(sandbox.id);
      expect(await view(), `requests while idle: ${requests.join(', ')}`).toEqual(loaded);
      expect(recorded!.at).toBeLessThanOrEqual(loaded!.at);
      await context.close();
    }, 90_000);
  },
  chromiumMissing,
);
