/** Waiting for a sandbox to reach a state, by following its event stream as a client would. */
import type { TestHub } from './hub.js';

export async function waitForState<T extends { state: string; reason: string | null }>(
  t: TestHub,
  token: string,
  id: string,
  state: string,
  timeoutMs = 90_000,
): Promise<T> {
  const res = await fetch(`${t.url}/api/sandboxes/${id}/events`, {
    headers: { authorization: `Bearer ${token}` },
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (!res.ok || !res.body) throw new Error(`events of ${id}: HTTP ${res.status}`);
  const decoder = new TextDecoder();
  let text = '';
  for await (const chunk of res.body) {
    text += decoder.decode(chunk as Uint8Array, { stream: true });
    if (text.includes(`event: ${state}\n`) || /event: (failed|stopped)\n/.test(text)) break;
  }
  const sandbox = await t.api<T>(token, 'GET', `/api/sandboxes/${id}`);
  if (sandbox.body.state !== state) {
    throw new Error(`sandbox ${id} is ${sandbox.body.state}, not ${state}: ${sandbox.body.reason ?? ''}\n${text}`);
  }
  return sandbox.body;
}

/** Polls `check` until it answers true; fails naming `what` after `timeoutMs`. */
export async function waitFor(
  check: () => Promise<boolean> | boolean,
  options: { timeoutMs: number; what: string; intervalMs?: number },
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${options.timeoutMs} ms waiting for ${options.what}`);
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 100));
  }
}
