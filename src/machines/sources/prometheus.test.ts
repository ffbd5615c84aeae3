import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrometheusError, PromQL } from './promql.js';
import { gpuQuery, gpusFromSeries, hostOf, PrometheusSource, usageQueries } from './prometheus.js';

const FIXTURES = path.resolve(import.meta.dirname, '../../../test/fixtures/prometheus');
const fixture = (name: string): string => readFileSync(path.join(FIXTURES, name), 'utf8');
const RECORDED_INSTANCE = '127.0.0.1:58481';
const MiB = 1024 * 1024;

/** A stand-in Prometheus on loopback that answers each known query with its fixture. */
function fakePrometheus(answers: Map<string, { status: number; body: string }>): http.Server {
  return http.createServer((req, res) => {
    const query = new URL(req.url ?? '/', 'http://x').searchParams.get('query') ?? '';
    if (query === 'hang') return; // never answers
    const answer = answers.get(query) ?? { status: 200, body: '{"status":"success","data":{"resultType":"vector","result":[]}}' };
    res.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body);
  });
}

describe('reading a machine through PromQL', () => {
  let server: http.Server;
  let url: string;

  beforeAll(async () => {
    const answers = new Map<string, { status: number; body: string }>();
    const recorded = usageQueries(RECORDED_INSTANCE);
    for (const key of Object.keys(recorded) as Array<keyof typeof recorded>) {
      answers.set(recorded[key], { status: 200, body: fixture(`node-${key}.json`) });
    }
    const hot = usageQueries('hot:9100');
    for (const key of Object.keys(hot) as Array<keyof typeof hot>) {
      answers.set(hot[key], { status: 200, body: fixture(key === 'temperatures' ? 'constructed-node-temperatures.json' : `node-${key}.json`) });
    }
    const [status, ...body] = fixture('parse-error.json').split('\n');
    answers.set('rate(x[5m', { status: Number(status), body: body.join('\n') });
    answers.set('not-json', { status: 502, body: '<html>Bad gateway</html>' });
    answers.set(gpuQuery('gpu1'), { status: 200, body: fixture('constructed-dcgm-two-h200.json') });
    server = fakePrometheus(answers);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it("maps node_exporter's recorded series to the machine's usage", async () => {
    const usage = await new PrometheusSource({ url, timeoutSeconds: 5 }).readUsage(RECORDED_INSTANCE);
    expect(usage).toMatchObject({
      cpuPercent: 99.5,
      memoryUsedBytes: 25276514304 - 24200437760,
      diskTotalBytes: 270553174016,
      diskUsedBytes: 270553174016 - 242844934144,
      networkReceiveBytesPerSecond: 0,
      networkTransmitBytesPerSecond: 0,
      temperaturesC: [],
      source: 'prometheus',
    });
    expect(Date.parse(usage.at)).not.toBeNaN();
  });

  it('names hwmon sensors by chip and sensor and thermal zones by type, in a stable order', async () => {
    const usage = await new PrometheusSource({ url, timeoutSeconds: 5 }).readUsage('hot:9100');
    expect(usage.temperaturesC).toEqual([
      { sensor: 'nvme_nvme0 temp1', celsius: 41.85 },
      { sensor: 'platform_coretemp_0 temp1', celsius: 54 },
      { sensor: 'x86_pkg_temp', celsius: 55 },
      { sensor: 'zone 1', celsius: 27.8 },
    ]);
  });

  it('says which instance has no series when node_exporter is not scraped under that name', async () => {
    const err = await new PrometheusSource({ url, timeoutSeconds: 5 }).readUsage('nowhere:9100').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PrometheusError);
    expect((err as Error).message).toBe(
      `Prometheus at ${url} has no node_exporter series for instance "nowhere:9100": check that node_exporter is scraped and that its instance label is exactly this`,
    );
  });

  it("maps the DCGM exporter's series to GPUs: MiB to bytes, total as used + free + reserved, MIG instances left out", async () => {
    const gpus = await new PrometheusSource({ url, timeoutSeconds: 5 }).readGpus('gpu1');
    expect(gpus).toEqual([
      {
        index: 0,
        uuid: 'GPU-5a1b6c3e-7d2f-4e91-a0b8-3c4d5e6f7a80',
        name: 'NVIDIA H200',
        memoryTotalBytes: (142771 + 580) * MiB,
        memoryUsedBytes: 0,
        utilizationPercent: 0,
        temperatureC: 31,
        powerDrawW: 76.231,
      },
      {
        index: 1,
        uuid: 'GPU-9e8d7c6b-5a4f-4e3d-b2c1-0f1e2d3c4b5a',
        name: 'NVIDIA H200',
        memoryTotalBytes: (65536 + 77235 + 580) * MiB,
        memoryUsedBytes: 65536 * MiB,
        utilizationPercent: 87,
        temperatureC: 58,
        powerDrawW: 512.87,
      },
    ]);
  });

  it('leaves figures a DCGM exporter does not export as null', () => {
    const [gpu] = gpusFromSeries([{ labels: { __name__: 'DCGM_FI_DEV_GPU_UTIL', gpu: '3', UUID: 'GPU-x', Hostname: 'h' }, value: 12 }]);
    expect(gpu).toEqual({ index: 3, uuid: 'GPU-x', name: 'GPU', memoryTotalBytes: 0, memoryUsedBytes: null, utilizationPercent: 12, temperatureC: null, powerDrawW: null });
  });

  it('reads usage and GPUs each by its own series, saying which are missing', async () => {
    const source = new PrometheusSource({ url, timeoutSeconds: 5 });
    expect((await source.readUsage(RECORDED_INSTANCE)).memoryUsedBytes).toBe(25276514304 - 24200437760);
    await expect(source.readGpus('127.0.0.1')).rejects.toThrow('no DCGM exporter series with Hostname="127.0.0.1"');
    expect((await source.readGpus('gpu1')).map((g) => g.index)).toEqual([0, 1]);
    await expect(source.readUsage('gpu1:9100')).rejects.toThrow('no node_exporter series for instance "gpu1:9100"');
  });

  it('takes the host of an instance label as the default GPU host name', () => {
    expect(hostOf('gpu1:9100')).toBe('gpu1');
    expect(hostOf('[fd00::7]:9100')).toBe('fd00::7');
    expect(hostOf('gpu1.lab.example')).toBe('gpu1.lab.example');
  });

  it("passes on Prometheus's own reason for refusing a query", async () => {
    const err = await new PromQL({ url, timeoutSeconds: 5 }).query('rate(x[5m').catch((e: unknown) => e as Error);
    expect(err).toBeInstanceOf(PrometheusError);
    expect((err as Error).message).toBe(`Prometheus at ${url} refused the query rate(x[5m: invalid parameter "query": 1:10: parse error: unclosed left parenthesis`);
  });

  it('says when the address answers something that is not Prometheus', async () => {
    const err = await new PromQL({ url, timeoutSeconds: 5 }).query('not-json').catch((e: unknown) => e as Error);
    expect((err as Error).message).toBe(`${url} answered HTTP 502 with something that is not Prometheus's API: <html>Bad gateway</html>`);
  });

  it('says Prometheus does not answer when nothing listens, or nothing comes back in time', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const closedUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise((resolve) => closed.close(resolve));
    const refused = await new PromQL({ url: closedUrl, timeoutSeconds: 5 }).query('up').catch((e: unknown) => e as Error);
    expect((refused as Error).message).toBe(`Prometheus at ${closedUrl} does not answer: connect ECONNREFUSED ${closedUrl.slice('http://'.length)}`);
    const hung = await new PromQL({ url, timeoutSeconds: 0.2 }).query('hang').catch((e: unknown) => e as Error);
    expect((hung as Error).message).toBe(`Prometheus at ${url} does not answer: no answer within 0.2 s`);
  });
});
