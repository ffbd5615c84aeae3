// @vitest-environment happy-dom
import { act, cleanup, screen, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MACHINES_POLL_MS } from '../../api/queries/machines';
import type { MachineHistoryPage } from '../../api/types';
import { MOCK_WINDOW_SAMPLES, MockHistoryPage, MockMachines, mockHistory } from '../../testing/mocks';
import { renderView } from '../../testing/render';
import { MachinesPage } from './MachinesPage';
import { GiB } from '../../../../src/contract/resources';

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

/** gpu-1's hour and the sample after it: the hub's first answer holds the hour, the next poll the one new sample. */
const hourAndOne = mockHistory(MOCK_WINDOW_SAMPLES + 1, 5_000, { cpuPercent: 37, memoryUsedBytes: 61.2 * GiB, gpuUtilizationPercent: 43.5, gpuMemoryUsedBytes: 31.9 * GiB });
const first: MachineHistoryPage = {
  ...MockHistoryPage,
  machines: MockHistoryPage.machines.map((m) => (m.name === 'gpu-1' ? { name: 'gpu-1', samples: hourAndOne.slice(0, -1) } : m)),
};
const next: MachineHistoryPage = { cursor: '0c0ffee0.1003', full: false, windowSamples: MOCK_WINDOW_SAMPLES, machines: [{ name: 'gpu-1', samples: hourAndOne.slice(-1) }] };
const idle: MachineHistoryPage = { ...next, machines: [] };

const hub = vi.fn(async (path: string) => {
  if (path === '/api/machines') return json(200, MockMachines);
  if (path === '/api/machines/history') return json(200, first);
  if (path === `/api/machines/history?since=${first.cursor}`) return json(200, next);
  if (path === `/api/machines/history?since=${next.cursor}`) return json(200, idle);
  return json(404, { error: { code: 'NOT_FOUND', message: `no ${path}` } });
});

beforeEach(() => {
  vi.useFakeTimers({ shouldAdvanceTime: true });
  vi.stubGlobal('fetch', hub);
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  vi.useRealTimers();
  hub.mockClear();
});

const historyCalls = () => hub.mock.calls.map(([path]) => path).filter((path) => path.startsWith('/api/machines/history'));
const cpuChart = () => within(screen.getByRole('article', { name: 'gpu-1' })).getByRole('img', { name: /^CPU over the last 60 minutes/ });

describe('MachinesPage', () => {
  it('draws the charts from the whole hour first, then from only the samples the hub added since', async () => {
    renderView(<MachinesPage />);
    await screen.findByRole('img', { name: 'CPU over the last 60 minutes: latest 38%' });
    expect(historyCalls()).toEqual(['/api/machines/history']);

    await act(() => vi.advanceTimersByTimeAsync(MACHINES_POLL_MS));
    await screen.findByRole('img', { name: 'CPU over the last 60 minutes: latest 37%' });
    expect(historyCalls()).toEqual(['/api/machines/history', `/api/machines/history?since=${first.cursor}`]);
    // The new sample joined the hour and the oldest left it: still one point per sample of the window.
    expect(cpuChart().querySelector('path')!.getAttribute('d')!.split('L')).toHaveLength(MOCK_WINDOW_SAMPLES);

    await act(() => vi.advanceTimersByTimeAsync(MACHINES_POLL_MS));
    expect(historyCalls().at(-1)).toBe(`/api/machines/history?since=${next.cursor}`);
    expect(cpuChart().getAttribute('aria-label')).toBe('CPU over the last 60 minutes: latest 37%');
  });
});
