/**
 * Culling knows real work, end to end on the real engine with the real notebook image: a kernel
 * running a long, silent cell with no browser and no client connected keeps its sandbox past the
 * idle limit (Jupyter reports it busy); once the cell has finished and the sandbox stays idle,
 * the culler warns and stops it. A second kernel that died in the middle of a cell, restarted
 * with no client connected, does not hold the sandbox for ever (images/notebook/shiva_kernels.py).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Sandbox, SandboxEvent } from '../src/contract/api.js';
import { describeDocker, NOTEBOOK_IMAGE } from './support/docker.js';
import { startTestHub, type TestHub } from './support/hub.js';
import { waitFor, waitForState } from './support/wait.js';

/** The idle limit here, in seconds: 8 s, warned 6 s before. */
const IDLE_SECONDS = 8;
/** How long the silent cell runs, in seconds: well past the idle limit. */
const CELL_SECONDS = 22;

describeDocker('culling a notebook sandbox whose kernel works silently', [NOTEBOOK_IMAGE], () => {
  let t: TestHub;
  let alice: string;

  beforeAll(async () => {
    t = await startTestHub({
      timers: true,
      config: {
        culling: { idleMinutes: IDLE_SECONDS / 60, warnMinutes: 0.1, checkIntervalSeconds: 1 },
        sandboxes: { defaults: { cpus: 1, memoryGiB: 1 }, readinessTimeoutSeconds: 60, stopTimeoutSeconds: 1 },
      },
    });
    alice = await t.user('alice');
  }, 60_000);
  afterAll(async () => {
    await t?.close();
  });

  const view = async (id: string) => (await t.api<Sandbox>(alice, 'GET', `/api/sandboxes/${id}`)).body;
  const codes = async (id: string) => {
    const res = await fetch(`${t.url}/api/sandboxes/${id}/events`, { headers: { authorization: `Bearer ${alice}` } });
    return [...(await res.text()).matchAll(/^data: (.*)$/gm)].map((m) => (JSON.parse(m[1]!) as SandboxEvent).code);
  };

  it('keeps a sandbox whose kernel runs a silent cell past the idle limit, and culls it once the cell is done and it stays idle', async () => {
    const launched = await t.api<Sandbox>(alice, 'POST', '/api/sandboxes', { name: 'train', image: 'notebook' });
    expect(launched.status).toBe(202);
    const sandbox = await waitForState<Sandbox>(t, alice, launched.body.id, 'running');
    const base = `${t.url}/user/alice/train/`;
    const auth = { authorization: `Bearer ${alice}` };

    type Message = { msg_type: string; parent_header: { msg_id?: string }; content: { execution_state?: string } };
    /** Starts a kernel, runs `code` in it as the cell `cellId` and answers once the kernel says it is busy with it; the client stays connected. */
    const runCell = async (cellId: string, code: string) => {
      const started = await fetch(`${base}api/kernels`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: '{"name":"python3"}' });
      const kernel = (await started.json()) as { id: string };
      const ws = new WebSocket(`${base.replace(/^http/, 'ws')}api/kernels/${kernel.id}/channels?session_id=${cellId}`, { headers: auth });
      await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
      const busy = new Promise<void>((resolve) =>
        ws.on('message', (data: Buffer) => {
          const msg = JSON.parse(data.toString()) as Message;
          // Busy with this cell: the server's own kernel_info request on connecting makes the kernel busy too.
          if (msg.msg_type === 'status' && msg.content.execution_state === 'busy' && msg.parent_header.msg_id === cellId) resolve();
        }),
      );
      ws.send(
        JSON.stringify({
          header: { msg_id: cellId, username: 'alice', session: cellId, msg_type: 'execute_request', version: '5.3', date: new Date().toISOString() },
          parent_header: {},
          metadata: {},
          content: { code, silent: false, store_history: false, user_expressions: {}, allow_stdin: false, stop_on_error: true },
          channel: 'shell',
          buffers: [],
        }),
      );
      await busy;
      return { kernel, ws };
    };
    const kernelStates = async () => {
      const listed = await fetch(`${base}api/kernels`, { headers: auth });
      const kernels = (await listed.json()) as Array<{ id: string; execution_state: string }>;
      expect(Array.isArray(kernels), `GET api/kernels: ${listed.status} ${JSON.stringify(kernels)}`).toBe(true);
      return new Map(kernels.map((k) => [k.id, k.execution_state]));
    };

    // A kernel dies in the middle of a cell with no client connected; Jupyter restarts it.
    const dying = await runCell('dying-cell', 'import os, time; time.sleep(2); os._exit(1)');
    await new Promise((resolve) => dying.ws.once('close', resolve).close());
    const { kernel, ws } = await runCell('silent-cell', `import time; [time.sleep(1) for _ in range(${CELL_SECONDS})]`);
    const cellStarted = Date.now();
    // No client, no browser, nothing through the proxy from here on: only the kernel works.
    await new Promise((resolve) => ws.once('close', resolve).close());

    // Past twice the idle limit, with the cell still running: no warning, no stop.
    await new Promise((resolve) => setTimeout(resolve, 2 * IDLE_SECONDS * 1000));
    // Jupyter's own listing (a read that counts as no activity) says the cell still runs, and
    // that the restarted kernel does not.
    const states = await kernelStates();
    expect(states.get(kernel.id)).toBe('busy');
    expect(states.get(dying.kernel.id)).not.toBe('busy');
    expect((await view(sandbox.id)).state).toBe('running');
    expect(await codes(sandbox.id)).not.toContain('idle_warning');

    // The cell ends; from then on the sandbox is idle, warned, and stopped for it.
    await waitFor(async () => (await view(sandbox.id)).state === 'stopped', { timeoutMs: 90_000, intervalMs: 1_000, what: 'the sandbox to be culled after its cell ended' });
    const stopped = await view(sandbox.id);
    expect(stopped.reason).toMatch(/^idle for \d+ seconds$/);
    expect(await codes(sandbox.id)).toEqual(expect.arrayContaining(['idle_warning', 'culled']));
    expect(Date.parse(stopped.stoppedAt!)).toBeGreaterThan(cellStarted + CELL_SECONDS * 1000);
  }, 180_000);
});
