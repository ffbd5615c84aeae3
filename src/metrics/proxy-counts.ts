/**
 * The proxy's answers, counted in plain memory. The proxy spends tens of microseconds of CPU per
 * request, so a request costs one array increment here (no label lookup, no allocation); the
 * Prometheus series are made from these counts only when /metrics is scraped.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { RouteTable } from '../proxy/route-table.js';
import type { ProxyMetrics } from '../proxy/types.js';

/** Index 0 holds answers with a status outside 100-599, which a broken upstream can send. */
const STATUSES = 600;

export class ProxyCounts implements ProxyMetrics {
  readonly byStatus = new Float64Array(STATUSES);
  readonly upgrades = { ok: 0, refused: 0, error: 0 };

  request(status: number): void {
    const i = status >= 100 && status < STATUSES ? status : 0;
    this.byStatus[i] = this.byStatus[i]! + 1;
  }

  upgrade(result: 'ok' | 'refused' | 'error'): void {
    this.upgrades[result]++;
  }
}

/** The proxy's series: answers by status code, WebSocket upgrades by result, and the routes it holds. */
export function registerProxySeries(registry: Registry, counts: ProxyCounts, routes: RouteTable): void {
  new Counter({
    name: 'shiva_proxy_requests_total',
    help: 'Requests the proxy answered under /user/, by HTTP status code (the sandbox\'s or the proxy\'s own)',
    labelNames: ['code'],
    registers: [registry],
    collect() {
      this.reset();
      counts.byStatus.forEach((n, status) => {
        if (n > 0) this.inc({ code: status === 0 ? 'other' : String(status) }, n);
      });
    },
  });
  new Counter({
    name: 'shiva_proxy_upgrades_total',
    help: 'WebSocket upgrades through the proxy, by result (ok, refused, error)',
    labelNames: ['result'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [result, n] of Object.entries(counts.upgrades)) this.inc({ result }, n);
    },
  });
  new Gauge({
    name: 'shiva_proxy_routes',
    help: 'Sandboxes the proxy has a route to',
    registers: [registry],
    collect() {
      this.set(routes.size);
    },
  });
}
