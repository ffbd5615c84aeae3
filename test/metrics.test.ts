/**
 * GET /metrics over real HTTP with the fake runtime: who may read it, and what the series say
 * after launches, proxied traffic and engine readings.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeRuntime } from '../src/runtime/fake/fake-runtime.js';
import { startTestHub, type TestHub } from './support/hub.js';

type ErrorBody = { error: { code: string; message: string } };
const MiB = 1024 * 1024;

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The samples of a text exposition (comments and blank lines skipped). */
function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    samples.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return samples;
}

/** The value of the one sample of `name` whose labels include `labels`; undefined when none. */
function valueOf(samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  const hits = samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  if (hits.length > 1) throw new Error(`${hits.length} samples of ${name} ${JSON.stringify(labels)}`);
  return hits[0]?.value;
}

describe('/metrics', () => {
  let t: TestHub;
  let runtime: FakeRuntime;
  let lee: string;
  let reader: string;

  const scrape = async (token: string | null = reader) => {
    const res = await fetch(`${t.url}/metrics`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
  };

  beforeAll(async () => {
    runtime = new FakeRuntime();
    t = await startTestHub({ makeRuntime: () => runtime });
    lee = await t.user('lee');
    const created = await t.api<{ token: string }>(t.adminToken, 'POST', '/api/tokens', { name: 'prometheus', scopes: ['metrics:read'] });
    expect(created.status).toBe(201);
    reader = created.body.token;
  });
  afterAll(async () => {
    await t.close();
    await runtime.closeAll();
  });

  it('answers 401 without credentials and 403 to a token without metrics:read', async () => {
    const anonymous = await scrape(null);
    expect(anonymous.status).toBe(401);
    expect((JSON.parse(anonymous.text) as ErrorBody).error.code).toBe('UNAUTHENTICATED');
    const user = await scrape(lee);
    expect(user.status).toBe(403);
    expect((JSON.parse(user.text) as ErrorBody).error.message).toContain('metrics:read');
  });

  it('lets only admins give a token metrics:read, and serves Prometheus text to such a token and to admins', async () => {
    const refused = await t.api<ErrorBody>(lee, 'POST', '/api/tokens', { name: 'sneaky', scopes: ['metrics:read'] });
    expect(refused.status).toBe(403);
    expect((await t.api<{ scopes: string[] }>(lee, 'POST', '/api/tokens', { name: 'plain' })).body.scopes).not.toContain('metrics:read');
    const ok = await scrape(reader);
    expect(ok.status).toBe(200);
    expect(ok.type).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(ok.text).toContain('# TYPE shiva_running_servers gauge');
    expect((await scrape(t.adminToken)).status).toBe(200);
    // The token opens nothing else.
    expect((await t.api(reader, 'GET', '/api/sandboxes')).status).toBe(403);
  });

  it('refuses a metrics:read token once its owner is no longer an admin', async () => {
    const ops = await t.user('ops', true);
    const token = (await t.api<{ token: string }>(ops, 'POST', '/api/tokens', { name: 'scraper', scopes: ['metrics:read'] })).body.token;
    expect((await scrape(token)).status).toBe(200);
    const users = await t.api<{ items: Array<{ id: number; username: string }> }>(t.adminToken, 'GET', '/api/users');
    const id = users.body.items.find((u) => u.username === 'ops')!.id;
    expect((await t.api(t.adminToken, 'PATCH', `/api/users/${id}`, { admin: false })).status).toBe(200);
    const after = await scrape(token);
    expect(after.status).toBe(403);
    expect(after.text).toContain('no longer an admin');
  });

  it('counts launches, running sandboxes, proxied answers, API requests and what each sandbox uses', async () => {
    const launched = await t.api<{ id: string }>(lee, 'POST', '/api/sandboxes', { name: 'lab', cpus: 1, memoryGiB: 0.5 });
    expect(launched.status).toBe(202);
    const failed = await t.api<{ id: string }>(lee, 'POST', '/api/sandboxes', { name: 'bad', image: 'broken' });
    expect(failed.status).toBe(202);
    await t.hub.sandboxes.settle();
    expect((await t.api<{ state: string }>(lee, 'GET', `/api/sandboxes/${launched.body.id}`)).body.state).toBe('running');

    // A page (not an API read, which a tab polls by itself) counts as activity.
    expect((await fetch(`${t.url}/user/lee/lab/tree`, { headers: { authorization: `Bearer ${lee}` } })).status).toBe(200);
    expect((await fetch(`${t.url}/user/lee/lab/api`)).status).toBe(401);
    expect((await fetch(`${t.url}/user/lee/nothing/api`, { headers: { authorization: `Bearer ${lee}` } })).status).toBe(503);

    const containerId = (await t.hub.sandboxesRepo.byId(launched.body.id))!.container_id!;
    runtime.setUsage(containerId, { cpuSeconds: 3, memoryUsedBytes: 48 * MiB });
    await t.hub.liveStats.refresh();
    runtime.setUsage(containerId, { cpuSeconds: 4, memoryUsedBytes: 64 * MiB });
    // Two readings must be apart in time for a rate; the engine dates them, not this test.
    await new Promise((r) => setTimeout(r, 20));
    await t.hub.liveStats.refresh();

    const samples = parseExposition((await scrape()).text);
    const sandbox = { user: 'lee', sandbox: 'lab', machine: 'local', gpus: '' };
    expect(valueOf(samples, 'shiva_running_servers')).toBe(1);
    expect(valueOf(samples, 'shiva_sandboxes', { state: 'running' })).toBe(1);
    expect(valueOf(samples, 'shiva_proxy_routes')).toBe(1);
    expect(valueOf(samples, 'shiva_server_spawn_duration_seconds_count', { status: 'success' })).toBe(1);
    expect(valueOf(samples, 'shiva_server_spawn_duration_seconds_count', { status: 'failure' })).toBe(1);
    expect(valueOf(samples, 'shiva_proxy_requests_total', { code: '200' })).toBe(1);
    expect(valueOf(samples, 'shiva_proxy_requests_total', { code: '401' })).toBe(1);
    expect(valueOf(samples, 'shiva_proxy_requests_total', { code: '503' })).toBe(1);
    expect(valueOf(samples, 'shiva_request_duration_seconds_count', { method: 'POST', handler: '/api/sandboxes', code: '202' })).toBe(2);
    expect(valueOf(samples, 'shiva_request_duration_seconds_count', { method: 'GET', handler: '/api/sandboxes/:id', code: '200' })).toBe(1);
    expect(valueOf(samples, 'shiva_active_users', { period: '24h' })).toBe(1);
    expect(valueOf(samples, 'shiva_active_users', { period: '30d' })).toBe(1);
    expect(valueOf(samples, 'shiva_sandbox_memory_used_bytes', sandbox)).toBe(64 * MiB);
    expect(valueOf(samples, 'shiva_sandbox_cpu_percent', sandbox)).toBeGreaterThan(0);
    expect(valueOf(samples, 'shiva_sandbox_cpus', sandbox)).toBe(1);
    expect(valueOf(samples, 'shiva_sandbox_cpu_request', sandbox)).toBe(0.25);
    expect(valueOf(samples, 'shiva_sandbox_memory_limit_bytes', sandbox)).toBe(512 * MiB);
    const row = (await t.hub.sandboxesRepo.byId(launched.body.id))!;
    expect(valueOf(samples, 'shiva_sandbox_started_time_seconds', sandbox)).toBe(Date.parse(row.started_at!) / 1000);
    expect(valueOf(samples, 'shiva_sandbox_last_activity_time_seconds', sandbox)).toBeGreaterThanOrEqual(Date.parse(row.started_at!) / 1000);
    expect(valueOf(samples, 'shiva_machine_up', { machine: 'local' })).toBe(1);
    // The fake engine has 8 CPUs and 16 GiB; nothing is reserved, and test hubs overcommit CPUs 16 times.
    expect(valueOf(samples, 'shiva_machine_capacity_cpus', { machine: 'local' })).toBe(8 * 16);
    // What is held is the CPU request: a quarter of the 1-CPU limit by default.
    expect(valueOf(samples, 'shiva_machine_allocated_cpus', { machine: 'local' })).toBe(0.25);
    expect(valueOf(samples, 'shiva_machine_allocated_memory_bytes', { machine: 'local' })).toBe(512 * MiB);
  });

  it('drops a stopped sandbox from the per-sandbox series', async () => {
    const list = await t.api<{ items: Array<{ id: string; name: string }> }>(lee, 'GET', '/api/sandboxes');
    const lab = list.body.items.find((s) => s.name === 'lab')!;
    expect((await t.api(lee, 'DELETE', `/api/sandboxes/${lab.id}`)).status).toBe(200);
    await t.hub.sandboxes.settle();
    await t.hub.liveStats.refresh();
    expect(t.hub.liveStats.get(lab.id)).toBeUndefined();
    const samples = parseExposition((await scrape()).text);
    expect(valueOf(samples, 'shiva_running_servers')).toBe(0);
    expect(valueOf(samples, 'shiva_proxy_routes')).toBe(0);
    expect(samples.filter((s) => s.name.startsWith('shiva_sandbox_'))).toEqual([]);
    // Users stay active for the period after their sandbox stops.
    expect(valueOf(samples, 'shiva_active_users', { period: '24h' })).toBe(1);
  });

  it('serves /metrics to anyone with metrics.public, from a registry of its own hub', async () => {
    const open = await startTestHub({ makeRuntime: () => new FakeRuntime(), config: { metrics: { public: true } } });
    try {
      const res = await fetch(`${open.url}/metrics`);
      expect(res.status).toBe(200);
      const samples = parseExposition(await res.text());
      // This hub launched nothing: the other hub's launches are not in its series.
      expect(valueOf(samples, 'shiva_server_spawn_duration_seconds_count', { status: 'success' })).toBe(0);
      expect(valueOf(samples, 'shiva_running_servers')).toBe(0);
    } finally {
      await open.close();
    }
  });
});
