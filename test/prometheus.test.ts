/**
 * With a real Prometheus scraping a real node_exporter and the hub's own /metrics: the hub reads
 * this machine's usage through PromQL, and its own series reach Prometheus through a scrape
 * authenticated with a metrics:read token, as docs/metrics.md tells operators to set it up.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Machine, MachineHistoryPage } from '../src/contract/api.js';
import { HostUsageReader } from '../src/machines/host-usage.js';
import { PromQL } from '../src/machines/sources/promql.js';
import { FakeRuntime } from '../src/runtime/fake/fake-runtime.js';
import { panelExpressions, readDashboard } from './support/grafana.js';
import { freePort, startTestHub, type TestHub } from './support/hub.js';
import { describePrometheus, startNodeExporter, startPrometheus, type Daemon } from './support/prometheus.js';

/** Polls with a short, growing delay until `probe` gives a value; Prometheus needs a few scrapes. */
async function eventually<T>(probe: () => Promise<T | undefined>, what: string, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (let delay = 100; ; delay = Math.min(delay * 2, 1000)) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}

describePrometheus('a real Prometheus', () => {
  let nodeExporter: Daemon;
  let prometheus: Daemon | undefined;
  let t: TestHub;
  let runtime: FakeRuntime;
  let promql: PromQL;

  beforeAll(async () => {
    nodeExporter = await startNodeExporter();
    const prometheusPort = await freePort();
    runtime = new FakeRuntime();
    t = await startTestHub({
      makeRuntime: () => runtime,
      config: {
        // A machine reached over TCP: the hub cannot read its /proc, so its usage comes through PromQL.
        machines: [{ name: 'gpu1', docker: 'tcp://127.0.0.1:2375', prometheus: { instance: nodeExporter.address } }],
        prometheus: { url: `http://127.0.0.1:${prometheusPort}`, timeoutSeconds: 5 },
      },
    });
    const scraper = await t.api<{ token: string }>(t.adminToken, 'POST', '/api/tokens', { name: 'prometheus', scopes: ['metrics:read'] });
    const hubAddress = new URL(t.url).host;
    prometheus = await startPrometheus(
      [
        '  - job_name: node',
        '    static_configs:',
        `      - targets: ['${nodeExporter.address}']`,
        '  - job_name: shiva',
        '    authorization:',
        `      credentials: ${scraper.body.token}`,
        '    static_configs:',
        `      - targets: ['${hubAddress}']`,
        '',
      ].join('\n'),
      prometheusPort,
    );
    promql = new PromQL({ url: prometheus.url, timeoutSeconds: 5 });
  });

  afterAll(async () => {
    await prometheus?.stop();
    await nodeExporter?.stop();
    await t?.close();
    await runtime?.closeAll();
  });

  it("reads a machine's usage from node_exporter's series, as the hub's own reader sees this one", async () => {
    // The machine is reached over TCP, so the hub cannot read its /proc: its health check asks Prometheus.
    const machine = await eventually(async () => {
      await t.hub.machines.refresh();
      const [m] = (await t.api<Machine[]>(t.adminToken, 'GET', '/api/machines')).body;
      return m?.usage ? m : undefined;
    }, 'a usage reading through Prometheus');
    const usage = machine.usage!;
    expect(usage.source).toBe('prometheus');
    expect(machine.usageError).toBeNull();
    expect(usage.cpuPercent).toBeGreaterThanOrEqual(0);
    expect(usage.cpuPercent).toBeLessThanOrEqual(100);
    expect(usage.memoryUsedBytes).toBeGreaterThan(0);
    expect(usage.diskTotalBytes).toBeGreaterThan(0);
    expect(usage.diskUsedBytes).toBeGreaterThan(0);
    expect(usage.diskUsedBytes).toBeLessThanOrEqual(usage.diskTotalBytes);
    // node_exporter and the hub read the same root file system of the same machine.
    const host = await new HostUsageReader('/').read();
    expect(usage.diskTotalBytes).toBe(host.diskTotalBytes);
    expect(usage.memoryUsedBytes).toBeLessThan(host.memoryTotalBytes);
    const history = (await t.api<MachineHistoryPage>(t.adminToken, 'GET', '/api/machines/history')).body;
    expect(history.machines.find((m) => m.name === machine.name)!.samples.at(-1)!.memoryUsedBytes).toBe(usage.memoryUsedBytes);
    // This machine has no DCGM exporter: the GPUs' absence is said, and does not hide the usage.
    expect(machine.gpus).toEqual([]);
    expect(machine.gpuError).toBe(
      `prometheus: Prometheus at ${prometheus!.url} has no DCGM exporter series with Hostname="127.0.0.1" (set the machine's prometheus.gpuHostname to its Hostname label)`,
    );
    console.info(`usage through Prometheus: ${JSON.stringify(usage)}`);
  });

  it("gets the hub's own series into Prometheus through a scrape with a metrics:read token", async () => {
    const lee = await t.user('lee');
    expect((await t.api(lee, 'POST', '/api/sandboxes', { name: 'lab' })).status).toBe(202);
    await t.hub.sandboxes.settle();
    const up = await eventually(async () => (await promql.query('up{job="shiva"} == 1'))[0], 'the hub to be scraped');
    expect(up.labels.instance).toBe(new URL(t.url).host);
    const running = await eventually(
      async () => (await promql.query('shiva_running_servers{job="shiva"} == 1'))[0],
      'shiva_running_servers to reach 1 in Prometheus',
    );
    expect(running.value).toBe(1);
    const routes = await promql.query('shiva_proxy_routes{job="shiva"}');
    expect(routes.map((s) => s.value)).toEqual([1]);
    const cpus = await promql.query('shiva_sandbox_cpus{job="shiva"}');
    expect(cpus).toHaveLength(1);
    expect(cpus[0]!.labels).toMatchObject({ user: 'lee', sandbox: 'lab', machine: 'gpu1' });
  });

  it("runs every query of the Grafana dashboard without error, and fills its sandbox and hub panels", async () => {
    await eventually(async () => (await promql.query('shiva_sandbox_cpus{job="shiva"}'))[0], 'the sandbox series in Prometheus');
    const results = new Map<string, number>();
    for (const { panel, expr } of panelExpressions(readDashboard(), { rateInterval: '1m', machine: '.*' })) {
      const samples = await promql.query(expr).catch((err: Error) => {
        throw new Error(`panel "${panel}": ${err.message}`);
      });
      results.set(expr, samples.length);
    }
    const filled = (fragment: string) => [...results].filter(([expr]) => expr.includes(fragment)).every(([, n]) => n > 0);
    expect(filled('shiva_sandbox_cpus')).toBe(true);
    expect(filled('shiva_sandbox_memory_limit_bytes')).toBe(true);
    expect(filled('shiva_active_users')).toBe(true);
    expect(filled('shiva_running_servers')).toBe(true);
    expect(filled('shiva_machine_allocated_cpus')).toBe(true);
  });
});
