/**
 * How soon a sandbox whose container dies is seen to have ended, in one run on this machine:
 * a real hub on the real Docker Engine launches a tiny sandbox, the bench kills its container
 * (`docker kill`, from outside, as an operator or the kernel would), and measures from the
 * container's death (the engine's `die` event time) to the sandbox's `stopped` event in the hub.
 * The hub runs no periodic reconcile, so only the exit watcher (src/sandboxes/exits.ts) can see it.
 *
 * The baseline is what a hub with only the periodic reconcile would take: a death waits for the
 * next pass, up to sandboxes.reconcileIntervalSeconds (half of it on median). Budget: under 2 s.
 *
 *   npm run bench:exits [-- --rounds 10] [--image shiva/tiny:latest]
 */
import { execFile } from 'node:child_process';
import os from 'node:os';
import { parseArgs, promisify } from 'node:util';
import { parseConfig } from '../src/config/load.js';
import { DockerRuntime } from '../src/runtime/docker/docker-runtime.js';
import { LABELS } from '../src/runtime/types.js';
import { startTestHub, testCatalogue } from '../test/support/hub.js';
import { waitForState } from '../test/support/wait.js';

const run = promisify(execFile);
const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '10' },
    image: { type: 'string', default: 'shiva/tiny:latest' },
  },
});
const rounds = Number(values.rounds);

const quantile = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  const at = (s.length - 1) * q;
  const lo = Math.floor(at);
  return s[lo]! + (s[Math.min(lo + 1, s.length - 1)]! - s[lo]!) * (at - lo);
};

async function main(): Promise<void> {
  const intervalSeconds = parseConfig({}, { ...process.env, SHIVA_DATA_DIR: '' }).sandboxes.reconcileIntervalSeconds;
  const t = await startTestHub({
    timers: false,
    config: { images: { ...testCatalogue, catalogue: [{ name: 'tiny', image: values.image!, description: 'bench' }] } },
  });
  // The bench's own view of the engine's events: when each container died, by the engine's clock.
  const deaths = new Map<string, number>();
  const following = new AbortController();
  const runtime = new DockerRuntime();
  const since = (BigInt(Date.now() - 1000) * 1_000_000n).toString();
  const follow = (async () => {
    for await (const e of runtime.events({ labels: { [LABELS.deployment]: t.hub.deploymentId }, since, signal: following.signal })) {
      if (e.action === 'die') deaths.set(e.containerId, Number(BigInt(e.cursor) / 1000n) / 1000);
    }
  })();
  const ended = new Map<string, number>();
  const unsubscribe = t.hub.events.subscribe('*', (event) => {
    if (event.state === 'stopped') ended.set(event.sandboxId, Date.now());
  });
  try {
    console.log(`bench:exits image=${values.image} rounds=${rounds} (node ${process.version}, ${os.cpus().length} CPUs)`);
    const token = await t.user('bench');
    const samples: number[] = [];
    const reasons = new Set<string>();
    for (let round = 1; round <= rounds; round++) {
      const launched = await t.api<{ id: string }>(token, 'POST', '/api/sandboxes', { name: `exit${round}` });
      const sandbox = await waitForState<{ id: string; state: string; reason: string | null }>(t, token, launched.body.id, 'running');
      const container = (await t.hub.sandboxesRepo.byId(sandbox.id))!.container_id!;
      await run('docker', ['kill', container]);
      const deadline = Date.now() + 60_000;
      while (!(ended.has(sandbox.id) && deaths.has(container)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
      if (!ended.has(sandbox.id) || !deaths.has(container)) throw new Error(`round ${round}: the sandbox was not seen to end within 60 s`);
      samples.push(ended.get(sandbox.id)! - deaths.get(container)!);
      reasons.add((await t.hub.sandboxesRepo.byId(sandbox.id))!.reason ?? '');
    }
    const median = quantile(samples, 0.5);
    const p90 = quantile(samples, 0.9);
    const fmt = samples.map((x) => x.toFixed(0)).join(', ');
    console.log(`container death → sandbox stopped (exit watcher)   median ${median.toFixed(0)} ms   p90 ${p90.toFixed(0)} ms   [${fmt}]`);
    console.log(`periodic reconcile only (sandboxes.reconcileIntervalSeconds ${intervalSeconds} s)   up to ${intervalSeconds * 1000} ms, median ${(intervalSeconds * 500).toFixed(0)} ms`);
    console.log(`ratio reconcile-only median / watcher median: ${((intervalSeconds * 500) / median).toFixed(0)}×; budget under 2000 ms: ${p90 < 2000 ? 'met' : 'NOT met'}`);
    console.log(`reasons: ${[...reasons].join(' | ')}`);
  } finally {
    unsubscribe();
    following.abort();
    await follow.catch(() => undefined);
    await t.close();
  }
}

await main();
