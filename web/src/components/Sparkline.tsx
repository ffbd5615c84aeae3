/**
 * A small line chart of one figure over time, drawn as inline SVG: a line with a light area under
 * it, broken where a reading is missing or samples are further apart than `maxGapMs` (the hub was
 * down, or could not read the machine), so a gap is never drawn as a straight line across it.
 *
 * Hand-written rather than from a chart library: it is one path, and a chart library would cost
 * more of the first page's bundle than the whole machines page. It takes its colour from
 * `currentColor`, so the surrounding text colour (and theme) decides it.
 */
import { memo } from 'react';

export interface SparkPoint {
  /** Milliseconds since the epoch. */
  at: number;
  value: number | null;
}

export interface SparklineProps {
  points: readonly SparkPoint[];
  /** The time at the left and right edges. */
  from: number;
  to: number;
  /** The value at the top edge; the bottom edge is 0. */
  max: number;
  /** What it shows and its latest value, in words: the chart's accessible name and tooltip. */
  label: string;
  /** Samples further apart than this are not joined. */
  maxGapMs?: number;
}

/** The drawing's own units; the SVG stretches to the width it is given. */
const WIDTH = 100;
const HEIGHT = 24;

const coordinate = (n: number) => Math.round(n * 10) / 10;

/** The line and the area under it as SVG path data, one subpath per unbroken run of points. */
export function sparklinePaths(
  points: readonly SparkPoint[],
  { from, to, max, maxGapMs = Infinity }: { from: number; to: number; max: number; maxGapMs?: number },
): { line: string; area: string } {
  const span = to - from;
  const x = (at: number) => coordinate(span > 0 ? ((at - from) / span) * WIDTH : WIDTH);
  const y = (value: number) => coordinate(HEIGHT - (max > 0 ? Math.min(1, Math.max(0, value / max)) : 0) * HEIGHT);
  const line: string[] = [];
  const area: string[] = [];
  let run: [number, number][] = [];
  const closeRun = () => {
    if (run.length > 0) {
      const [first] = run;
      const last = run[run.length - 1]!;
      // A lone point still shows, as a short flat stroke.
      const coords = run.length === 1 ? [first!, [last[0] + 0.5, last[1]] as [number, number]] : run;
      line.push(`M${coords.map(([px, py]) => `${px} ${py}`).join('L')}`);
      area.push(`M${coords[0]![0]} ${HEIGHT}L${coords.map(([px, py]) => `${px} ${py}`).join('L')}L${coords[coords.length - 1]![0]} ${HEIGHT}Z`);
    }
    run = [];
  };
  let previousAt: number | null = null;
  for (const point of points) {
    if (point.at < from || point.at > to) continue;
    if (point.value === null || (previousAt !== null && point.at - previousAt > maxGapMs)) closeRun();
    if (point.value !== null) run.push([x(point.at), y(point.value)]);
    previousAt = point.at;
  }
  closeRun();
  return { line: line.join(''), area: area.join('') };
}

export const Sparkline = memo(function Sparkline({ points, from, to, max, label, maxGapMs }: SparklineProps) {
  const { line, area } = sparklinePaths(points, { from, to, max, ...(maxGapMs !== undefined ? { maxGapMs } : {}) });
  return (
    <svg className="sparkline" role="img" aria-label={label} viewBox={`0 0 ${WIDTH} ${HEIGHT}`} preserveAspectRatio="none" width="100%" height={HEIGHT}>
      <title>{label}</title>
      <path className="sparkline-area" d={area} fill="currentColor" fillOpacity={0.15} stroke="none" />
      <path className="sparkline-line" d={line} fill="none" stroke="currentColor" strokeWidth={1.5} strokeLinejoin="round" vectorEffect="non-scaling-stroke" />
    </svg>
  );
});
