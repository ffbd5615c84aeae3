/**
 * A machine's recent past as three small charts: CPU use, memory in use and (with GPUs) their
 * mean utilisation, over the samples the hub keeps (one every 15 s, up to an hour). Each chart is
 * named by its figure and latest value, for screen readers and as a tooltip. Kept to a few plain
 * elements each: a page of 100 machines draws 300 of them (see bench/render.ts).
 *
 * Memoised on the history array itself: the hub adds a sample every 15 s while the page polls
 * every 5 s, and mergeHistory keeps the array of a machine that got no new sample, so two polls
 * in three skip the charts entirely.
 */
import { memo } from 'react';
import type { MachineSample } from '../../api/types';
import { Sparkline } from '../../components/Sparkline';
import { useI18n } from '../../i18n/I18nProvider';
import { formatGiBDown, formatNumber } from '../../utils/format';

const HOUR_MS = 3_600_000;
/** More than two missed samples is a gap (the hub or the machine was away), not a slope. */
const MAX_GAP_MS = 40_000;

interface Series {
  name: string;
  values: (number | null)[];
  max: number;
  latest: string;
}

function latestOf(values: readonly (number | null)[]): number | null {
  for (let i = values.length - 1; i >= 0; i--) {
    const value = values[i];
    if (value !== null && value !== undefined) return value;
  }
  return null;
}

export interface MachineHistoryProps {
  history: readonly MachineSample[];
  /** The top of the memory chart. */
  memoryBytes: number;
  hasGpus: boolean;
}

export const MachineHistory = memo(function MachineHistory({ history, memoryBytes, hasGpus }: MachineHistoryProps) {
  const { t, locale } = useI18n();
  if (history.length < 2) return null;
  const times = history.map((s) => Date.parse(s.at));
  const to = times[times.length - 1]!;
  const from = Math.max(times[0]!, to - HOUR_MS);
  const minutes = Math.max(1, Math.round((to - from) / 60_000));

  const candidates: (Omit<Series, 'latest'> & { format(value: number): string })[] = [
    { name: t.machineCard.cpuChart, values: history.map((s) => s.cpuPercent), max: 100, format: (v) => `${formatNumber(v, locale, 0)}%` },
    { name: t.machineCard.memoryChart, values: history.map((s) => s.memoryUsedBytes), max: memoryBytes, format: (v) => formatGiBDown(v, locale) },
  ];
  if (hasGpus) {
    candidates.push({ name: t.machineCard.gpuChart, values: history.map((s) => s.gpuUtilizationPercent), max: 100, format: (v) => `${formatNumber(v, locale, 0)}%` });
  }
  const series: Series[] = candidates.flatMap(({ format, ...rest }) => {
    const latest = latestOf(rest.values);
    return latest === null ? [] : [{ ...rest, latest: format(latest) }];
  });
  if (series.length === 0) return null;

  return (
    <div className="history">
      <div className="history-title">{t.machineCard.history(minutes)}</div>
      <div className="history-charts">
        {series.map((s) => {
          const label = t.machineCard.chartLabel(s.name, minutes, s.latest);
          return (
            <div className="spark" key={s.name} title={label}>
              <div className="spark-caption">
                {s.name} <b>{s.latest}</b>
              </div>
              <Sparkline times={times} values={s.values} from={from} to={to} max={s.max} maxGapMs={MAX_GAP_MS} label={label} />
            </div>
          );
        })}
      </div>
    </div>
  );
});
