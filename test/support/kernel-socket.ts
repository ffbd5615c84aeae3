/**
 * A Jupyter kernel's channels WebSocket opened through the hub's proxy as a given credential
 * (a bearer token, as the CLI and scripts send it, or a signed-in browser's cookies), with a way
 * to run code in it and to see when it closes.
 */
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { sandboxLabel } from '../../src/contract/sandbox-host.js';
import type { TestHub } from './hub.js';
import { hostRequest, sandboxCookie } from './sandbox-host.js';

/**
 * Who opens the socket: a bearer token (on the path form, as the CLI sends it), or the `Cookie`
 * header a signed-in browser sends the hub (the socket then goes to the sandbox's own origin,
 * with the sandbox cookie that browser got there: see browserOnSandbox).
 */
export type Credential = { token: string } | { cookie: string };

/**
 * A browser's cookie jar for sandbox origins: the `shiva_sandbox` cookie each hub session got
 * for each sandbox host, by the sign-in handshake the first time. Kept, as a browser keeps it,
 * after the hub session has ended, so that tests can show it then opens nothing.
 */
const sandboxCookies = new Map<string, string>();

/** Where a browser with hub cookie `hubCookie` reaches `sandbox`: its host and the cookie it sends there. */
export async function browserOnSandbox(t: TestHub, hubCookie: string, sandbox: { user: string; name: string }): Promise<{ host: string; origin: string; cookie: string }> {
  const label = sandboxLabel(sandbox.user, sandbox.name);
  const host = `${label}.localhost:${new URL(t.url).port}`;
  const key = `${hubCookie}\n${label}`;
  let cookie = sandboxCookies.get(key);
  if (cookie === undefined) {
    cookie = await sandboxCookie(t, hubCookie, label, `/user/${sandbox.user}/${sandbox.name}/`);
    sandboxCookies.set(key, cookie);
  }
  return { host, origin: `http://${host}`, cookie };
}

/** What the proxy answers a script's (not a page's) request from `as` for the sandbox's /api/status. */
export async function proxiedStatus(t: TestHub, as: Credential, sandbox: { user: string; name: string }): Promise<number> {
  const path = `/user/${sandbox.user}/${sandbox.name}/api/status`;
  if ('token' in as) {
    return (await fetch(`${t.url}${path}`, { headers: { authorization: `Bearer ${as.token}` }, redirect: 'manual' })).status;
  }
  const browser = await browserOnSandbox(t, as.cookie, sandbox);
  return (await hostRequest(t, browser.host.split(':')[0]!, path, { headers: { cookie: browser.cookie } })).status;
}

export interface KernelSocket {
  /** Sends one execute_request and resolves with its `text/plain` result (e.g. `'2'` for `1+1`). */
  run(code: string, timeoutMs?: number): Promise<string>;
  /** Resolves with performance.now() at the moment the socket closed, whoever closed it. */
  closed: Promise<number>;
  readonly open: boolean;
  close(): void;
}

/**
 * Opens `/user/<user>/<name>/api/kernels/<kernelId>/channels` through the hub as `as`. Rejects with
 * an error naming the status when the hub or the sandbox refuses the upgrade.
 */
export async function openKernelSocket(t: TestHub, as: Credential, sandbox: { user: string; name: string }, kernelId: string): Promise<KernelSocket> {
  const base = t.url.replace(/^http/, 'ws');
  const sessionId = `test-${Math.random().toString(16).slice(2)}`;
  const url = `${base}/user/${sandbox.user}/${sandbox.name}/api/kernels/${kernelId}/channels?session_id=${sessionId}`;
  // A browser is on the sandbox's origin and sends its page's origin; a script sends none.
  let headers: Record<string, string>;
  if ('token' in as) {
    headers = { authorization: `Bearer ${as.token}` };
  } else {
    const browser = await browserOnSandbox(t, as.cookie, sandbox);
    headers = { host: browser.host, origin: browser.origin, cookie: browser.cookie };
  }
  const ws = new WebSocket(url, { headers });
  const closed = new Promise<number>((resolve) => ws.once('close', () => resolve(performance.now())));
  return new Promise((resolve, reject) => {
    ws.once('unexpected-response', (_req, res) => {
      res.resume();
      ws.terminate();
      reject(new Error(`WebSocket refused with ${res.statusCode ?? 0}`));
    });
    ws.once('error', reject);
    ws.once('open', () => {
      ws.removeListener('error', reject);
      ws.on('error', () => undefined);
      resolve({
        run: (code, timeoutMs = 30_000) => execute(ws, sessionId, code, timeoutMs),
        closed,
        get open() {
          return ws.readyState === WebSocket.OPEN;
        },
        close: () => ws.close(),
      });
    });
  });
}

interface KernelMessage {
  msg_type: string;
  parent_header: { msg_id?: string };
  content: { data?: Record<string, string>; execution_state?: string; ename?: string };
}

function execute(ws: WebSocket, session: string, code: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const msgId = `exec-${Math.random().toString(16).slice(2)}`;
    let result = '';
    const done = (err: Error | null) => {
      clearTimeout(timer);
      ws.removeListener('message', onMessage);
      ws.removeListener('close', onClose);
      if (err) reject(err);
      else resolve(result);
    };
    const timer = setTimeout(() => done(new Error(`no answer from the kernel within ${timeoutMs} ms`)), timeoutMs);
    const onClose = () => done(new Error('the WebSocket closed before the kernel answered'));
    const onMessage = (data: WebSocket.RawData) => {
      const msg = JSON.parse(data.toString()) as KernelMessage;
      if (msg.parent_header.msg_id !== msgId) return;
      if (msg.msg_type === 'execute_result') result = msg.content.data?.['text/plain'] ?? '';
      if (msg.msg_type === 'error') result = `error: ${msg.content.ename ?? ''}`;
      if (msg.msg_type === 'status' && msg.content.execution_state === 'idle') done(null);
    };
    ws.on('message', onMessage);
    ws.once('close', onClose);
    ws.send(
      JSON.stringify({
        header: { msg_id: msgId, username: 'test', session, msg_type: 'execute_request', version: '5.3', date: new Date().toISOString() },
        parent_header: {},
        metadata: {},
        content: { code, silent: false, store_history: false, user_expressions: {}, allow_stdin: false, stop_on_error: true },
        channel: 'shell',
        buffers: [],
      }),
    );
  });
}
