/**
 * A machine's recent past as three small charts: CPU use, memory in use and (with GPUs) their
 * mean utilisation, over the samples the hub keeps (one every 15 s, up to an hour). Each chart is
 * named by its figure and latest value, for screen readers and as a tooltip.
 *
 * Memoised on the history array itself: the hub adds a sample every 15 s while the page polls
 * every 5 s, and the query cache keeps an unchanged array's identity, so two polls in three skip
 * the charts entirely.
 */
import { memo } from 'react';
import type { MachineSample } from '../../api/types';
import { Sparkline, type SparkPoint } from '../../components/Sparkline';
import { useI18n } from '../../i18n/I18nProvider';
import { formatBytes, formatNumber } from '../../utils/format';

const HOUR_MS = 3_600_000;
/** More than two missed samples is a gap (the hub or the machine was away), not a slope. */
const MAX_GAP_MS = 40_000;

interface Series {
  name: string;
  points: SparkPoint[];
  max: number;
  latest: string;
}

function latestOf(points: readonly SparkPoint[]): number | null {
  for (let i = points.length - 1; i >= 0; i--) {
    const value = points[i]!.value;
    if (value !== null) return value;
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
  const pointsOf = (value: (s: MachineSample) => number | null): SparkPoint[] => history.map((s, i) => ({ at: times[i]!, value: value(s) }));

  const candidates: (Omit<Series, 'latest'> & { format(value: number): string })[] = [
    { name: t.machineCard.cpuChart, points: pointsOf((s) => s.cpuPercent), max: 100, format: (v) => `${formatNumber(v, locale, 0)}%` },
    { name: t.machineCard.memoryChart, points: pointsOf((s) => s.memoryUsedBytes), max: memoryBytes, format: (v) => formatBytes(v, locale) },
  ];
  if (hasGpus) {
    candidates.push({ name: t.machineCard.gpuChart, points: pointsOf((s) => s.gpuUtilizationPercent), max: 100, format: (v) => `${formatNumber(v, locale, 0)}%` });
  }
  const series: Series[] = candidates.flatMap(({ format, ...rest }) => {
    const latest = latestOf(rest.points);
    return latest === null ? [] : [{ ...rest, latest: format(latest) }];
  });
  if (series.length === 0) return null;

  return (
    <div className="history">
      <div className="history-title">{t.machineCard.history(minutes)}</div>
      <div className="history-charts">
        {series.map((s) => (
          <figure className="spark" key={s.name}>
            <figcaption className="spark-caption">
              <span>{s.name}</span>
              <span className="secondary">{s.latest}</span>
            </figcaption>
            <Sparkline points={s.points} from={from} to={to} max={s.max} maxGapMs={MAX_GAP_MS} label={t.machineCard.chartLabel(s.name, minutes, s.latest)} />
          </figure>
        ))}
      </div>
    </div>
  );
});
