/**
 * Launch speed, in one run on this machine:
 *  1. the median time from POST /api/sandboxes to the first 200 through the hub's proxy, against
 *     a bare `docker run` of the same image until its server answers (same readiness poll);
 *  2. 20 concurrent launches by 20 users: all running, total wall time, none failed.
 *
 *   npm run bench:spawn [-- --image notebook|tiny] [--rounds 7] [--concurrent 20]
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, chownSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { startTestHub, type TestHub } from '../test/support/hub.js';

const run = promisify(execFile);
const { values } = parseArgs({
  options: {
    image: { type: 'string', default: 'notebook' },
    rounds: { type: 'string', default: '7' },
    concurrent: { type: 'string', default: '20' },
  },
});
const IMAGES: Record<string, string> = { notebook: 'shiva/notebook:latest', tiny: 'shiva/tiny:latest' };
const imageName = values.image!;
const imageRef = IMAGES[imageName];
if (!imageRef) throw new Error(`--image must be one of ${Object.keys(IMAGES).join(', ')}`);
const rounds = Number(values.rounds);
const concurrent = Number(values.concurrent);

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls a URL until it answers 200, with the same fast backoff the hub uses for readiness. */
async function firstOk(url: string, headers: Record<string, string>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let delay = 10;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url, { headers });
      await res.arrayBuffer();
      if (res.status === 200) return;
    } catch {
      // Not up yet.
    }
    await sleep(delay);
    delay = Math.min(200, Math.ceil(delay * 1.5));
  }
  throw new Error(`${url} did not answer 200 within ${timeoutMs} ms`);
}

async function bareDockerRun(round: number, home: string): Promise<number> {
  const base = `/user/bench/bare${round}/`;
  const t0 = performance.now();
  const { stdout } = await run('docker', [
    'run', '-d', '--rm', '-p', '127.0.0.1::8888', '-e', 'JUPYTER_TOKEN=bench-token', '-e', `SHIVA_BASE_URL=${base}`,
    '-v', `${home}:/home/shiva`, '--label', 'org.shiva.bench=spawn', imageRef!,
  ]);
  const id = stdout.trim();
  try {
    const { stdout: port } = await run('docker', ['port', id, '8888/tcp']);
    const hostPort = port.trim().split('\n')[0]!.split(':').pop();
    await firstOk(`http://127.0.0.1:${hostPort}${base}api`, { authorization: 'token bench-token' });
    return performance.now() - t0;
  } finally {
    await run('docker', ['rm', '-f', id]);
  }
}

async function shivaLaunch(t: TestHub, token: string, user: string, name: string): Promise<number> {
  const t0 = performance.now();
  const res = await t.api<{ id: string; state: string }>(token, 'POST', '/api/sandboxes', { name, image: imageName });
  if (res.status !== 202) throw new Error(`launch answered ${res.status}: ${JSON.stringify(res.body)}`);
  await firstOk(`${t.url}/user/${user}/${name}/api`, { authorization: `Bearer ${token}` });
  const elapsed = performance.now() - t0;
  const stopped = await t.api<{ state: string }>(token, 'DELETE', `/api/sandboxes/${res.body.id}`);
  if (stopped.body.state !== 'stopped') throw new Error(`stop left ${name} ${stopped.body.state}`);
  return elapsed;
}

async function main(): Promise<void> {
  const t = await startTestHub({ config: { sandboxes: { defaults: { cpus: 1, memoryGiB: 1 }, maxPerUser: 3, stopTimeoutSeconds: 2 } } });
  const home = mkdtempSync(path.join(os.tmpdir(), 'shiva-bench-home-'));
  chownSync(home, 1000, 1000);
  try {
    console.log(`bench:spawn image=${imageRef} rounds=${rounds} (node ${process.version}, ${os.cpus().length} CPUs)`);
    const token = await t.user('bench');
    // Warm-up: first container start pays for page cache and engine warm-up on both sides.
    await bareDockerRun(0, home);
    await shivaLaunch(t, token, 'bench', 'warm');
    const bare: number[] = [];
    const shiva: number[] = [];
    for (let i = 1; i <= rounds; i++) {
      // Alternate the order so drift on a noisy machine hits both alike.
      if (i % 2) {
        bare.push(await bareDockerRun(i, home));
        shiva.push(await shivaLaunch(t, token, 'bench', `r${i}`));
      } else {
        shiva.push(await shivaLaunch(t, token, 'bench', `r${i}`));
        bare.push(await bareDockerRun(i, home));
      }
    }
    const fmt = (xs: number[]) => xs.map((x) => x.toFixed(0)).join(' ');
    console.log(`bare docker run → first 200      median ${median(bare).toFixed(0)} ms   [${fmt(bare)}]`);
    console.log(`POST /api/sandboxes → 200 via proxy median ${median(shiva).toFixed(0)} ms   [${fmt(shiva)}]`);
    console.log(`ratio shiva/bare: ${(median(shiva) / median(bare)).toFixed(2)} (budget ≤ 1.30)`);

    const tokens = await Promise.all(Array.from({ length: concurrent }, (_, i) => t.user(`user${i + 1}`)));
    const t0 = performance.now();
    const launched = await Promise.all(
      tokens.map((tok) => t.api<{ id: string }>(tok, 'POST', '/api/sandboxes', { name: 'main', image: imageName })),
    );
    const outcomes = await Promise.all(
      launched.map(async (res, i) => {
        if (res.status !== 202) return `refused ${res.status}`;
        try {
          await firstOk(`${t.url}/user/user${i + 1}/main/api`, { authorization: `Bearer ${tokens[i]}` }, 180_000);
          return 'running';
        } catch (err) {
          const state = await t.api<{ state: string; reason: string }>(tokens[i]!, 'GET', `/api/sandboxes/${res.body.id}`);
          return `${state.body.state}: ${state.body.reason ?? (err as Error).message}`;
        }
      }),
    );
    const wall = performance.now() - t0;
    const running = outcomes.filter((o) => o === 'running').length;
    console.log(`${concurrent} concurrent launches by ${concurrent} users: ${running} running, ${concurrent - running} failed, wall ${(wall / 1000).toFixed(1)} s`);
    for (const o of outcomes.filter((x) => x !== 'running')) console.log(`  failed: ${o}`);
    await Promise.all(launched.map((res, i) => t.api(tokens[i]!, 'DELETE', `/api/sandboxes/${res.body.id}`)));
  } finally {
    await t.close();
    rmSync(home, { recursive: true, force: true });
  }
}

await main();
