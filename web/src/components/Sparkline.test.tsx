// @vitest-environment happy-dom
import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { Sparkline, sparklinePaths, type SparkPoint } from './Sparkline';

afterEach(cleanup);

const at = (seconds: number) => seconds * 1_000;
const points = (values: (number | null)[], step = 15): SparkPoint[] => values.map((value, i) => ({ at: at(i * step), value }));

describe('Sparkline', () => {
  it('draws one point per sample across the window, scaled to the maximum', () => {
    const { line } = sparklinePaths(points([0, 50, 100]), { from: 0, to: at(30), max: 100 });
    expect(line).toBe('M0 24L50 12L100 0');
  });

  it('breaks the line at a missing reading and where samples are too far apart', () => {
    const { line, area } = sparklinePaths(
      [...points([10, 20, null, 30, 40]), { at: at(200), value: 50 }, { at: at(215), value: 60 }],
      { from: 0, to: at(215), max: 100, maxGapMs: 40_000 },
    );
    expect(line.match(/M/g)).toHaveLength(3);
    // Each run's area is closed down to the bottom edge.
    expect(area.match(/Z/g)).toHaveLength(3);
  });

  it('leaves out samples outside the window and keeps values within it', () => {
    const { line } = sparklinePaths(points([500, 50, -5]), { from: at(15), to: at(30), max: 100 });
    expect(line).toBe('M0 12L100 24');
  });

  it('is an image named by what it shows', () => {
    render(<Sparkline points={points([1, 2, 3])} from={0} to={at(30)} max={10} label="CPU over the last 1 minute: latest 3%" />);
    const chart = screen.getByRole('img', { name: 'CPU over the last 1 minute: latest 3%' });
    expect(chart.querySelector('title')?.textContent).toBe('CPU over the last 1 minute: latest 3%');
    expect(chart.querySelector('.sparkline-line')?.getAttribute('d')).toBe('M0 21.6L50 19.2L100 16.8');
  });
});
