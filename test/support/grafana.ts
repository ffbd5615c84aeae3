/** The bundled Grafana dashboard, read as tests need it: its panels and its PromQL. */
import { readFileSync } from 'node:fs';
import path from 'node:path';

export const DASHBOARD_FILE = path.resolve(import.meta.dirname, '../../deploy/grafana/shiva.json');

export interface Panel {
  type: string;
  title: string;
  datasource?: { type: string; uid: string };
  targets?: Array<{ expr: string }>;
  panels?: Panel[];
}

export interface Dashboard {
  panels: Panel[];
  templating: { list: Array<{ name: string; type: string; query: unknown; definition?: string }> };
}

export function readDashboard(): Dashboard {
  return JSON.parse(readFileSync(DASHBOARD_FILE, 'utf8')) as Dashboard;
}

/** The PromQL of every panel target, with Grafana's variables as Prometheus itself would get them. */
export function panelExpressions(dashboard: Dashboard, variables: { rateInterval: string; machine: string }): Array<{ panel: string; expr: string }> {
  const panels = dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
  return panels.flatMap((p) =>
    (p.targets ?? []).map((t) => ({
      panel: p.title,
      expr: t.expr.replaceAll('$__rate_interval', variables.rateInterval).replaceAll('$machine', variables.machine),
    })),
  );
}

/** Every PromQL-bearing string of the dashboard: panel targets and variable queries, variables left as they are. */
export function dashboardExpressions(dashboard: Dashboard): string[] {
  const panels = dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
  return [
    ...panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr)),
    ...dashboard.templating.list.filter((v) => v.type === 'query').map((v) => v.definition ?? ''),
  ];
}
