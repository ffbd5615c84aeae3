/**
 * Series of users' homes: each home's allocated bytes at its last measurement and the quota that
 * applies to it, by user. A home never measured, or without a quota, has no series.
 */
import { Gauge, type Registry } from 'prom-client';

export interface HomeSeriesRow {
  user: string;
  bytes: number | null;
  quotaBytes: number | null;
}

export function registerHomeSeries(registry: Registry, homes: () => readonly HomeSeriesRow[]): void {
  const registers = [registry];
  new Gauge({
    name: 'shiva_home_bytes',
    help: "Each user's home: allocated bytes at the last measurement (see shiva_home_quota_bytes)",
    labelNames: ['user'],
    registers,
    collect() {
      this.reset();
      for (const h of homes()) if (h.bytes !== null) this.set({ user: h.user }, h.bytes);
    },
  });
  new Gauge({
    name: 'shiva_home_quota_bytes',
    help: "Each user's home quota in bytes (an admin's, else storage.quota.defaultGiB)",
    labelNames: ['user'],
    registers,
    collect() {
      this.reset();
      for (const h of homes()) if (h.quotaBytes !== null) this.set({ user: h.user }, h.quotaBytes);
    },
  });
}
