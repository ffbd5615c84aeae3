/**
 * Scheduler speed: 10,000 launch requests placed over 1,000 simulated machines with 8 GPUs
 * each, with both policies, in one run; prints decisions per second and p50/p99 per decision.
 * Sandboxes end as others start (a steady state of about 6,000 live), as on a busy cluster.
 *
 *   npm run bench:scheduler
 */
import { Ledger } from '../src/scheduler/ledger.js';
import type { MachineCapacity, Policy } from '../src/scheduler/place.js';

const GiB = 1024 ** 3;
const MACHINES = 1000;
const REQUESTS = 10_000;
const LIVE = 6000;

const machines: MachineCapacity[] = Array.from({ length: MACHINES }, (_, i) => ({
  name: `m${i}`,
  up: i % 97 !== 0, // a few are down
  cpus: 64,
  memoryBytes: 512 * GiB,
  gpus: Array.from({ length: 8 }, (_, g) => `m${i}-gpu${g}`),
}));

/** A fixed pseudo-random sequence, so both policies see the same requests. */
function requests(): Array<{ cpus: number; memoryBytes: number; gpus: number }> {
  let seed = 42;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  return Array.from({ length: REQUESTS }, () => ({
    cpus: [1, 2, 4, 8][Math.floor(rnd() * 4)]!,
    memoryBytes: [4, 8, 16, 64][Math.floor(rnd() * 4)]! * GiB,
    gpus: [0, 0, 1, 1, 2, 4, 8][Math.floor(rnd() * 7)]!,
  }));
}

function run(policy: Policy): { perSecond: number; p50: number; p99: number; placed: number } {
  const ledger = new Ledger(() => machines, policy);
  const times: number[] = [];
  let placed = 0;
  const live: string[] = [];
  requests().forEach((request, i) => {
    const id = `s${i}`;
    const t0 = performance.now();
    const result = ledger.reserve(id, request);
    times.push(performance.now() - t0);
    if (result.ok) {
      placed++;
      live.push(id);
      if (live.length > LIVE) ledger.release(live.shift()!);
    }
  });
  const total = times.reduce((a, b) => a + b, 0);
  times.sort((a, b) => a - b);
  return { perSecond: REQUESTS / (total / 1000), p50: times[Math.floor(times.length * 0.5)]!, p99: times[Math.floor(times.length * 0.99)]!, placed };
}

console.log(`bench:scheduler ${REQUESTS} requests, ${MACHINES} machines x 8 GPUs, up to ${LIVE} live sandboxes (node ${process.version})`);
run('pack'); // warm-up
const results = { pack: run('pack'), spread: run('spread') };
for (const [policy, r] of Object.entries(results)) {
  console.log(
    `${policy.padEnd(6)} ${Math.round(r.perSecond).toString().padStart(7)} decisions/s   p50 ${(r.p50 * 1000).toFixed(0)} µs   p99 ${(r.p99 * 1000).toFixed(0)} µs   placed ${r.placed}`,
  );
}
console.log(`ratio spread/pack decisions/s: ${(results.spread.perSecond / results.pack.perSecond).toFixed(2)}`);
