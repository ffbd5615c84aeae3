/** "2 CPUs · 4 GiB · 1 GPU" in the chosen language. */
import type { Messages } from '../i18n/en';
import { formatNumber } from './format';

export function describeResources(t: Messages, locale: string, r: { cpus: number; memoryGiB: number; gpus?: number }): string {
  const parts = [t.resources.cpus(formatNumber(r.cpus, locale, 2)), t.resources.memory(formatNumber(r.memoryGiB, locale, 2))];
  if (r.gpus) parts.push(t.resources.gpus(r.gpus));
  return parts.join(' · ');
}
