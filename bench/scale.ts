/**
 * Scale: how the API and the Admin page grow with a company's size. Three hubs, each seeded
 * straight in its database (the fake runtime; nothing runs), at
 *
 *   small:     10 users,       1,000 audit entries,    10 sandbox rows (    100 ended for usage)
 *   medium: 1,000 users,     100,000 audit entries,   100 sandbox rows (  1,000 ended for usage)
 *   large: 10,000 users,   1,000,000 audit entries, 1,000 sandbox rows ( 10,000 ended for usage)
 *
 * and for each: the median time of each list and filter the API offers (over loopback HTTP, N
 * asks each), the Admin page's time to show its first page of users in Debian's Chromium and its
 * JavaScript heap after a collection, and the bytes an open Machines tab fetches per minute with
 * 50 machines. The small hub is the baseline: the last column is large / small, so growth shows
 * in one table. Rare filters (a thousandth of the entries) are the ones a full scan hurts most.
 * Sandboxes belong to at most 500 of the users (those of a company who use the GPUs).
 *
 *   npm run bench:scale            (SHIVA_BENCH_N=20 by default; needs /usr/bin/chromium)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import pino from 'pino';
import { buildApp } from '../src/app.js';
import { parseConfig } from '../src/config/load.js';
import { createHub, type Hub } from '../src/hub.js';
import { FakeRuntime } from '../src/runtime/fake/fake-runtime.js';
import { addUsageDays } from '../src/store/usage-days.js';
import { accountUsage } from '../src/usage/accounting.js';
import { rangeBounds } from '../src/usage/range.js';
import { usageReport } from '../src/usage/report.js';
import { usageDaysOf } from '../src/usage/rollup.js';
import { ensureWebBuild, REPO_ROOT } from '../web/tools/build.js';
import { launchBrowser, signInOnPage } from '../test/support/browser.js';
import { freePort } from '../test/support/hub.js';
import { machinesTabBytesPerMinute } from './support/machines-tab.js';

const N = Number(process.env.SHIVA_BENCH_N ?? 20);
const PASSWORD = 'bench-admin-password';
const webRoot = path.join(REPO_ROOT, '.shiva-test', 'web');

interface Tier {
  name: string;
  users: number;
  audit: number;
  sandboxes: number;
  ended: number;
}

const TIERS: Tier[] = [
  { name: 'small', users: 10, audit: 1_000, sandboxes: 10, ended: 100 },
  { name: 'medium', users: 1_000, audit: 100_000, sandboxes: 100, ended: 1_000 },
  { name: 'large', users: 10_000, audit: 1_000_000, sandboxes: 1_000, ended: 10_000 },
];

/** Of a company's users, those who run sandboxes: a report of usage holds a row per each of them and day. */
const SANDBOX_OWNERS = 500;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Rows made by SQLite itself from a counter: a million audit entries in seconds, not minutes. */
async function seed(hub: Hub, tier: Tier): Promise<void> {
  const db = hub.db;
  await sql`with recursive n(i) as (select 0 union all select i + 1 from n where i < ${tier.users - 1})
    insert into users (username, email, role, disabled, created_at, uid, gid)
    select printf('member%05d', i), printf('member%05d@example.com', i), 'user', 0, '2026-01-01T00:00:00.000Z', 40000 + i, 40000 + i from n`.execute(db);
  // One action and one result in a thousand are rare: the filters a full scan hurts most.
  await sql`with recursive n(i) as (select 0 union all select i + 1 from n where i < ${tier.audit - 1})
    insert into audit_events (at, actor, action, target, result, address)
    select strftime('%Y-%m-%dT%H:%M:%fZ', '2026-01-01', printf('+%d seconds', i * 30)), printf('member%05d', i % ${tier.users}),
           case when i % 1000 = 7 then 'user.update' else 'auth.login' end, printf('member%05d', i % ${tier.users}),
           case when i % 1000 = 3 then 'refused' else 'ok' end, '127.0.0.1' from n`.execute(db);
  // Sandbox rows: a tenth live, the rest ended; then the ended history usage reads, over a year.
  const rows = (count: number, prefix: string, live: boolean, spreadDays: number) => sql`
    with recursive n(i) as (select 0 union all select i + 1 from n where i < ${count - 1})
    insert into sandboxes (id, user_id, username, name, image, image_ref, machine, cpus, cpu_request, memory_bytes, gpus, state, token, created_at, started_at, stopped_at)
    select printf('${sql.raw(prefix)}%07d', i), u.id, u.username, printf('s%d', i), 'tiny', 'shiva/tiny:latest', 'local', 2, 1, 4294967296,
           case when i % 4 = 0 then '["GPU-0"]' else '[]' end,
           case when ${live ? 1 : 0} = 1 and i % 10 = 0 then 'running' else 'stopped' end, 't',
           strftime('%Y-%m-%dT%H:%M:%fZ', '2026-11-30', printf('-%d minutes', (i * ${spreadDays} * 1440) / ${count})),
           strftime('%Y-%m-%dT%H:%M:%fZ', '2026-11-30', printf('-%d minutes', (i * ${spreadDays} * 1440) / ${count})),
           case when ${live ? 1 : 0} = 1 and i % 10 = 0 then null
                else strftime('%Y-%m-%dT%H:%M:%fZ', '2026-11-30', printf('%+d minutes', 150 - (i * ${spreadDays} * 1440) / ${count})) end
    from n join users u on u.username = printf('member%05d', i % ${Math.min(tier.users, SANDBOX_OWNERS)})`;
  await rows(tier.sandboxes, 'live', true, 30).execute(db);
  await rows(tier.ended, 'ended', false, 360).execute(db);
  // Rows written straight in skipped the roll-up an ending writes: add their days as it would.
  const ended = await db
    .selectFrom('sandboxes')
    .select(['id', 'username', 'cpus', 'cpu_request', 'memory_bytes', 'gpus', 'state', 'started_at', 'stopped_at'])
    .where('state', 'in', ['stopped', 'failed'])
    .execute();
  await db.transaction().execute((tx) => addUsageDays(tx, ended.flatMap(usageDaysOf)));
}

