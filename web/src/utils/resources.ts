/** "2 CPUs · 4 GiB · 1 GPU" in the chosen language. */
import type { Messages } from '../i18n/en';
import { formatNumber, roundTo } from './format';

/**
 * CPUs to two decimals (a quarter CPU is a size), memory to one (23.54 GiB reads as 23.5 GiB; a
 * figure of free room is rounded down by its caller so it never promises more than there is).
 */
export function describeResources(t: Messages, locale: string, r: { cpus: number; memoryGiB: number; gpus?: number }): string {
  const parts = [t.resources.cpus(roundTo(r.cpus, 2), formatNumber(r.cpus, locale, 2)), t.resources.memory(formatNumber(r.memoryGiB, locale, 1))];
  if (r.gpus) parts.push(t.resources.gpus(r.gpus));
  return parts.join(' · ');
}
