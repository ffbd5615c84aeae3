/**
 * A Jupyter kernel's channels WebSocket opened through the hub's proxy as a given credential
 * (a bearer token, as the CLI and scripts send it, or a signed-in browser's cookies), with a way
 * to run code in it and to see when it closes.
 */
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import type { TestHub } from './hub.js';

/** Who opens the socket: a bearer token, or the `Cookie` header of a signed-in browser. */
export type Credential = { token: string } | { cookie: string };

export interface KernelSocket {
  /** Sends one execute_request and resolves with its `text/plain` result (e.g. `'2'` for `1+1`). */
  run(code: string, timeoutMs?: number): Promise<string>;
  /** Resolves with performance.now() at the moment the socket closed, whoever closed it. */
  closed: Promise<number>;
  readonly open: boolean;
  close(): void;
}

/**
 * Opens `/user/<user>/<name>/api/kernels/<kernelId>/channels` on the hub as `as`. Rejects with
 * an error naming the status when the hub or the sandbox refuses the upgrade.
 */
export function openKernelSocket(t: TestHub, as: Credential, sandbox: { user: string; name: string }, kernelId: string): Promise<KernelSocket> {
  const base = t.url.replace(/^http/, 'ws');
  const sessionId = `test-${Math.random().toString(16).slice(2)}`;
  const url = `${base}/user/${sandbox.user}/${sandbox.name}/api/kernels/${kernelId}/channels?session_id=${sessionId}`;
  // A browser sends its page's origin; a script sends none.
  const headers = 'token' in as ? { authorization: `Bearer ${as.token}` } : { cookie: as.cookie, origin: t.url };
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
