/**
 * A Jupyter kernel that allocates past its sandbox's memory limit, in the real notebook image on
 * a real Docker Engine: the kernel is killed for memory and Jupyter carries on, so only the
 * engine's `oom` event tells (DESIGN.md, known pitfalls). The sandbox gets an `oom_kill` event
 * its owner sees; should the kernel's death take the server with it, the sandbox ends with the
 * out-of-memory reason instead.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeDocker, NOTEBOOK_IMAGE } from './support/docker.js';
import { startTestHub, type TestHub } from './support/hub.js';
import { openKernelSocket } from './support/kernel-socket.js';
import { waitFor, waitForState } from './support/wait.js';

describeDocker('a kernel killed for memory', [NOTEBOOK_IMAGE], () => {
  let t: TestHub;
  let alice: string;
  let id: string;

  beforeAll(async () => {
    t = await startTestHub({ config: { sandboxes: { defaults: { cpus: 1, memoryGiB: 0.5 }, readinessTimeoutSeconds: 60, stopTimeoutSeconds: 2 } } });
    alice = await t.user('alice');
    const launched = await t.api<{ id: string }>(alice, 'POST', '/api/sandboxes', { name: 'lab', image: 'notebook', memoryGiB: 0.25 });
    expect(launched.status).toBe(202);
    id = (await waitForState<{ id: string; state: string; reason: string | null }>(t, alice, launched.body.id, 'running')).id;
  });
  afterAll(async () => {
    await t?.close();
  });

  it('tells its owner a process was killed: out of memory at the 0.25 GiB limit', async () => {
    const created = await fetch(`${t.url}/user/alice/lab/api/kernels`, {
      method: 'POST',
      headers: { authorization: `Bearer ${alice}`, 'content-type': 'application/json' },
      body: '{"name":"python3"}',
    });
    expect(created.status).toBe(201);
    const kernel = (await created.json()) as { id: string };
    const socket = await openKernelSocket(t, { token: alice }, { user: 'alice', name: 'lab' }, kernel.id);
    expect(await socket.run('1+1')).toBe('2');
    // The kernel dies mid-run: its answer never comes, which is the point.
    const running = socket.run('x = bytearray(10**9)', 30_000).catch(() => undefined);
    await waitFor(async () => (await t.hub.events.history(id)).some((e) => e.code === 'oom_kill'), { timeoutMs: 20_000, what: 'the oom_kill event' });
    socket.close();
    await running;
    const oom = (await t.hub.events.history(id)).find((e) => e.code === 'oom_kill')!;
    expect(oom).toMatchObject({ params: { limitGiB: 0.25 }, message: 'A process was killed: out of memory at the 0.25 GiB limit' });
    const sandbox = (await t.api<{ state: string; reason: string | null; oomKills?: { count: number } }>(alice, 'GET', `/api/sandboxes/${id}`)).body;
    // Usually Jupyter runs on, and the sandbox says a process of it was killed; if the server went too, the reason says why.
    if (sandbox.state === 'running') expect(sandbox).toMatchObject({ reason: null, oomKills: { count: expect.any(Number) } });
    else expect(sandbox).toMatchObject({ state: 'stopped', reason: 'out of memory: the sandbox used its 0.25 GiB limit' });
    expect(await t.hub.metrics.exposition()).toMatch(/shiva_sandbox_oom_kills_total\{user="alice",machine="local"\} [1-9]/);
  });
});
