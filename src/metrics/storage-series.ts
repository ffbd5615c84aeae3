/**
 * Series of the homes filesystem, from the hub's last statfs reading (src/storage/homes-filesystem.ts).
 * While the hub cannot read it the figures have no sample at all: an absent series is what
 * Prometheus alerts treat as unknown (`absent()`), where a 0 would read as "full".
 */
import { Gauge, type Registry } from 'prom-client';
import type { HomesFilesystem } from '../storage/homes-filesystem.js';

export function registerStorageSeries(registry: Registry, homes: Pick<HomesFilesystem, 'reading'>, minFreePercent: number): void {
  const registers = [registry];
  const figure = (name: string, help: string, value: (f: { freeBytes: number; sizeBytes: number }) => number) =>
    new Gauge({
      name,
      help,
      registers,
      collect() {
        this.reset();
        const { figures } = homes.reading();
        if (figures) this.set(value(figures));
      },
    });
  figure('shiva_homes_filesystem_free_bytes', 'Bytes of the homes filesystem users may still write (statfs f_bavail; root-reserved blocks excluded)', (f) => f.freeBytes);
  figure('shiva_homes_filesystem_size_bytes', 'Size of the homes filesystem in bytes (statfs f_blocks)', (f) => f.sizeBytes);
  new Gauge({
    name: 'shiva_homes_filesystem_min_free_percent',
    help: 'storage.minFreePercent: below this share free, launches are refused with STORAGE_FULL',
    registers,
    collect() {
      this.set(minFreePercent);
    },
  });
}
