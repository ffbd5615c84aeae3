/**
 * Culling check cost: CPU milliseconds one check of every running sandbox spends, per 100 running
 * sandboxes, at 100 and 1,000 sandboxes; the median of N checks each. The sandboxes are rows of an
 * in-memory database on a fake machine (a check that stops nothing never asks the runtime), each
 * with a few launch events and used a minute ago by a stand-in ActivityView that answers at once,
 * so what is measured is the culler's own work: reading the running rows and roles, resolving
 * each policy, one activity question each, and the decision. The baseline is the same check with
 * culling off (idleMinutes 0: rows and roles are read, nothing is asked); the ratio is printed.
 * The first check after a start also replays each sandbox's events once, measured apart.
 *
 * A third row asks the hub's own ActivityView instead (activity-view.ts): the recorder, the GPU
 * readings and, for each sandbox, Jupyter's kernels and terminals over HTTP from a loopback
 * stand-in of Notebook's API, which runs in a child process so that only the hub's side of each
 * request is counted, as it would be with real sandboxes.
 *
 *   npm run bench:culling
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import pino from 'pino';
import { parseConfig } from '../src/config/load.js';
import { RouteTable } from '../src/proxy/route-table.js';
import { ActivityRecorder } from '../src/sandboxes/activity.js';
import { hubActivityView } from '../src/sandboxes/culling/activity-view.js';
import { Culler } from '../src/sandboxes/culling/culler.js';
import { PendingStops } from '../src/sandboxes/culling/pending-stops.js';
import type { ActivityView } from '../src/sandboxes/culling/types.js';
import { SandboxEvents } from '../src/sandboxes/events.js';
import { AuditRepository } from '../src/store/audit.js';
import { now, openDatabase } from '../src/store/database.js';
import { SandboxRepository } from '../src/store/sandboxes.js';
import { UserRepository } from '../src/store/users.js';

const N = 30;
const SIZES = [100, 1000];

const standIn: ActivityView = { lastActivity: async () => ({ at: Date.now() - 60_000, kind: 'http' }) };

/**
 * Notebook's GET api/kernels and api/terminals for any sandbox, as a server with one idle kernel
 * and one terminal answers them, from a child process; resolves to its port and the process.
 */
async function jupyterStandIn(): Promise<{ port: number; child: ChildProcess }> {
  const code = `
    const http = require('node:http');
    const minute = new Date(Date.now() - 60000).toISOString();
    const kernels = JSON.stringify([{ id: 'k1', name: 'python3', last_activity: minute, execution_state: 'idle', connections: 0 }]);
    const terminals = JSON.stringify([{ name: '1', last_activity: minute }]);
    const server = http.createServer((req, res) => {
      const body = req.url.endsWith('/api/kernels') ? kernels : req.url.endsWith('/api/terminals') ? terminals : '[]';
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
    server.keepAliveTimeout = 0;
    server.listen(0, '127.0.0.1', () => process.send(server.address().port));`;
  const child = fork('-e', [code], { execArgv: [], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const [port] = (await once(child, 'message')) as [number];
  return { port, child };
}

async function world(sandboxes: number, culling: Record<string, unknown>, jupyterPort: number | null = null) {
  const config = parseConfig({ culling, images: { default: 'tiny', catalogue: [{ name: 'tiny', image: 'shiva/tiny:latest' }] } }, {});
  const db = await openDatabase(':memory:');
  const users = new UserRepository(db);
  const repo = new SandboxRepository(db);
  const events = new SandboxEvents(repo);
  const owners = [];
  for (let u = 0; u < Math.ceil(sandboxes / 3); u++) owners.push((await users.create({ username: `u${u}`, passwordHash: null, role: u % 10 === 0 ? 'admin' : 'user' }))!);
  const started = new Date(Date.now() - 10 * 60_000).toISOString();
  for (let i = 0; i < sandboxes; i++) {
    const owner = owners[Math.floor(i / 3)]!;
    const id = `bench${String(i).padStart(11, '0')}`;
    await repo.insertLaunch(
      {
        id, user_id: owner.id, username: owner.username, name: `s${i % 3}`, image: 'tiny', image_ref: 'shiva/tiny:latest', machine: 'local',
        cpus: 1, cpu_request: 0.25, memory_bytes: 2 ** 30, gpus: i % 4 === 0 ? JSON.stringify([`GPU-${i}`]) : '[]', state: 'queued', reason: null,
        container_id: null, host: null, port: null, token: 'x', created_at: now(), started_at: null, stopped_at: null, last_activity_at: null,
      },
      10,
    );
    await db.updateTable('sandboxes').set({ state: 'running', started_at: started, container_id: `c${i}`, host: '127.0.0.2', port: 40000 + i }).where('id', '=', id).execute();
    for (const step of ['Queued on local', 'Creating the container', 'Starting the container', 'Ready in 0.4 s']) await events.record(id, 'running', step);
  }
  let activity = standIn;
  if (jupyterPort !== null) {
    const routes = new RouteTable();
    for (const row of await repo.live()) routes.set({ sandboxId: row.id, user: row.username, name: row.name, target: { host: '127.0.0.1', port: jupyterPort }, token: 'x' });
    activity = hubActivityView({ activity: new ActivityRecorder(), routes, machines: { onGpuReading: () => undefined }, log: pino({ level: 'silent' }) }).view;
  }
  const culler = new Culler({
    config,
    repo,
    users,
    activity,
    events,
    stop: async () => false,
    audit: new AuditRepository(db),
    pending: new PendingStops(),
    counted: () => undefined,
    log: pino({ level: 'silent' }),
  });
  return { culler, close: () => db.destroy() };
}

/** CPU ms (user + system) of one call. */
async function cpuMs(work: () => Promise<unknown>): Promise<number> {
  const before = process.cpuUsage();
  await work();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

console.log(`bench:culling one check of every running sandbox, CPU ms per 100 sandboxes, median of ${N} (node ${process.version})`);
// A warm-up round, so the first size measured does not pay for the JIT.
for (const culling of [{ idleMinutes: 0 }, { idleMinutes: 60 }]) {
  const w = await world(100, culling);
  for (let i = 0; i < N; i++) await w.culler.check();
  await w.close();
}
const jupyter = await jupyterStandIn();
for (const size of SIZES) {
  const results: Record<string, { first: number; perCheck: number }> = {};
  const on = { idleMinutes: 60, maxAgeHours: 24 };
  for (const [label, culling, port] of [['off', { idleMinutes: 0 }, null], ['on', on, null], ['hub', on, jupyter.port]] as const) {
    const w = await world(size, culling, port);
    const first = await cpuMs(() => w.culler.check());
    const samples: number[] = [];
    for (let i = 0; i < N; i++) samples.push(await cpuMs(() => w.culler.check()));
    results[label] = { first: (first * 100) / size, perCheck: (median(samples) * 100) / size };
    await w.close();
  }
  const { on: withStandIn, off, hub } = results as Record<'on' | 'off' | 'hub', { first: number; perCheck: number }>;
  console.log(
    `${String(size).padStart(5)} sandboxes: culling on ${withStandIn.perCheck.toFixed(3)} ms/100 per check (first check after start ${withStandIn.first.toFixed(3)}), ` +
      `baseline culling off ${off.perCheck.toFixed(3)} ms/100, ratio ${(withStandIn.perCheck / off.perCheck).toFixed(2)}x; ` +
      `with the hub's activity view and loopback Jupyter ${hub.perCheck.toFixed(3)} ms/100, ratio ${(hub.perCheck / off.perCheck).toFixed(2)}x`,
  );
}
jupyter.child.kill();
