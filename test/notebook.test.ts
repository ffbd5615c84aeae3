/**
 * End to end on a real Docker Engine with the real notebook image: launch through the API, run
 * code in a Jupyter kernel through the hub's proxy, keep files across stop and relaunch, and
 * keep everyone but the owner out (admins too, unless sandboxes.adminAccess is on).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import WebSocket from 'ws';
import { describeDocker, NOTEBOOK_IMAGE, TINY_IMAGE } from './support/docker.js';
import type { TestHub } from './support/hub.js';
import { startNotebookHub, type NotebookSandbox as Sandbox } from './support/notebook-sandbox.js';
import { waitForState } from './support/wait.js';

describeDocker('a notebook sandbox on a real Docker Engine', [NOTEBOOK_IMAGE, TINY_IMAGE], () => {
  let t: TestHub;
  let alice: string;
  let bob: string;
  let sandbox: Sandbox;

  beforeAll(async () => {
    ({ t, alice, sandbox } = await startNotebookHub());
    bob = await t.user('bob');
  });
  afterAll(async () => {
    await t?.close();
  });

  const proxied = (path: string, init: RequestInit & { token?: string | null } = {}) =>
    fetch(`${t.url}/user/alice/lab/${path}`, {
      ...init,
      redirect: 'manual',
      headers: { ...(init.token ? { authorization: `Bearer ${init.token}` } : {}), ...(init.headers as Record<string, string>) },
    });

  it('runs print(6*7) in a kernel made through the proxy and reads 42 over the kernel WebSocket', async () => {
    expect(sandbox.url).toBe(`http://lab--alice.localhost:${new URL(t.url).port}/user/alice/lab/`);
    const created = await proxied('api/kernels', { method: 'POST', token: alice, headers: { 'content-type': 'application/json' }, body: '{"name":"python3"}' });
    expect(created.status).toBe(201);
    const kernel = (await created.json()) as { id: string };
    const output = await execute(`${t.url.replace('http', 'ws')}/user/alice/lab/api/kernels/${kernel.id}/channels`, alice, 'print(6*7)');
    expect(output).toBe('42\n');
    expect((await proxied(`api/kernels/${kernel.id}`, { method: 'DELETE', token: alice })).status).toBe(204);
  });

  it('serves Jupyter pages to the owner and records their activity', async () => {
    const tree = await proxied('tree', { token: alice });
    expect(tree.status).toBe(200);
    const html = await tree.text();
    expect(html).toContain('Jupyter');
    // The sandbox's secret never reaches the browser, not even in Jupyter's own pages.
    const row = await t.hub.sandboxesRepo.byId(sandbox.id);
    expect(html).not.toContain(row!.token);
    const seen = await t.api<Sandbox & { lastActivityAt: string | null }>(alice, 'GET', `/api/sandboxes/${sandbox.id}`);
    expect(seen.body.lastActivityAt).not.toBeNull();
  });

  it('refuses another user and (without sandboxes.adminAccess) an admin with 403, and an anonymous request with 401 or a sign-in redirect', async () => {
    expect((await proxied('api/status', { token: t.adminToken })).status).toBe(403);
    expect((await proxied('api/status', { token: bob })).status).toBe(403);
    expect((await proxied('api/status')).status).toBe(401);
    const browser = await proxied('tree', { headers: { accept: 'text/html' } });
    expect(browser.status).toBe(302);
    expect(browser.headers.get('location')).toBe('/login?next=%2Fuser%2Falice%2Flab%2Ftree');
    await expect(execute(`${t.url.replace('http', 'ws')}/user/alice/lab/api/kernels/x/channels`, bob, '1')).rejects.toThrow(/403/);
  });

  it("refuses requests that reach the sandbox's own port without the Jupyter token", async () => {
    const row = await t.hub.sandboxesRepo.byId(sandbox.id);
    // Published on loopback, but not on 127.0.0.1, where browsers send the hub's cookies.
    expect(row!.host).toBe('127.0.0.2');
    const direct = `http://${row!.host}:${row!.port}/user/alice/lab/api`;
    expect((await fetch(`${direct}/kernels`)).status).toBe(403);
    expect((await fetch(`${direct}/contents`, { headers: { authorization: `Bearer ${alice}` } })).status).toBe(403);
    expect((await fetch(`${direct}/kernels`, { headers: { authorization: `token ${row!.token}` } })).status).toBe(200);
  });

  it('keeps files written in the home across stop and relaunch', async () => {
    const put = await proxied('api/contents/kept.txt', {
      method: 'PUT',
      token: alice,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'file', format: 'text', content: 'still here' }),
    });
    expect(put.status).toBe(201);
    const stopped = await t.api<Sandbox>(alice, 'DELETE', `/api/sandboxes/${sandbox.id}`);
    expect(stopped.body.state).toBe('stopped');
    const gone = await proxied('api/contents/kept.txt', { token: alice });
    expect(gone.status).toBe(503);
    expect(await gone.text()).toContain('stopped');
    const again = await t.api<Sandbox>(alice, 'POST', '/api/sandboxes', { name: 'lab', image: 'notebook' });
    expect(again.status).toBe(202);
    sandbox = await waitForState(t, alice, again.body.id, 'running');
    const read = await proxied('api/contents/kept.txt', { token: alice });
    expect(read.status).toBe(200);
    expect(((await read.json()) as { content: string }).content).toBe('still here');
  });
});

/** Sends one execute_request over a kernel's channels WebSocket and gathers its stdout. */
function execute(url: string, token: string, code: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${url}?session_id=test-session`, { headers: { authorization: `Bearer ${token}` } });
    const msgId = `exec-${Date.now()}`;
    let stdout = '';
    const seen: string[] = [];
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error(`no reply from the kernel within 30 s; saw: ${seen.join(', ')}`));
    }, 30_000);
    ws.on('unexpected-response', (_req, res) => {
      clearTimeout(timer);
      reject(new Error(`WebSocket refused with ${res.statusCode}`));
    });
    ws.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    ws.on('open', () => {
      ws.send(
        JSON.stringify({
          header: { msg_id: msgId, username: 'test', session: 'test-session', msg_type: 'execute_request', version: '5.3', date: new Date().toISOString() },
          parent_header: {},
          metadata: {},
          content: { code, silent: false, store_history: false, user_expressions: {}, allow_stdin: false, stop_on_error: true },
          channel: 'shell',
          buffers: [],
        }),
      );
    });
    ws.on('message', (data) => {
      const msg = JSON.parse(data.toString()) as { msg_type: string; parent_header: { msg_id?: string }; content: { name?: string; text?: string; execution_state?: string } };
      seen.push(`${msg.msg_type}${msg.parent_header.msg_id === msgId ? '*' : ''}`);
      if (msg.parent_header.msg_id !== msgId) return;
      if (msg.msg_type === 'stream' && msg.content.name === 'stdout') stdout += msg.content.text ?? '';
      if (msg.msg_type === 'status' && msg.content.execution_state === 'idle') {
        clearTimeout(timer);
        ws.close();
        resolve(stdout);
      }
    });
  });
}
