/** Usage through the API: exact figures from known sandbox lifetimes, the CSV download, who sees what, bad input. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeRuntime } from '../src/runtime/fake/fake-runtime.js';
import type { SandboxState } from '../src/store/schema.js';
import { startTestHub, type TestHub } from './support/hub.js';

type ErrorBody = { error: { code: string; message: string } };
interface Figures {
  sandboxes: number;
  sandboxHours: number;
  cpuHours: number;
  gpuHours: number;
  memoryGiBHours: number;
}
interface Report {
  from: string;
  to: string;
  days: Array<Figures & { user: string; day: string }>;
  users: Array<Figures & { user: string }>;
  total: Figures;
}

const GiB = 1024 ** 3;
const DAY_MS = 86_400_000;
const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

describe('usage accounting through the API', () => {
  let t: TestHub;
  let runtime: FakeRuntime;
  let alice: string;
  let bob: string;
  let count = 0;
  const yesterday = dayOf(Date.now() - DAY_MS);

  /** A sandbox with a known lifetime, written through the repository as a launch would write it. */
  async function sandbox(username: string, s: { cpus: number; memoryGiB: number; gpus: string[]; state: SandboxState; started: string | null; stopped: string | null }) {
    const user = (await t.hub.users.byName(username))!;
    count++;
    const result = await t.hub.sandboxesRepo.insertLaunch(
      {
        id: `sbx_usage_${count}`,
        user_id: user.id,
        username,
        name: `s${count}`,
        image: 'tiny',
        image_ref: 'shiva-test/tiny',
        machine: 'local',
        cpus: s.cpus,
        memory_bytes: s.memoryGiB * GiB,
        gpus: JSON.stringify(s.gpus),
        state: s.state,
        token: 'unused',
        created_at: s.started ?? '2025-06-01T00:00:00.000Z',
        started_at: s.started,
        stopped_at: s.stopped,
      },
      100,
    );
    expect(result).toBe('ok');
  }

  beforeAll(async () => {
    runtime = new FakeRuntime();
    t = await startTestHub({ makeRuntime: () => runtime });
    alice = await t.user('alice');
    bob = await t.user('bob');
    // alice: 2 CPUs, 1 GPU, 4 GiB from 22:00 on 10 June to 02:00 on 11 June (4 h over midnight).
    await sandbox('alice', { cpus: 2, memoryGiB: 4, gpus: ['0'], state: 'stopped', started: '2025-06-10T22:00:00.000Z', stopped: '2025-06-11T02:00:00.000Z' });
    // alice: half a CPU for 90 minutes on 11 June, ended by a failure after it ran.
    await sandbox('alice', { cpus: 0.5, memoryGiB: 1, gpus: [], state: 'failed', started: '2025-06-11T10:00:00.000Z', stopped: '2025-06-11T11:30:00.000Z' });
    // alice: a launch that failed before it ever ran counts nothing.
    await sandbox('alice', { cpus: 8, memoryGiB: 32, gpus: ['1'], state: 'failed', started: null, stopped: '2025-06-11T12:00:00.000Z' });
    // bob: 4 CPUs, 2 GPUs from 20:00 on 31 May (before the range) to 06:00 on 1 June.
    await sandbox('bob', { cpus: 4, memoryGiB: 16, gpus: ['2', '3'], state: 'stopped', started: '2025-05-31T20:00:00.000Z', stopped: '2025-06-01T06:00:00.000Z' });
    // bob: still live on a machine that stopped answering, since the start of yesterday.
    await sandbox('bob', { cpus: 1, memoryGiB: 2, gpus: [], state: 'unknown', started: `${yesterday}T00:00:00.000Z`, stopped: null });
  });
  afterAll(async () => {
    await t.close();
    await runtime.closeAll();
  });

  const june = '/api/usage?from=2025-06-01&to=2025-06-30';

  it('gives an admin every user by day, split at UTC midnight, with totals', async () => {
    const res = await t.api<Report>(t.adminToken, 'GET', june);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ from: '2025-06-01', to: '2025-06-30' });
    expect(res.body.days).toEqual([
      { user: 'alice', day: '2025-06-10', sandboxes: 1, sandboxHours: 2, cpuHours: 4, gpuHours: 2, memoryGiBHours: 8 },
      { user: 'alice', day: '2025-06-11', sandboxes: 2, sandboxHours: 3.5, cpuHours: 4.75, gpuHours: 2, memoryGiBHours: 9.5 },
      { user: 'bob', day: '2025-06-01', sandboxes: 1, sandboxHours: 6, cpuHours: 24, gpuHours: 12, memoryGiBHours: 96 },
    ]);
    expect(res.body.users).toEqual([
      { user: 'alice', sandboxes: 2, sandboxHours: 5.5, cpuHours: 8.75, gpuHours: 4, memoryGiBHours: 17.5 },
      { user: 'bob', sandboxes: 1, sandboxHours: 6, cpuHours: 24, gpuHours: 12, memoryGiBHours: 96 },
    ]);
    expect(res.body.total).toEqual({ sandboxes: 3, sandboxHours: 11.5, cpuHours: 32.75, gpuHours: 16, memoryGiBHours: 113.5 });
  });

  it('counts a live sandbox, here one whose machine stopped answering, up to now', async () => {
    const res = await t.api<Report>(t.adminToken, 'GET', `/api/usage?from=${yesterday}&to=${yesterday}&user=bob`);
    expect(res.body.days).toEqual([{ user: 'bob', day: yesterday, sandboxes: 1, sandboxHours: 24, cpuHours: 24, gpuHours: 0, memoryGiBHours: 48 }]);
  });

  it('narrows to one user for an admin', async () => {
    const res = await t.api<Report>(t.adminToken, 'GET', `${june}&user=bob`);
    expect(res.body.users.map((u) => u.user)).toEqual(['bob']);
    expect(res.body.total.sandboxHours).toBe(6);
  });

  it('shows anyone else only themself, and refuses them another user', async () => {
    const own = await t.api<Report>(alice, 'GET', june);
    expect(own.body.users.map((u) => u.user)).toEqual(['alice']);
    expect(own.body.total.sandboxHours).toBe(5.5);
    expect((await t.api<Report>(alice, 'GET', `${june}&user=alice`)).body).toEqual({ ...own.body, at: expect.any(String) });
    const other = await t.api<ErrorBody>(alice, 'GET', `${june}&user=bob`);
    expect(other.status).toBe(403);
    expect(other.body.error.code).toBe('FORBIDDEN');
    expect((await t.api<Report>(bob, 'GET', june)).body.users.map((u) => u.user)).toEqual(['bob']);
  });

  it('needs a sign-in and the sandboxes:read scope; an admin token without the admin scope sees only its owner', async () => {
    const anonymous = await t.api<ErrorBody>(null, 'GET', june);
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.error.code).toBe('UNAUTHENTICATED');
    const machinesOnly = (await t.api<{ token: string }>(alice, 'POST', '/api/tokens', { name: 'm', scopes: ['machines:read'] })).body.token;
    const refused = await t.api<ErrorBody>(machinesOnly, 'GET', june);
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('FORBIDDEN');
    const readOnly = (await t.api<{ token: string }>(t.adminToken, 'POST', '/api/tokens', { name: 'r', scopes: ['sandboxes:read'] })).body.token;
    expect((await t.api<Report>(readOnly, 'GET', june)).body.users).toEqual([]);
    expect((await t.api<ErrorBody>(readOnly, 'GET', `${june}&user=bob`)).status).toBe(403);
  });

  it('downloads the same figures as CSV, named after the range', async () => {
    const res = await fetch(`${t.url}${june}&format=csv`, { headers: { authorization: `Bearer ${t.adminToken}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="shiva-usage-2025-06-01-2025-06-30.csv"');
    expect(await res.text()).toBe(
      'day,user,sandboxes,sandbox_hours,cpu_hours,gpu_hours,memory_gib_hours\r\n' +
        '2025-06-10,alice,1,2.0000,4.0000,2.0000,8.0000\r\n' +
        '2025-06-11,alice,2,3.5000,4.7500,2.0000,9.5000\r\n' +
        '2025-06-01,bob,1,6.0000,24.0000,12.0000,96.0000\r\n',
    );
  });

  it('writes only the header when nothing ran in the range', async () => {
    const res = await fetch(`${t.url}/api/usage?from=2024-01-01&to=2024-01-31&format=csv`, { headers: { authorization: `Bearer ${alice}` } });
    expect(await res.text()).toBe('day,user,sandboxes,sandbox_hours,cpu_hours,gpu_hours,memory_gib_hours\r\n');
  });

  it('defaults to the last 30 days, today included', async () => {
    const before = dayOf(Date.now());
    const res = await t.api<Report>(t.adminToken, 'GET', '/api/usage');
    const after = dayOf(Date.now());
    expect([before, after]).toContain(res.body.to);
    expect(Date.parse(res.body.to) - Date.parse(res.body.from)).toBe(29 * DAY_MS);
    expect(res.body.days.filter((d) => d.day === yesterday).map((d) => [d.user, d.sandboxHours])).toEqual([['bob', 24]]);
  });

  it('refuses bad days, from after to and ranges over 366 days with INVALID_RANGE', async () => {
    for (const query of ['from=2025-02-30&to=2025-03-01', 'from=June&to=2025-06-30', 'from=&to=2025-06-30', 'from=2025-06-30&to=2025-06-01', 'from=2024-01-01&to=2025-01-01']) {
      const res = await t.api<ErrorBody>(t.adminToken, 'GET', `/api/usage?${query}`);
      expect([query, res.status, res.body.error.code]).toEqual([query, 400, 'INVALID_RANGE']);
    }
    const long = await t.api<ErrorBody>(t.adminToken, 'GET', '/api/usage?from=2024-01-01&to=2025-01-01');
    expect(long.body.error.message).toBe('2024-01-01 to 2025-01-01 is 367 days; ask for at most 366 at a time.');
  });

  it('refuses an unknown format, a malformed or unknown user and unknown parameters', async () => {
    const cases: Array<[string, number, string]> = [
      ['format=xml', 400, 'VALIDATION_FAILED'],
      ['user=Not_A_Name', 400, 'VALIDATION_FAILED'],
      ['user=nobody', 404, 'USER_NOT_FOUND'],
      ['since=2025-06-01', 400, 'VALIDATION_FAILED'],
    ];
    for (const [query, status, code] of cases) {
      const res = await t.api<ErrorBody>(t.adminToken, 'GET', `/api/usage?${query}`);
      expect([query, res.status, res.body.error.code]).toEqual([query, status, code]);
    }
  });

  it('is described in the OpenAPI document with both answers', async () => {
    const doc = await t.api<{ paths: Record<string, { get: { responses: Record<string, { content: Record<string, unknown> }> } }> }>(null, 'GET', '/api/openapi.json');
    expect(Object.keys(doc.body.paths['/api/usage']!.get.responses['200']!.content).sort()).toEqual(['application/json', 'text/csv']);
  });
});
