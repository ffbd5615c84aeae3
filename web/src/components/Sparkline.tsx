/**
 * A small line chart of one figure over time, drawn as inline SVG: one path, broken where a
 * reading is missing or samples are further apart than `maxGapMs` (the hub was down, or could not
 * read the machine), so a gap is never drawn as a straight line across it. It is an image named
 * by `label`; whoever places it shows the same words as a tooltip (an SVG <title> would add an
 * element per chart, and a page draws hundreds).
 *
 * Hand-written rather than from a chart library: it is one path, and a chart library would cost
 * more of the first page's bundle than the whole machines page. It takes its colour from
 * `currentColor`, so the surrounding text colour (and theme) decides it.
 */
import { memo } from 'react';

export interface SparklineProps {
  /** When each value was read, in milliseconds since the epoch, oldest first. */
  times: readonly number[];
  /** The readings, one per time; null where there was none. */
  values: readonly (number | null)[];
  /** The time at the left and right edges. */
  from: number;
  to: number;
  /** The value at the top edge; the bottom edge is 0. */
  max: number;
  /** What it shows and its latest value, in words: the chart's accessible name. */
  label: string;
  /** Samples further apart than this are not joined. */
  maxGapMs?: number;
}

/**
 * The drawing's own units; the SVG stretches to the width it is given. Large enough that whole
 * numbers are precise enough: a page of 100 machines draws some 300 charts of 240 points each, and
 * integers turn into text several times faster than fractions.
 */
const WIDTH = 1000;
const HEIGHT = 100;

/** The line as SVG path data, one subpath ("M…L…") per unbroken run of points. */
export function sparklinePath(
  times: readonly number[],
  values: readonly (number | null)[],
  { from, to, max, maxGapMs = Infinity }: { from: number; to: number; max: number; maxGapMs?: number },
): string {
  const xScale = to > from ? WIDTH / (to - from) : 0;
  const yScale = max > 0 ? HEIGHT / max : 0;
  let path = '';
  let runLength = 0;
  let lastX = 0;
  let lastY = 0;
  let previousAt = -Infinity;
  for (let i = 0; i < times.length; i++) {
    const at = times[i]!;
    const value = values[i] ?? null;
    if (at < from || at > to) continue;
    if (value === null || at - previousAt > maxGapMs) {
      // A lone point still shows, as a short flat stroke.
      if (runLength === 1) path += `L${lastX + 4} ${lastY}`;
      runLength = 0;
    }
    previousAt = at;
    if (value === null) continue;
    lastX = xScale > 0 ? Math.round((at - from) * xScale) : WIDTH;
    lastY = HEIGHT - Math.round(Math.min(HEIGHT, Math.max(0, value * yScale)));
    path += `${runLength === 0 ? 'M' : 'L'}${lastX} ${lastY}`;
    runLength++;
  }
  if (runLength === 1) path += `L${lastX + 4} ${lastY}`;
  return path;
}

/** Drawn this many CSS pixels high. */
const DRAWN_HEIGHT = 24;

export const Sparkline = memo(function Sparkline({ times, values, from, to, max, label, maxGapMs }: SparklineProps) {
  const d = sparklinePath(times, values, { from, to, max, ...(maxGapMs !== undefined ? { maxGapMs } : {}) });
  return (
    <svg className="sparkline" role="img" aria-label={label} viewBox={`0 0 ${WIDTH} ${HEIGHT}`} preserveAspectRatio="none" width="100%" height={DRAWN_HEIGHT}>
      <path d={d} fill="none" stroke="currentColor" strokeWidth={1.5} strokeLinejoin="round" vectorEffect="non-scaling-stroke" />
    </svg>
  );
});
