/**
 * How fast the `shiva` command starts, and how fast `npm start` answers. Prints, in one run:
 *
 * - the median wall time of `node -e 0` (the baseline: Node itself), of `node dist/main.js
 *   <verb> --help` for a few verbs, of importing the server module (what every verb paid
 *   when main.ts imported the whole hub), and of real verbs (`ls`, `machines`) against a
 *   running hub, each with its ratio to the baseline;
 * - the time from `npm start` to the first answer of /api/health, on a first start (the
 *   build stamp removed, so everything is built) and a second one (nothing changed).
 *
 *   npm run bench:cli                 # everything
 *   npm run bench:cli -- --no-npm-start   # the verbs only (no rebuild)
 *
 * Needs a Docker Engine for the hub (it reads the machine's figures); runs its hubs on free
 * ports with throwaway data directories.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const main = path.join(root, 'dist/main.js');
const RUNS = 15;
const ADMIN_PASSWORD = 'bench-cli-admin-password';

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/** Median wall milliseconds of running `args` with node, RUNS times; fails on a non-zero exit. */
function time(args: string[], env: NodeJS.ProcessEnv = process.env): number {
  const samples: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    const result = spawnSync(process.execPath, args, { cwd: root, env, stdio: ['ignore', 'ignore', 'pipe'] });
    samples.push(performance.now() - started);
    if (result.status !== 0) throw new Error(`node ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  }
  return median(samples);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/** Polls /api/health until it answers 200; returns the milliseconds since `started`. */
async function firstAnswer(url: string, started: number, child: ReturnType<typeof spawn>): Promise<number> {
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the hub exited with ${child.exitCode} before answering`);
    try {
      if ((await fetch(`${url}/api/health`)).ok) return performance.now() - started;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Starts `command` in its own process group with a fresh data directory; returns how to stop it. */
async function startHub(command: string, args: string[]): Promise<{ url: string; ms: number; stop: () => Promise<void> }> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'shiva-bench-cli-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const started = performance.now();
  const child = spawn(command, [...args, '--port', String(port)], {
    cwd: root,
    env: { ...process.env, SHIVA_DATA_DIR: dataDir, SHIVA_ADMIN_PASSWORD: ADMIN_PASSWORD, SHIVA_CONFIG: '' },
    stdio: 'ignore',
    detached: true,
  });
  const ms = await firstAnswer(url, started, child);
  return {
    url,
    ms,
    stop: async () => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      process.kill(-child.pid!, 'SIGTERM');
      await exited;
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function benchmark(): Promise<void> {
  const withNpmStart = !process.argv.includes('--no-npm-start');
  const build = spawnSync(process.execPath, [path.join(root, 'scripts/build-if-changed.mjs')], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) throw new Error('the build failed');

  const rows: Array<[string, number]> = [];
  const baseline = time(['-e', '0']);
  rows.push(['node -e 0 (baseline)', baseline]);
  for (const verb of ['ls', 'launch', 'users set-password']) rows.push([`shiva ${verb} --help`, time([main, ...verb.split(' '), '--help'])]);
  rows.push(['import dist/server.js (every verb, before)', time(['--input-type=module', '-e', `await import(${JSON.stringify(path.join(root, 'dist/server.js'))})`])]);

  const hub = await startHub(process.execPath, [main, 'serve']);
  try {
    const made = await fetch(`${hub.url}/api/tokens`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`admin:${ADMIN_PASSWORD}`).toString('base64')}`, 'content-type': 'application/json' },
      body: '{"name":"bench"}',
    });
    const { token } = (await made.json()) as { token: string };
    const env = { ...process.env, SHIVA_URL: hub.url, SHIVA_TOKEN: token, SHIVA_CREDENTIALS: path.join(os.tmpdir(), 'shiva-bench-none.json') };
    rows.push(['shiva ls (against a hub)', time([main, 'ls'], env)]);
    rows.push(['shiva machines (against a hub)', time([main, 'machines'], env)]);
  } finally {
    await hub.stop();
  }

  console.log(`\nshiva command start, median of ${RUNS} runs (wall ms; ratio to node -e 0)`);
  for (const [what, ms] of rows) console.log(`  ${what.padEnd(46)} ${ms.toFixed(0).padStart(6)} ms  ${(ms / baseline).toFixed(2)}x`);

  if (!withNpmStart) return;
  // The first start finds no build stamp, so it builds everything, as after a fresh clone.
  rmSync(path.join(root, 'dist/.build-stamp.json'), { force: true });
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const first = await startHub(npm, ['start', '--silent', '--']);
  await first.stop();
  const second = await startHub(npm, ['start', '--silent', '--']);
  await second.stop();
  const direct = await startHub(process.execPath, [main, 'serve']);
  await direct.stop();
  console.log('\nnpm start to the first answer of /api/health (wall ms, one start each)');
  console.log(`  first start (builds everything)                ${first.ms.toFixed(0).padStart(6)} ms`);
  console.log(`  second start (nothing changed)                 ${second.ms.toFixed(0).padStart(6)} ms`);
  console.log(`  node dist/main.js serve (no npm, no check)     ${direct.ms.toFixed(0).padStart(6)} ms`);
}

benchmark().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