interface Hubbed {
  hub: Hub;
  url: string;
  token: string;
  close(): Promise<void>;
}

async function start(tier: Tier): Promise<Hubbed> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'shiva-bench-scale-'));
  const runtime = new FakeRuntime();
  const port = await freePort();
  const config = parseConfig({ hub: { host: '127.0.0.1', port }, dataDir: path.join(dir, 'data'), images: { default: 'tiny', catalogue: [{ name: 'tiny', image: 'shiva/tiny:latest' }] } }, {});
  const hub = await createHub(config, { log: pino({ level: 'silent' }), env: { SHIVA_ADMIN_PASSWORD: PASSWORD }, makeRuntime: () => runtime, announce: () => undefined, timers: false });
  await seed(hub, tier);
  const app = await buildApp(hub, { webRoot });
  await app.listen({ host: '127.0.0.1', port });
  const url = `http://127.0.0.1:${port}`;
  const created = await fetch(`${url}/api/tokens`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`admin:${PASSWORD}`).toString('base64')}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'bench' }),
  });
  const { token } = (await created.json()) as { token: string };
  return {
    hub,
    url,
    token,
    async close() {
      await app.close();
      await hub.close();
      await runtime.closeAll();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The median milliseconds of N GETs of `path` (after one unmeasured), each answered 200. */
function timeGet(h: Hubbed, pathname: string): Promise<number> {
  return timeWork(async () => {
    const res = await fetch(`${h.url}${pathname}`, { headers: { authorization: `Bearer ${h.token}` } });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`${pathname}: ${res.status}`);
  });
}

/** The median milliseconds of N runs of `work` (after one unmeasured). */
async function timeWork(work: () => Promise<unknown>): Promise<number> {
  await work();
  const samples: number[] = [];
  for (let i = 0; i < N; i++) {
    const t0 = performance.now();
    await work();
    samples.push(performance.now() - t0);
  }
  return median(samples);
}

/** A cursor from the middle of the users, to time a page that is not the first. */
async function middleCursor(h: Hubbed, total: number): Promise<string> {
  const res = await fetch(`${h.url}/api/users?limit=1&username=${`member${String(Math.floor(total / 2)).padStart(5, '0')}`}`, { headers: { authorization: `Bearer ${h.token}` } });
  const { items } = (await res.json()) as { items: Array<{ username: string }> };
  return Buffer.from(JSON.stringify(['username', items[0]!.username])).toString('base64url');
}

const API: Array<[string, (h: Hubbed, tier: Tier) => Promise<string>]> = [
  ['GET /api/users (first page)', async () => '/api/users'],
  ['GET /api/users (a middle page)', async (h, tier) => `/api/users?cursor=${await middleCursor(h, tier.users)}`],
  ['GET /api/users?q=member0000', async () => '/api/users?q=member0000'],
  ['GET /api/users?sort=-created', async () => '/api/users?sort=-created'],
  ['GET /api/sandboxes?all=true (live)', async () => '/api/sandboxes?all=true'],
  ['GET /api/sandboxes?all=true&ended=true', async () => '/api/sandboxes?all=true&ended=true'],
  ['GET /api/sandboxes?all=true&ended=true&q=s1', async () => '/api/sandboxes?all=true&ended=true&q=s1'],
  ['GET /api/audit', async () => '/api/audit'],
  ['GET /api/audit?action=user.update (rare)', async () => '/api/audit?action=user.update'],
  ['GET /api/audit?result=refused (rare)', async () => '/api/audit?result=refused'],
  ['GET /api/audit?actor=member00007', async () => '/api/audit?actor=member00007'],
  ['GET /api/events', async () => '/api/events'],
  ['GET /api/usage (30 days, everyone)', async () => '/api/usage?from=2026-11-01&to=2026-11-30'],
  ['GET /api/usage (a year, everyone)', async () => '/api/usage?from=2025-12-01&to=2026-11-30'],
];

/** The Admin page in Chromium: ms from navigation to its first page of users on screen, and the heap after a collection (MiB); medians of 3. */
async function adminPage(h: Hubbed, tier: Tier): Promise<{ ms: number; heapMiB: number }> {
  const browser = await launchBrowser();
  try {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${h.url}/login?next=%2Fadmin`);
    await signInOnPage(page, 'admin', PASSWORD);
    const shown = `of ${(tier.users + 1).toLocaleString('en')}`;
    await page.getByText(shown).first().waitFor({ timeout: 120_000 });
    const times: number[] = [];
    const heaps: number[] = [];
    const cdp = await context.newCDPSession(page);
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      await page.reload();
      await page.getByText(shown).first().waitFor({ timeout: 120_000 });
      times.push(performance.now() - t0);
      await cdp.send('HeapProfiler.collectGarbage');
      heaps.push((await cdp.send('Runtime.getHeapUsage')).usedSize / 2 ** 20);
    }
    return { ms: median(times), heapMiB: median(heaps) };
  } finally {
    await browser.close();
  }
}

ensureWebBuild(webRoot);
console.log(`bench:scale  median of ${N} asks over loopback; Admin page and heap medians of 3 in Chromium (node ${process.version})`);
const results = new Map<string, number[]>();
const put = (row: string, value: number) => results.set(row, [...(results.get(row) ?? []), value]);
for (const tier of TIERS) {
  const t0 = performance.now();
  const h = await start(tier);
  process.stderr.write(`  ${tier.name}: seeded in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
  try {
    for (const [row, pathOf] of API) put(`${row} ms`, await timeGet(h, await pathOf(h, tier)));
    // The year's usage must hold every seeded sandbox: a fast answer from an empty roll-up would measure nothing.
    const year = await fetch(`${h.url}/api/usage?from=2025-12-01&to=2026-11-30`, { headers: { authorization: `Bearer ${h.token}` } });
    const counted = ((await year.json()) as { total: { sandboxes: number } }).total.sandboxes;
    if (counted !== tier.sandboxes + tier.ended) throw new Error(`usage counted ${counted} sandboxes, not ${tier.sandboxes + tier.ended}`);
    // The same year in process, from the roll-up and the former way (every sandbox row of the
    // range through accountUsage), so that what the roll-up saves shows apart from the report's
    // own size (one row per user and day) and its HTTP answer.
    const yearRange = { from: '2025-12-01', to: '2026-11-30' };
    const { start, end } = rangeBounds(yearRange);
    put('usage, a year, from the roll-up (in process) ms', await timeWork(() => usageReport(h.hub.usage, yearRange, Date.now())));
    put('usage, a year, from every sandbox row (in process) ms', await timeWork(async () => accountUsage(await h.hub.sandboxesRepo.lifetimesBetween(new Date(start).toISOString(), new Date(end).toISOString()), yearRange, Date.now())));
    const admin = await adminPage(h, tier);
    put('Admin page: first page of users shown, ms', admin.ms);
    put('Admin page: JavaScript heap, MiB', admin.heapMiB);
  } finally {
    await h.close();
  }
}
const machines = await machinesTabBytesPerMinute(50);

const header = ['', ...TIERS.map((t) => `${t.name} (${t.users.toLocaleString('en')} users, ${t.audit.toLocaleString('en')} audit, ${t.sandboxes.toLocaleString('en')} sandboxes)`), 'large/small'];
const width = Math.max(...[...results.keys()].map((k) => k.length));
console.log(`${header[0]!.padEnd(width)}  ${header.slice(1, -1).join('  ')}  ${header.at(-1)}`);
for (const [row, values] of results) {
  const cells = values.map((v, i) => v.toFixed(v < 10 ? 2 : 1).padStart(header[i + 1]!.length));
  const ratio = values.length === TIERS.length ? (values.at(-1)! / values[0]!).toFixed(2) : '-';
  console.log(`${row.padEnd(width)}  ${cells.join('  ')}  ${ratio.padStart(header.at(-1)!.length)}`);
}
console.log(`Machines tab: ${machines.describe}`);
