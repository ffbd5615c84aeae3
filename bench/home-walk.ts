/**
 * Measuring homes: how long the `du` job of the measure backend takes over a home of 100,000
 * small files and over one of 10 GB of large files, cold (the filesystem just mounted, nothing
 * cached) and warm, and the hub's API latency (GET /api/me, median and p99) during each walk
 * against without one, all in one run on the real engine.
 *
 * The homes live on a fresh ext4 filesystem in a sparse image file, loop-mounted as homes.root:
 * unmounting it drops its cache between cold runs, and removing 100k files is one umount instead
 * of minutes of unlinks. The large files are made with fallocate, so their blocks are allocated
 * (a sparse file would have none to count). Needs root (mount) and Docker.
 *
 *   npm run bench:home-walk [-- --runs 3]
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { MeasureEnforcer } from '../src/quota/measure.js';
import { startTestHub, type TestHub } from '../test/support/hub.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' } } });
const RUNS = Number(values.runs);
const SMALL_FILES = 100_000;
const LARGE_GB = 10;

const sh = (file: string, args: string[]) => execFileSync(file, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const p99 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.99))]!;

const work = mkdtempSync(path.join(os.tmpdir(), 'shiva-bench-walk-'));
const dataDir = path.join(work, 'data');
const homes = path.join(dataDir, 'homes');
const image = path.join(work, 'homes.ext4');
let mounted = false;
let t: TestHub | undefined;

function mountHomes(): void {
  sh('mount', ['-o', 'loop', image, homes]);
  mounted = true;
}
function unmountHomes(): void {
  if (mounted) sh('umount', [homes]);
  mounted = false;
}

/** Sequential GET /api/me until `done()`, at least `atLeast` of them; the latency of each in ms. */
async function latencies(token: string, done: () => boolean, atLeast: number): Promise<number[]> {
  const times: number[] = [];
  while (times.length < atLeast || !done()) {
    const started = performance.now();
    const res = await fetch(`${t!.url}/api/me`, { headers: { authorization: `Bearer ${token}` } });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`GET /api/me answered ${res.status}`);
    times.push(performance.now() - started);
  }
  return times;
}

async function main(): Promise<void> {
  mkdirSync(homes, { recursive: true, mode: 0o700 });
  sh('chmod', ['0700', dataDir]);
  sh('truncate', ['-s', `${LARGE_GB + 6}G`, image]);
  sh('mkfs.ext4', ['-q', '-F', '-N', '400000', image]);
  mountHomes();
  t = await startTestHub({ dataDir });
  const token = await t.user('walker');

  console.log(`bench:home-walk on ${os.cpus().length} CPUs, ext4 in a loop file, ${RUNS} runs each (node ${process.version})`);
  const made = performance.now();
  mkdirSync(path.join(homes, 'small', 'many'), { recursive: true });
  execFileSync('sh', ['-c', `head -c ${SMALL_FILES} /dev/zero | split -b 1 -a 5 - f`], { cwd: path.join(homes, 'small', 'many') });
  mkdirSync(path.join(homes, 'large'), { recursive: true });
  for (let i = 0; i < LARGE_GB; i++) sh('fallocate', ['-l', '1G', path.join(homes, 'large', `part-${i}`)]);
  sh('sync', []);
  console.log(`made the homes in ${((performance.now() - made) / 1000).toFixed(1)} s`);

  const enforcer = new MeasureEnforcer({
    homesRoot: homes,
    timeoutMs: 600_000,
    jobs: () => t!.hub.machines.homesMachine().jobs,
  });
  mkdirSync(path.join(homes, 'empty'));
  await latencies(token, () => true, 2000); // warm-up: JIT, connection pool
  const allIdle: number[] = [];

  const homesToWalk = [
    ['empty', 'an empty folder: the fixed cost of a job'],
    ['small', `${SMALL_FILES / 1000}k files of 1 byte`],
    ['large', `${LARGE_GB} GB in 1 GiB fallocated files`],
  ] as const;
  for (const [home, what] of homesToWalk) {
    for (const cold of [true, false]) {
      const seconds: number[] = [];
      const during: number[] = [];
      // The hub idle, just before each walk: the baseline the walk's latencies are compared with.
      const idle: number[] = [];
      let bytes = 0;
      for (let run = 0; run < RUNS; run++) {
        if (cold) {
          unmountHomes();
          mountHomes();
        }
        idle.push(...(await latencies(token, () => true, 300)));
        let done = false;
        const started = performance.now();
        const walk = enforcer.measure([{ userId: 0, username: home }]).finally(() => (done = true));
        during.push(...(await latencies(token, () => done, 1)));
        const figures = await walk;
        seconds.push((performance.now() - started) / 1000);
        bytes = figures.get(home)!;
      }
      allIdle.push(...idle);
      console.log(
        `${home} home (${what}), ${cold ? 'cold' : 'warm'}: ${(bytes / 1024 ** 3).toFixed(3)} GiB measured in median ${median(seconds).toFixed(2)} s ` +
          `[${seconds.map((s) => s.toFixed(2)).join(', ')}]\n` +
          `    GET /api/me idle: median ${median(idle).toFixed(2)} ms, p99 ${p99(idle).toFixed(2)} ms (${idle.length}); ` +
          `during the walk: median ${median(during).toFixed(2)} ms (x${(median(during) / median(idle)).toFixed(2)}), ` +
          `p99 ${p99(during).toFixed(2)} ms (x${(p99(during) / p99(idle)).toFixed(2)}) (${during.length})`,
      );
    }
  }
  console.log(`GET /api/me idle over the whole run: median ${median(allIdle).toFixed(2)} ms, p99 ${p99(allIdle).toFixed(2)} ms (${allIdle.length} requests)`);
}

try {
  await main();
} finally {
  await t?.close().catch((err: Error) => console.error(`closing the hub: ${err.message}`));
  try {
    unmountHomes();
  } catch (err) {
    console.error(`umount ${homes}: ${(err as Error).message}`);
  }
  rmSync(work, { recursive: true, force: true });
}
