/**
 * Culling on the real engine: an idle sandbox is warned on its events stream and then stopped
 * with the idle reason, its home kept; Keep it running through the API calls the stop off. The
 * limits are seconds (fractional minutes) and the culler's own timer checks twice a second.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Sandbox, SandboxEvent } from '../src/contract/api.js';
import { describeDocker, TINY_IMAGE } from './support/docker.js';
import { startTestHub, type TestHub } from './support/hub.js';
import { waitFor, waitForState } from './support/wait.js';

interface ErrorBody {
  error: { code: string; message: string };
}

/** Follows a sandbox's events (`?follow=true`) as a client would, until `done` says enough. */
async function followUntil(t: TestHub, token: string, id: string, done: (events: SandboxEvent[]) => boolean, timeoutMs = 30_000): Promise<SandboxEvent[]> {
  const res = await fetch(`${t.url}/api/sandboxes/${id}/events?follow=true`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(timeoutMs) });
  if (!res.ok || !res.body) throw new Error(`events of ${id}: HTTP ${res.status}`);
  const decoder = new TextDecoder();
  let text = '';
  const events: SandboxEvent[] = [];
  for await (const chunk of res.body) {
    text += decoder.decode(chunk as Uint8Array, { stream: true });
    let end: number;
    while ((end = text.indexOf('\n\n')) !== -1) {
      const data = text.slice(0, end).split('\n').find((line) => line.startsWith('data: '));
      text = text.slice(end + 2);
      if (data) events.push(JSON.parse(data.slice(6)) as SandboxEvent);
    }
    if (done(events)) break;
  }
  return events;
}

const warned = (events: SandboxEvent[]) => events.some((e) => e.code === 'idle_warning');

describeDocker('culling idle sandboxes on the real engine', [TINY_IMAGE], () => {
  let t: TestHub;
  let alice: string;
  beforeAll(async () => {
    t = await startTestHub({
      timers: true,
      // Idle for 6 s stops a sandbox, after a warning 3 s before.
      config: { culling: { idleMinutes: 0.1, warnMinutes: 0.05, checkIntervalSeconds: 0.5 }, sandboxes: { maxPerUser: 3, readinessTimeoutSeconds: 30, stopTimeoutSeconds: 1 } },
    });
    alice = await t.user('alice');
  }, 120_000);
  afterAll(async () => {
    await t?.close();
  });

  it('warns an idle sandbox on its events stream, then stops it for being idle and keeps its home', async () => {
    const launched = await t.api<Sandbox>(alice, 'POST', '/api/sandboxes', { name: 'quiet' });
    expect(launched.status).toBe(202);
    await waitForState(t, alice, launched.body.id, 'running');
    const events = await followUntil(t, alice, launched.body.id, warned);
    const warning = events.find((e) => e.code === 'idle_warning')!;
    expect(warning.message).toMatch(/^Idle for \d+ seconds: it stops at \d\d:\d\d UTC unless it is used$/);
    expect(warning.params).toMatchObject({ reason: 'idle' });
    expect((await t.api<Sandbox>(alice, 'GET', `/api/sandboxes/${launched.body.id}`)).body.idleStop).toEqual({ at: warning.params!.stopAt, reason: 'idle' });

    const ending = await followUntil(t, alice, launched.body.id, (seen) => seen.some((e) => e.state === 'stopped'));
    expect(ending.find((e) => e.code === 'culled')?.params).toMatchObject({ reason: 'idle' });
    const stopped = (await t.api<Sandbox>(alice, 'GET', `/api/sandboxes/${launched.body.id}`)).body;
    expect(stopped.state).toBe('stopped');
    expect(stopped.reason).toMatch(/^idle for \d+ seconds$/);
    expect(existsSync(path.join(t.hub.config.homes.root!, 'alice'))).toBe(true);
    const audit = await t.api<{ entries: Array<{ action: string; target: string }> }>(t.adminToken, 'GET', '/api/audit?actor=hub:culler');
    expect(audit.body.entries.map((e) => [e.action, e.target])).toContainEqual(['sandbox.stop', 'alice/quiet']);
    const metrics = await fetch(`${t.url}/metrics`, { headers: { authorization: `Bearer ${t.adminToken}` } });
    expect(await metrics.text()).toMatch(/^shiva_culled_total\{reason="idle"\} 1$/m);
  });

  it('keeps a warned sandbox running past its stop time when its owner presses Keep it running', async () => {
    const launched = await t.api<Sandbox>(alice, 'POST', '/api/sandboxes', { name: 'kept' });
    const id = launched.body.id;
    await waitForState(t, alice, id, 'running');
    const events = await followUntil(t, alice, id, warned);
    const stopAt = Date.parse(String(events.find((e) => e.code === 'idle_warning')!.params!.stopAt));

    const kept = await t.api<Sandbox>(alice, 'POST', `/api/sandboxes/${id}/keep`);
    expect(kept.status).toBe(200);
    expect(kept.body).toMatchObject({ state: 'running', idleStop: null });
    // Past the warned time, and three more checks: it runs on.
    await waitFor(() => Date.now() > stopAt + 1500, { timeoutMs: 10_000, what: 'the stop time the warning gave' });
    const after = await t.api<Sandbox>(alice, 'GET', `/api/sandboxes/${id}`);
    expect(after.body.state).toBe('running');
    const history = await t.hub.events.history(id);
    expect(history.map((e) => e.code)).toContain('kept_running');

    // Someone else cannot keep it; a stopped one cannot be kept; a read-only token cannot.
    const bob = await t.user('bob');
    expect((await t.api<ErrorBody>(bob, 'POST', `/api/sandboxes/${id}/keep`)).body.error.code).toBe('SANDBOX_NOT_FOUND');
    const readOnly = await t.api<{ token: string }>(alice, 'POST', '/api/tokens', { name: 'read', scopes: ['sandboxes:read'] });
    expect((await t.api<ErrorBody>(readOnly.body.token, 'POST', `/api/sandboxes/${id}/keep`)).status).toBe(403);
    await t.api(alice, 'DELETE', `/api/sandboxes/${id}`);
    const refused = await t.api<ErrorBody>(alice, 'POST', `/api/sandboxes/${id}/keep`);
    expect([refused.status, refused.body.error.code]).toEqual([503, 'SANDBOX_NOT_RUNNING']);
  });
});
