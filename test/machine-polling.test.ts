/**
 * What the dashboard's polling of the machines costs on a fleet of 50 machines with an hour of
 * history each: the list carries no samples, samples come once and then only what is new, and
 * an answer like the last is a bodiless 304. Fake runtimes stand in for the engines: this is
 * about the hub's answers, not about containers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Machine, MachineHistoryPage } from '../src/contract/api.js';
import type { ErrorBody } from '../src/contract/errors.js';
import { sampleOf } from '../src/machines/history.js';
import { FakeRuntime } from '../src/runtime/fake/fake-runtime.js';
import { startTestHub, type TestHub } from './support/hub.js';
import { GiB } from '../src/contract/resources.js';

const MACHINES = 50;

describe('polling the machines of a large fleet', () => {
  let t: TestHub;
  let member: string;
  const fake = new FakeRuntime();

  beforeAll(async () => {
    t = await startTestHub({
      makeRuntime: () => fake,
      config: {
        // Engines elsewhere (never dialled: the fake runtime answers), so no usage is read from this host's /proc.
        machines: Array.from({ length: MACHINES }, (_, i) => ({ name: `gpu-${String(i + 1).padStart(2, '0')}`, docker: `tcp://10.0.${i}.1:2376`, gpus: { source: 'none' } })),
        homes: { check: 'none' },
      },
    });
    member = await t.user('noa');
  });
  afterAll(async () => {
    await t?.close();
    await fake.closeAll();
  });

  /** A GET with a bearer token and any other headers, its body as text. */
  const get = async (token: string, path: string, headers: Record<string, string> = {}) => {
    const res = await fetch(`${t.url}${path}`, { headers: { authorization: `Bearer ${token}`, ...headers } });
    return { status: res.status, headers: res.headers, text: await res.text() };
  };
  /** Adds `count` samples to every machine's history, 15 s apart, as that many health checks would. */
  const fillHistory = (count: number) => {
    for (const m of t.hub.machines.list()) {
      for (let i = 0; i < count; i++) {
        m.history.add(sampleOf(new Date(Date.now() - (count - i) * 15_000).toISOString(), { cpuPercent: 12.5 + i, memoryUsedBytes: 40 * GiB + i }, []));
      }
    }
  };
  const history = async (token: string, since?: string) => {
    const res = await get(token, since === undefined ? '/api/machines/history' : `/api/machines/history?since=${encodeURIComponent(since)}`);
    expect(res.status).toBe(200);
    return JSON.parse(res.text) as MachineHistoryPage;
  };

  it('sends the machine list without samples, the same size however much history the hub holds', async () => {
    const before = await get(t.adminToken, '/api/machines');
    fillHistory(t.hub.machines.historySamples);
    const after = await get(t.adminToken, '/api/machines');
    expect(after.status).toBe(200);
    const machines = JSON.parse(after.text) as Machine[];
    expect(machines).toHaveLength(MACHINES);
    expect(machines.every((m) => !('history' in m))).toBe(true);
    expect(after.text).not.toContain('cpuPercent":12.5');
    expect(Buffer.byteLength(after.text)).toBe(Buffer.byteLength(before.text));
  });

  it("gives every machine's whole hour on the first history call, then only newer samples and the next cursor", async () => {
    const first = await history(t.adminToken);
    expect(first.full).toBe(true);
    expect(first.windowSamples).toBe(t.hub.machines.historySamples);
    expect(first.machines).toHaveLength(MACHINES);
    expect(first.machines.every((m) => m.samples.length === first.windowSamples)).toBe(true);

    // One health check: one new sample on every machine, and only that comes.
    await t.hub.machines.refresh();
    const next = await history(t.adminToken, first.cursor);
    expect(next.full).toBe(false);
    expect(next.cursor).not.toBe(first.cursor);
    expect(next.machines).toHaveLength(MACHINES);
    expect(next.machines.every((m) => m.samples.length === 1)).toBe(true);
    const newest = next.machines[0]!.samples[0]!;
    expect(Date.parse(newest.at)).toBeGreaterThan(Date.parse(first.machines[0]!.samples.at(-1)!.at));
    expect((await history(t.adminToken)).machines[0]!.samples.at(-1)).toEqual(newest);

    // Nothing since: no samples, the same cursor.
    const idle = await history(t.adminToken, next.cursor);
    expect(idle).toEqual({ cursor: next.cursor, full: false, windowSamples: first.windowSamples, machines: [] });
  });

  it('answers a repeated poll with a bodiless 304, and a changed list with a 200 and a new tag', async () => {
    const first = await get(t.adminToken, '/api/machines');
    const tag = first.headers.get('etag')!;
    expect(tag).toMatch(/^"[A-Za-z0-9_-]+"$/);
    expect(first.headers.get('cache-control')).toBe('private, no-cache');
    expect(first.headers.get('vary')).toMatch(/Authorization, Cookie/);

    const same = await get(t.adminToken, '/api/machines', { 'if-none-match': tag });
    expect(same.status).toBe(304);
    expect(same.text).toBe('');
    expect(same.headers.get('etag')).toBe(tag);
    expect(same.headers.get('cache-control')).toBe('private, no-cache');

    // A health check moves every machine's lastSeenAt: the list is new.
    await new Promise((resolve) => setTimeout(resolve, 5));
    await t.hub.machines.refresh();
    const changed = await get(t.adminToken, '/api/machines', { 'if-none-match': tag });
    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).not.toBe(tag);
    expect(JSON.parse(changed.text)).toHaveLength(MACHINES);
  });

  it('answers a history call with nothing new by a 304 too', async () => {
    const { cursor } = await history(t.adminToken);
    const path = `/api/machines/history?since=${encodeURIComponent(cursor)}`;
    const idle = await get(t.adminToken, path);
    const same = await get(t.adminToken, path, { 'if-none-match': idle.headers.get('etag')! });
    expect(same.status).toBe(304);
    expect(same.text).toBe('');
  });

  it('refuses a since that is not a cursor with 400 INVALID_CURSOR, and an unknown parameter with VALIDATION_FAILED', async () => {
    for (const since of ['yesterday', new Date().toISOString(), '-1']) {
      const res = await get(t.adminToken, `/api/machines/history?since=${encodeURIComponent(since)}`);
      expect(res.status, since).toBe(400);
      expect((JSON.parse(res.text) as ErrorBody).error.code, since).toBe('INVALID_CURSOR');
    }
    const unknown = await get(t.adminToken, '/api/machines/history?from=0');
    expect(unknown.status).toBe(400);
    expect((JSON.parse(unknown.text) as ErrorBody).error.code).toBe('VALIDATION_FAILED');
  });

  it('gives the history to whoever may read the machines, and to nobody else', async () => {
    expect((await get(member, '/api/machines/history')).status).toBe(200);
    const anonymous = await fetch(`${t.url}/api/machines/history`);
    expect(anonymous.status).toBe(401);
    const created = await t.api<{ token: string }>(member, 'POST', '/api/tokens', { name: 'reader', scopes: ['sandboxes:read'] });
    const narrow = await get(created.body.token, '/api/machines/history');
    expect(narrow.status).toBe(403);
    expect((JSON.parse(narrow.text) as ErrorBody).error.code).toBe('FORBIDDEN');
  });

  it("gives a member no admin-only words, in the list or the history, and a tag of the member's own", async () => {
    const machine = t.hub.machines.get('gpu-07')!;
    machine.usageError = 'Prometheus at http://10.9.9.9:9090 refused the connection';
    try {
      const admin = await get(t.adminToken, '/api/machines');
      const mine = await get(member, '/api/machines');
      expect(admin.text).toContain('10.9.9.9');
      expect(mine.text).not.toContain('10.9.9.9');
      expect((JSON.parse(mine.text) as Machine[]).find((m) => m.name === 'gpu-07')!.usageError).toBe("The machine's usage could not be read.");
      expect(mine.headers.get('etag')).not.toBe(admin.headers.get('etag'));
      // The admin's tag is no key to the admin's answer: the member gets the member's own.
      const offered = await get(member, '/api/machines', { 'if-none-match': admin.headers.get('etag')! });
      expect(offered.status).toBe(200);
      expect(offered.text).toBe(mine.text);

      const memberHistory = await get(member, '/api/machines/history');
      expect(memberHistory.text).not.toContain('10.9.9.9');
      expect(memberHistory.text).toBe((await get(t.adminToken, '/api/machines/history')).text);
    } finally {
      machine.usageError = null;
    }
  });
});
