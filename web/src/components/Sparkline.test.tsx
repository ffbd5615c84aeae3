// @vitest-environment happy-dom
import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { Sparkline, sparklinePath } from './Sparkline';

afterEach(cleanup);

const at = (seconds: number) => seconds * 1_000;
/** A sample every 15 s from 0. */
const every15s = (count: number) => Array.from({ length: count }, (_, i) => at(i * 15));

describe('Sparkline', () => {
  it('draws one point per sample across the window, scaled to the maximum', () => {
    expect(sparklinePath(every15s(3), [0, 50, 100], { from: 0, to: at(30), max: 100 })).toBe('M0 100L500 50L1000 0');
  });

  it('breaks the line at a missing reading and where samples are too far apart', () => {
    const times = [...every15s(5), at(200), at(215)];
    const path = sparklinePath(times, [10, 20, null, 30, 40, 50, 60], { from: 0, to: at(215), max: 100, maxGapMs: 40_000 });
    expect(path.match(/M/g)).toHaveLength(3);
    expect(path.match(/L/g)).toHaveLength(3);
  });

  it('still shows a lone reading between gaps', () => {
    expect(sparklinePath(every15s(3), [null, 50, null], { from: 0, to: at(30), max: 100 })).toBe('M500 50L504 50');
  });

  it('leaves out samples outside the window and keeps values within it', () => {
    expect(sparklinePath(every15s(3), [500, 150, -5], { from: at(15), to: at(30), max: 100 })).toBe('M0 0L1000 100');
  });

  it('is an image named by what it shows', () => {
    render(<Sparkline times={every15s(3)} values={[1, 2, 3]} from={0} to={at(30)} max={10} label="CPU over the last 1 minute: latest 3%" />);
    const chart = screen.getByRole('img', { name: 'CPU over the last 1 minute: latest 3%' });
    expect(chart.querySelector('path')?.getAttribute('d')).toBe('M0 90L500 80L1000 70');
  });
});
