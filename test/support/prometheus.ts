/**
 * Real Prometheus and node_exporter for tests: each on a loopback port, with its own temporary
 * storage, stopped by the test that started it. Tests that need them run when the binaries are
 * installed, skip with a loud notice when not, and fail instead when SHIVA_REQUIRE_DOCKER=1
 * (CI installs them beside the Docker Engine).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'vitest';
import { freePort } from './hub.js';

const PROMETHEUS = ['/usr/bin/prometheus', '/usr/local/bin/prometheus'];
const NODE_EXPORTER = ['/usr/bin/prometheus-node-exporter', '/usr/local/bin/node_exporter'];

function find(candidates: string[]): string | null {
  for (const file of candidates) {
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // try the next
    }
  }
  return null;
}

/** Why the Prometheus tests cannot run here, or null when they can. */
export function prometheusUnavailableReason(): string | null {
  if (!find(PROMETHEUS)) return `no Prometheus binary (looked for ${PROMETHEUS.join(', ')}; Debian: apt-get install prometheus)`;
  if (!find(NODE_EXPORTER)) return `no node_exporter binary (looked for ${NODE_EXPORTER.join(', ')}; Debian: apt-get install prometheus-node-exporter)`;
  return null;
}

/** `describe` for suites that need Prometheus and node_exporter. */
export function describePrometheus(title: string, body: () => void): void {
  const reason = prometheusUnavailableReason();
  if (reason && process.env.SHIVA_REQUIRE_DOCKER === '1') {
    describe(title, () => {
      it('has the Prometheus binaries it needs', () => {
        throw new Error(`SHIVA_REQUIRE_DOCKER=1 but ${reason}`);
      });
    });
    return;
  }
  if (reason) console.warn(`\n!!! SKIPPING "${title}": ${reason}. Set SHIVA_REQUIRE_DOCKER=1 to make this a failure.\n`);
  describe.skipIf(reason !== null)(title, body);
}

export interface Daemon {
  /** host:port it listens on, as Prometheus's instance label names it. */
  address: string;
  url: string;
  output(): string;
  stop(): Promise<void>;
}

function start(file: string, args: string[], address: string, cleanup: () => void = () => undefined): Daemon {
  const child: ChildProcess = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = once(child, 'exit');
  return {
    address,
    url: `http://${address}`,
    output: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
      cleanup();
    },
  };
}

/** Waits until `url` answers 200, or fails with what the daemon printed. */
async function ready(daemon: Daemon, urlPath: string, timeoutMs = 30_000): Promise<Daemon> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 25; Date.now() < deadline; delay = Math.min(delay * 2, 500)) {
    try {
      if ((await fetch(`${daemon.url}${urlPath}`, { signal: AbortSignal.timeout(2000) })).ok) return daemon;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, delay));
  }
  await daemon.stop();
  throw new Error(`${daemon.url}${urlPath} did not answer within ${timeoutMs} ms:\n${daemon.output()}`);
}

export async function startNodeExporter(): Promise<Daemon> {
  const address = `127.0.0.1:${await freePort()}`;
  // The systemd collector needs a D-Bus that containers and CI machines lack; it would only log errors.
  return ready(start(find(NODE_EXPORTER)!, [`--web.listen-address=${address}`, '--no-collector.systemd'], address), '/metrics');
}

/** Prometheus with `scrapeConfigs` (YAML, the list under scrape_configs), scraping every second. */
export async function startPrometheus(scrapeConfigs: string, port?: number): Promise<Daemon> {
  const address = `127.0.0.1:${port ?? (await freePort())}`;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'shiva-prometheus-'));
  const config = path.join(dir, 'prometheus.yml');
  writeFileSync(config, `global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s\nscrape_configs:\n${scrapeConfigs}`);
  const daemon = start(
    find(PROMETHEUS)!,
    [`--config.file=${config}`, `--storage.tsdb.path=${path.join(dir, 'data')}`, `--web.listen-address=${address}`],
    address,
    () => rmSync(dir, { recursive: true, force: true }),
  );
  return ready(daemon, '/-/ready');
}
