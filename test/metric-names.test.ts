/**
 * The names of the hub's series are a contract with dashboards and alerts: the bundled Grafana
 * dashboard may query only series the hub exposes, and docs/metrics.md lists every one.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeRuntime } from '../src/runtime/fake/fake-runtime.js';
import { dashboardExpressions, readDashboard } from './support/grafana.js';
import { startTestHub, type TestHub } from './support/hub.js';

const root = path.resolve(import.meta.dirname, '..');

/** A histogram's series go by its name plus _bucket, _sum and _count. */
const baseName = (name: string, histograms: Set<string>): string => {
  const m = /^(.*)_(bucket|sum|count)$/.exec(name);
  return m && histograms.has(m[1]!) ? m[1]! : name;
};

describe('the names of the hub series', () => {
  let t: TestHub;
  let runtime: FakeRuntime;
  let exposed: Set<string>;
  let histograms: Set<string>;

  beforeAll(async () => {
    runtime = new FakeRuntime();
    t = await startTestHub({ makeRuntime: () => runtime });
    exposed = new Set(t.hub.metrics.names());
    const text = await t.hub.metrics.exposition();
    histograms = new Set([...text.matchAll(/^# TYPE (\S+) histogram$/gm)].map((m) => m[1]!));
  });
  afterAll(async () => {
    await t.close();
    await runtime.closeAll();
  });

  it('are all prefixed shiva_', () => {
    expect(exposed.size).toBeGreaterThan(20);
    for (const name of exposed) expect(name).toMatch(/^shiva_[a-z_]+$/);
  });

  it('include everything the Grafana dashboard queries, which is valid JSON with a Prometheus data source variable', () => {
    const dashboard = readDashboard();
    const source = dashboard.templating.list.find((v) => v.type === 'datasource');
    expect(source).toMatchObject({ name: 'datasource', query: 'prometheus' });
    for (const panel of dashboard.panels.filter((p) => p.type !== 'row')) {
      expect(panel.datasource, panel.title).toEqual({ type: 'prometheus', uid: '${datasource}' });
      expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
    }
    const queried = new Set(dashboardExpressions(dashboard).flatMap((e) => e.match(/shiva_[a-z_]+/g) ?? []).map((n) => baseName(n, histograms)));
    expect(queried.size).toBeGreaterThan(15);
    expect([...queried].filter((n) => !exposed.has(n))).toEqual([]);
  });

  it('are each documented in docs/metrics.md, which names no series the hub lacks', () => {
    const doc = readFileSync(path.join(root, 'docs/metrics.md'), 'utf8');
    const documented = new Set([...doc.matchAll(/^\| `(shiva_[a-z_]+)` \|/gm)].map((m) => m[1]!));
    expect([...documented].sort()).toEqual([...exposed].sort());
  });
});
