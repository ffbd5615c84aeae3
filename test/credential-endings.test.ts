/**
 * Ending a credential ends what it opened, on a real Docker Engine with the real notebook image:
 * for each way of ending one (sign-out, sign-out everywhere, password change, token revocation,
 * disabling, demotion, stopping the sandbox) a kernel WebSocket opened through the hub with it
 * closes within a second, and the credential opens nothing new. Prints the median time from the
 * ending call's answer to the close.
 */
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeDocker, NOTEBOOK_IMAGE, TINY_IMAGE } from './support/docker.js';
import { startTestHub, type TestHub } from './support/hub.js';
import { openKernelSocket, proxiedStatus as proxiedStatusOf, type Credential, type KernelSocket } from './support/kernel-socket.js';
import { waitForState } from './support/wait.js';

interface Sandbox {
  id: string;
  state: string;
  reason: string | null;
}

/** Where the close is awaited after the ending call answers; the test fails past it. */
const CLOSE_WITHIN_MS = 1_000;

describeDocker('ending a credential closes the tunnels it opened', [NOTEBOOK_IMAGE, TINY_IMAGE], () => {
  let t: TestHub;
  let alice: string;
  let alicePassword = 'alice-password-123';
  let sandbox: Sandbox;
  let kernelId: string;
  /** Alice's own kernel socket, opened with her first token: no ending but the stop may touch it. */
  let bystander: KernelSocket;
  const lab = { user: 'alice', name: 'lab' };
  /** Per case: ms from the ending call's answer to the close (negative: closed before the answer arrived), and from the call. */
  const delays: Array<{ what: string; afterAnswer: number; afterCall: number }> = [];

  beforeAll(async () => {
    // adminAccess: the disabling and demotion cases need an admin inside another user's sandbox.
    t = await startTestHub({ config: { sandboxes: { defaults: { cpus: 1, memoryGiB: 1 }, readinessTimeoutSeconds: 90, stopTimeoutSeconds: 2, adminAccess: true } } });
    alice = await t.user('alice');
    const launched = await t.api<Sandbox>(alice, 'POST', '/api/sandboxes', { name: 'lab', image: 'notebook' });
    expect(launched.status).toBe(202);
    sandbox = await waitForState(t, alice, launched.body.id, 'running');
    const kernel = await fetch(`${t.url}/user/alice/lab/api/kernels`, {
      method: 'POST',
      headers: { authorization: `Bearer ${alice}`, 'content-type': 'application/json' },
      body: '{"name":"python3"}',
    });
    expect(kernel.status).toBe(201);
    kernelId = ((await kernel.json()) as { id: string }).id;
    bystander = await openKernelSocket(t, { token: alice }, lab, kernelId);
    expect(await bystander.run('1+1', 60_000)).toBe('2');
  }, 180_000);

  afterAll(async () => {
    if (delays.length > 0) {
      const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
      const rows = delays.map((d) => `  ${d.what.padEnd(28)} ${d.afterAnswer.toFixed(1).padStart(8)} ms after the answer, ${d.afterCall.toFixed(1).padStart(8)} ms after the call`);
      console.log(
        `time from ending a credential to its tunnel's close (${delays.length} cases):\n${rows.join('\n')}\n` +
          `  median: ${median(delays.map((d) => d.afterAnswer)).toFixed(1)} ms after the answer, ${median(delays.map((d) => d.afterCall)).toFixed(1)} ms after the call`,
      );
    }
    await t?.close();
  });

  /** Opens a kernel socket as `as` and proves it works by running 1+1 in it. */
  async function working(as: Credential, into = lab): Promise<KernelSocket> {
    const socket = await openKernelSocket(t, as, into, kernelId);
    expect(await socket.run('1+1')).toBe('2');
    return socket;
  }

  /**
   * Makes the ending call, then waits for `socket` to close; records and checks the delay, from
   * the call's answer, or from the call itself when the answer waits on something slower than
   * the close (a stop waits for the container to go).
   */
  async function endAndTime(what: string, socket: KernelSocket, call: () => Promise<number>, status: number, from: 'answer' | 'call' = 'answer'): Promise<void> {
    const called = performance.now();
    expect(await call()).toBe(status);
    const answered = performance.now();
    const start = from === 'answer' ? answered : called;
    const closedAt = await Promise.race([
      socket.closed,
      new Promise<number>((resolve) => setTimeout(() => resolve(Number.POSITIVE_INFINITY), Math.max(0, start + CLOSE_WITHIN_MS - performance.now()))),
    ]);
    expect(closedAt - start, `${what}: the kernel WebSocket is still open ${CLOSE_WITHIN_MS} ms after the ${from}`).toBeLessThan(CLOSE_WITHIN_MS);
    delays.push({ what, afterAnswer: closedAt - answered, afterCall: closedAt - called });
  }

  async function signIn(username: string, password: string): Promise<{ cookie: string; csrf: string }> {
    const res = await fetch(`${t.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password }),
    });
    expect(res.status).toBe(200);
    const cookie = res.headers
      .getSetCookie()
      .map((c) => c.split(';')[0]!)
      .join('; ');
    return { cookie, csrf: /shiva_csrf=([^;]+)/.exec(cookie)![1]! };
  }

  /** A browser's state-changing API call: its cookies and the CSRF token that goes with them. */
  const asBrowser = (session: { cookie: string; csrf: string }, method: string, path: string, body?: unknown) =>
    fetch(`${t.url}${path}`, {
      method,
      headers: { cookie: session.cookie, 'x-csrf-token': session.csrf, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    }).then((r) => r.status);

  /** What the proxy answers a new request from `as` to the sandbox. */
  const proxiedStatus = (as: Credential, into = lab) => proxiedStatusOf(t, as, into);

  const userId = async (name: string) =>
    (await t.api<{ items: Array<{ id: number; username: string }> }>(t.adminToken, 'GET', '/api/users')).body.items.find((u) => u.username === name)!.id;

  it('closes a kernel WebSocket opened with a token when the token is revoked, and the token opens nothing after', async () => {
    const created = await t.api<{ id: string; token: string }>(alice, 'POST', '/api/tokens', { name: 'revoke-me' });
    const token = { token: created.body.token };
    const socket = await working(token);
    // Someone else naming this token's id revokes nothing of alice's.
    const bob = await t.user('bob');
    expect((await t.api(bob, 'DELETE', `/api/tokens/${created.body.id}`)).status).toBe(404);
    expect(await socket.run('1+1')).toBe('2');
    await endAndTime('token revoked', socket, async () => (await t.api(alice, 'DELETE', `/api/tokens/${created.body.id}`)).status, 204);
    expect(await proxiedStatus(token)).toBe(401);
    await expect(openKernelSocket(t, token, lab, kernelId)).rejects.toThrow(/401/);
    expect(bystander.open).toBe(true);
  });

  it('closes a kernel WebSocket opened by a browser when it signs out, and its cookie opens nothing after', async () => {
    const session = await signIn('alice', alicePassword);
    const socket = await working(session);
    await endAndTime('signed out', socket, () => asBrowser(session, 'POST', '/api/auth/logout'), 204);
    expect(await proxiedStatus(session)).toBe(401);
    await expect(openKernelSocket(t, session, lab, kernelId)).rejects.toThrow(/401/);
    expect(bystander.open).toBe(true);
  });

  it("closes every browser's kernel WebSocket when the user signs out everywhere from another browser", async () => {
    const first = await signIn('alice', alicePassword);
    const second = await signIn('alice', alicePassword);
    const socket = await working(first);
    await endAndTime('signed out everywhere', socket, () => asBrowser(second, 'POST', '/api/auth/logout?everywhere=true'), 204);
    expect(await proxiedStatus(first)).toBe(401);
    // The browser that signed out everywhere never opened the sandbox: its hub session is what ended.
    expect(await asBrowser(second, 'GET', '/api/me')).toBe(401);
    await expect(openKernelSocket(t, first, lab, kernelId)).rejects.toThrow(/401/);
    expect(bystander.open).toBe(true);
  });

  it("closes the other browsers' kernel WebSockets on a password change, and keeps the one of the browser that changed it", async () => {
    const other = await signIn('alice', alicePassword);
    const current = await signIn('alice', alicePassword);
    const otherSocket = await working(other);
    const currentSocket = await working(current);
    const newPassword = 'alice-new-password-456';
    await endAndTime('password changed', otherSocket, () => asBrowser(current, 'PUT', '/api/me/password', { currentPassword: alicePassword, newPassword }), 204);
    alicePassword = newPassword;
    expect(await proxiedStatus(other)).toBe(401);
    await expect(openKernelSocket(t, other, lab, kernelId)).rejects.toThrow(/401/);
    expect(await currentSocket.run('1+1')).toBe('2');
    expect(await proxiedStatus(current)).toBe(200);
    currentSocket.close();
    expect(bystander.open).toBe(true);
  });

  it("closes a browser's kernel WebSocket once shiva users set-password, run beside the hub on its data directory, ends the session", async () => {
    const session = await signIn('alice', alicePassword);
    const socket = await working(session);
    const newPassword = 'alice-reset-password-789';
    // What the command does, in this process: it writes the database; the hub hears nothing of it.
    const { setPassword } = await import('../src/cli/set-password.js');
    expect((await setPassword({ username: 'alice', dataDir: t.dataDir, password: newPassword })).sessionsEnded).toBeGreaterThan(0);
    alicePassword = newPassword;
    expect(socket.open).toBe(true);
    // The hub's periodic sweep (every auth.tokenCacheSeconds) finds the session gone and closes what it opened.
    await endAndTime('session ended by the CLI', socket, async () => ((await t.hub.sweepCredentials()) > 0 ? 200 : 0), 200);
    expect(await proxiedStatus(session)).toBe(401);
    // The token's socket stands: its credential does.
    expect(bystander.open).toBe(true);
    expect(await t.hub.sweepCredentials()).toBe(0);
  });

  it("closes a disabled user's kernel WebSocket into another user's sandbox, and enabling them again brings none of their tokens back", async () => {
    const dave = { token: await t.user('dave', true) };
    const daveId = await userId('dave');
    const socket = await working(dave);
    await endAndTime('user disabled', socket, async () => (await t.api(t.adminToken, 'PATCH', `/api/users/${daveId}`, { disabled: true })).status, 200);
    expect(await proxiedStatus(dave)).toBe(401);
    expect((await t.api(t.adminToken, 'PATCH', `/api/users/${daveId}`, { disabled: false })).status).toBe(200);
    expect(await proxiedStatus(dave)).toBe(401);
    await expect(openKernelSocket(t, dave, lab, kernelId)).rejects.toThrow(/401/);
    const session = await signIn('dave', 'dave-password-123');
    const tokens = await fetch(`${t.url}/api/tokens`, { headers: { cookie: session.cookie } });
    expect(await tokens.json()).toEqual([]);
    expect(bystander.open).toBe(true);
  });

  it("closes a demoted admin's kernel WebSocket into another user's sandbox, and their admin token opens it no more", async () => {
    const carol = { token: await t.user('carol', true) };
    const carolId = await userId('carol');
    const socket = await working(carol);
    // An admin's token inside another user's sandbox is audited, once, and alice sees it.
    await socket.run('2+2');
    await new Promise((resolve) => setTimeout(resolve, 200));
    const audited = await t.api<{ entries: Array<{ actor: string; target: string }> }>(t.adminToken, 'GET', '/api/audit?action=sandbox.admin-access');
    expect(audited.body.entries.filter((e) => e.actor === 'carol')).toEqual([expect.objectContaining({ actor: 'carol', target: 'alice/lab' })]);
    expect((await t.hub.events.history(sandbox.id)).map((e) => e.message)).toContain('The admin carol opened this sandbox with an API token.');
    await endAndTime('admin demoted', socket, async () => (await t.api(t.adminToken, 'PATCH', `/api/users/${carolId}`, { admin: false })).status, 200);
    expect(await proxiedStatus(carol)).toBe(403);
    await expect(openKernelSocket(t, carol, lab, kernelId)).rejects.toThrow(/403/);
    expect(bystander.open).toBe(true);
  });

  it("ends a browser's event stream when it signs out", async () => {
    const session = await signIn('alice', alicePassword);
    const res = await fetch(`${t.url}/api/sandboxes/${sandbox.id}/events?follow=true`, { headers: { cookie: session.cookie } });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    while (!text.includes('event: running\n')) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`the event stream ended before the running event: ${text}`);
      text += decoder.decode(value, { stream: true });
    }
    const ended = (async () => {
      for (;;) if ((await reader.read()).done) return performance.now();
    })();
    const called = performance.now();
    expect(await asBrowser(session, 'POST', '/api/auth/logout')).toBe(204);
    const answered = performance.now();
    const endedAt = await Promise.race([ended, new Promise<number>((resolve) => setTimeout(() => resolve(Number.POSITIVE_INFINITY), CLOSE_WITHIN_MS))]);
    expect(endedAt - answered).toBeLessThan(CLOSE_WITHIN_MS);
    delays.push({ what: 'signed out (event stream)', afterAnswer: endedAt - answered, afterCall: endedAt - called });
    expect((await fetch(`${t.url}/api/sandboxes/${sandbox.id}/events`, { headers: { cookie: session.cookie } })).status).toBe(401);
  });

  it("closes every kernel WebSocket into a sandbox when it stops, and the proxy answers that it is not running", async () => {
    await endAndTime('sandbox stopped', bystander, async () => (await t.api(alice, 'DELETE', `/api/sandboxes/${sandbox.id}`)).status, 200, 'call');
    expect(await proxiedStatus({ token: alice })).toBe(503);
  });
});
