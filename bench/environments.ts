/**
 * What saved environments cost, on the real engine and a registry on loopback (Debian's
 * docker-registry, as the tests start it). Prints, with medians over RUNS:
 *
 * - save: the time of Runtime.commit and pushImage of a notebook sandbox with 100 MB of new
 *   files (random, so they do not compress), and the size pushed; the first save of a run also
 *   pushes the base image's layers, the others find them in the registry;
 * - launch from a saved environment on a machine that has the base layers but not the saved
 *   one (the hub's pull, then `docker run` until the server answers) against a bare
 *   `docker run` of the same image already present: the ratio is what the pull adds;
 * - pull throughput from the registry (what a pre-pull gets): a 200 MB random layer pulled.
 *
 *   npm run bench:environments
 *
 * Needs root (the registry) and shiva/notebook and shiva/tiny (scripts/build-images.sh).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { RegistryClient } from '../src/registry/client.js';
import { DockerRuntime } from '../src/runtime/docker/docker-runtime.js';
import { startRegistry } from '../test/support/registry.js';

const RUNS = 3;
const NOTEBOOK = 'shiva/notebook:latest';
const TINY = 'shiva/tiny:latest';
const MB = 1024 * 1024;

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const docker = (args: string[]): string => execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/** Starts the notebook image as the hub would (token, any uid) and waits for its server; returns the container id and the time it took. */
async function runUntilReady(image: string): Promise<{ id: string; ms: number }> {
  const started = performance.now();
  const id = docker(['run', '-d', '-e', 'JUPYTER_TOKEN=bench', '-e', 'SHIVA_USER=bench', '--user', '1234:1234', '--tmpfs', '/home/shiva:uid=1234', '-p', '127.0.0.1::8888', image]);
  const port = docker(['port', id, '8888/tcp']).split(':').at(-1)!;
  for (;;) {
    const ok = await fetch(`http://127.0.0.1:${port}/api/status`, { headers: { authorization: 'token bench' } }).then((r) => r.ok, () => false);
    if (ok) return { id, ms: performance.now() - started };
    if (performance.now() - started > 120_000) throw new Error(`${image} did not answer in 120 s`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function main(): Promise<void> {
  const registry = await startRegistry({ deletes: true });
  const runtime = new DockerRuntime();
  const client = new RegistryClient({ url: registry.url });
  const made: string[] = [];
  const containers: string[] = [];
  try {
    const base = (await runtime.inspectImage(NOTEBOOK))!;
    console.log(`engine ${(await runtime.info()).version}; registry on loopback; ${RUNS} runs each\n`);

    // Save: commit and push of a sandbox with 100 MB of new files.
    const saveMs: number[] = [];
    const sizes: number[] = [];
    let firstSave = '';
    for (let i = 0; i < RUNS; i++) {
      const box = await runUntilReady(NOTEBOOK);
      containers.push(box.id);
      docker(['exec', '-u', '0', box.id, 'sh', '-c', 'mkdir -p /opt/payload && head -c 104857600 /dev/urandom > /opt/payload/data']);
      const ref = `${registry.host}/shiva/envs/bench/env:run${i}`;
      made.push(ref);
      const started = performance.now();
      await runtime.commit(box.id, { ref, config: base.config, pause: false, flatten: false });
      await runtime.pushImage(ref, () => {});
      const ms = performance.now() - started;
      const manifest = await client.manifest('shiva/envs/bench/env', `run${i}`);
      if (i === 0) firstSave = `first save (base layers pushed too): ${seconds(ms)}, ${(manifest.sizeBytes / MB).toFixed(0)} MB in the registry`;
      else {
        saveMs.push(ms);
        sizes.push(manifest.sizeBytes);
      }
    }
    console.log('save (notebook image + 100 MB of new files)');
    console.log(`  ${firstSave}`);
    console.log(`  later saves (base layers already there): median ${seconds(median(saveMs))}; image ${(median(sizes) / MB).toFixed(0)} MB, of which new ~100 MB`);

    // Launch from the saved environment on a machine that has the base layers, against a bare run of it.
    const fromSaved: number[] = [];
    const bare: number[] = [];
    const saved = made[1]!;
    for (let i = 0; i < RUNS; i++) {
      docker(['rmi', saved]);
      const started = performance.now();
      await runtime.pullImage(saved, () => {});
      const box = await runUntilReady(saved);
      fromSaved.push(performance.now() - started);
      docker(['rm', '-f', box.id]);
      const again = await runUntilReady(saved);
      bare.push(again.ms);
      docker(['rm', '-f', again.id]);
    }
    console.log('\nlaunch until the server answers');
    console.log(`  bare docker run of the saved image (present):           median ${seconds(median(bare))}`);
    console.log(`  from the registry (pull of the saved layer, then run):  median ${seconds(median(fromSaved))}  (${(median(fromSaved) / median(bare)).toFixed(2)}× bare)`);

    // Pull throughput: a 200 MB random layer on the tiny image.
    const context = path.join(registry.dir, 'pull-context');
    mkdirSync(context);
    writeFileSync(path.join(context, 'Dockerfile'), `FROM ${TINY}\nCOPY blob /blob\n`);
    writeFileSync(path.join(context, 'blob'), randomBytes(200 * MB));
    const blobRef = `${registry.host}/shiva/bench-blob:latest`;
    made.push(blobRef);
    execFileSync('docker', ['build', '-q', '-t', blobRef, context], { env: { ...process.env, DOCKER_BUILDKIT: '0' }, stdio: 'ignore' });
    await runtime.pushImage(blobRef, () => {});
    // Random bytes do not compress: the layer the pull fetches is 200 MB (the tiny base is local).
    const layerBytes = 200 * MB;
    const pullMs: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      docker(['rmi', blobRef]);
      const started = performance.now();
      await runtime.pullImage(blobRef, () => {});
      pullMs.push(performance.now() - started);
    }
    console.log('\npull from the loopback registry (a pre-pull)');
    console.log(`  200 MB layer: median ${seconds(median(pullMs))}, ${((layerBytes / MB) / (median(pullMs) / 1000)).toFixed(0)} MB/s`);
  } finally {
    for (const id of containers) execFileSync('docker', ['rm', '-f', id], { stdio: 'ignore' });
    for (const ref of made) execFileSync('docker', ['rmi', '-f', ref], { stdio: 'ignore' });
    await registry.close();
  }
}

await main();
