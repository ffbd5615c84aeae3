// @vitest-environment happy-dom
import { cleanup, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MockDatasets, MockImages, MockMachines, MockMe, MockSandboxes, MockSandboxStopped } from '../../testing/mocks';
import { renderView } from '../../testing/render';
import { HomePage } from './HomePage';

/** The hub as home reads it, with every launch refused for want of room. */
function hubRefusingLaunches(): ReturnType<typeof vi.fn> {
  const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  return vi.fn(async (path: string, init?: RequestInit) => {
    if (path === '/api/sandboxes' && init?.method === 'POST') {
      return json(409, { error: { code: 'NO_CAPACITY', message: 'No machine has room for 4 CPUs, 16 GiB.' } });
    }
    if (path === '/api/me') return json(200, MockMe);
    if (path.startsWith('/api/sandboxes')) return json(200, MockSandboxes);
    if (path === '/api/images') return json(200, MockImages);
    if (path === '/api/machines') return json(200, MockMachines);
    if (path === '/api/datasets') return json(200, MockDatasets);
    return json(404, { error: { code: 'NOT_FOUND', message: `no ${path}` } });
  });
}

beforeEach(() => {
  vi.stubGlobal('fetch', hubRefusingLaunches());
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe('HomePage', () => {
  it('shows a refused relaunch on its row, and a refused launch under the form', async () => {
    renderView(<HomePage />);
    await userEvent.click(await screen.findByRole('button', { name: 'Launch train again' }));
    const table = screen.getByRole('table', { name: 'My sandboxes' });
    const train = within(table).getByRole('rowheader', { name: /^train/ }).closest('tr')!;
    expect((await within(train).findByRole('alert')).textContent).toBe('Launching again failed: No machine has room for 4 CPUs, 16 GiB.');
    const form = screen.getByRole('form', { name: 'Launch my container' });
    expect(within(form).queryByRole('alert')).toBeNull();
    expect(fetch).toHaveBeenCalledWith('/api/sandboxes', expect.objectContaining({ method: 'POST', body: expect.stringContaining(`"name":"${MockSandboxStopped.name}"`) }));

    await userEvent.click(within(form).getByRole('button', { name: 'Launch my container' }));
    expect((await within(form).findByRole('alert')).textContent).toBe('No machine has room for 4 CPUs, 16 GiB.');
    // The row keeps its own error, and only that one.
    expect(within(table).getAllByRole('alert')).toHaveLength(1);
  });

  it('shows in the launch form the shared datasets the hub lists for me, and where they appear', async () => {
    renderView(<HomePage />);
    const form = await screen.findByRole('form', { name: 'Launch my container' });
    const list = await within(form).findByRole('region', { name: 'Shared datasets in this sandbox' });
    expect(within(list).getAllByRole('listitem').map((li) => li.textContent)).toEqual([
      'imagenet/datasets/imagenetread-onlyILSVRC 2012, train and val',
      'scratch/scratchread-write',
    ]);
    expect(fetch).toHaveBeenCalledWith('/api/datasets', expect.anything());
  });
});
