// @vitest-environment happy-dom
import { act, cleanup, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MockEnvironment, MockSaveEventsSaved, MockSaveStarted, MockSharedEnvironment } from '../../testing/environmentMocks';
import { FakeEventSource } from '../../testing/fakeEventSource';
import { MockDatasets, MockImages, MockMachines, MockMe, MockSandboxes, MockSandboxRunning, MockSandboxStopped } from '../../testing/mocks';
import { renderView } from '../../testing/render';
import { HomePage } from './HomePage';

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

/** The hub as home reads it, with every launch refused for want of room; `more` answers first where it has an answer. */
function hubRefusingLaunches(more: (path: string, init?: RequestInit) => Response | undefined = () => undefined): ReturnType<typeof vi.fn> {
  return vi.fn(async (path: string, init?: RequestInit) => {
    const answer = more(path, init);
    if (answer) return answer;
    if (path === '/api/sandboxes' && init?.method === 'POST') {
      return json(409, { error: { code: 'NO_CAPACITY', message: 'No machine has room for 4 CPUs, 16 GiB.' } });
    }
    if (path === '/api/me') return json(200, MockMe);
    if (path.startsWith('/api/sandboxes')) return json(200, { items: MockSandboxes, total: MockSandboxes.length, next: null });
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
  it('shows a sandbox running since long ago behind a page of newer ones that ended', async () => {
    const ended = Array.from({ length: 100 }, (_, i) => ({ ...MockSandboxStopped, id: `sbx_ended${i}`, name: `old${i}` }));
    vi.stubGlobal(
      'fetch',
      hubRefusingLaunches((path) => {
        if (path === '/api/sandboxes?ended=true') return json(200, { items: ended, total: 101, next: 'more' });
        if (path.startsWith('/api/sandboxes?limit=')) return json(200, { items: [MockSandboxRunning], total: 1, next: null });
        return undefined;
      }),
    );
    renderView(<HomePage />);
    const table = await screen.findByRole('table', { name: 'My sandboxes' });
    expect(await within(table).findByRole('rowheader', { name: new RegExp(`^${MockSandboxRunning.name}`) })).toBeTruthy();
  });

  it('shows every live sandbox where sandboxes.maxPerUser lets a user run more than a default page holds', async () => {
    // The hub answers a page of 100 unless asked for more; a user may run as many as the operator allows.
    const live = Array.from({ length: 150 }, (_, i) => ({ ...MockSandboxRunning, id: `sbx_live${i}`, name: `live${i}` }));
    vi.stubGlobal(
      'fetch',
      hubRefusingLaunches((path) => {
        if (path === '/api/sandboxes?ended=true') return json(200, { items: live.slice(0, 100), total: 150, next: 'more' });
        const limit = /^\/api\/sandboxes(?:\?limit=(\d+))?$/.exec(path);
        if (limit) {
          const n = Number(limit[1] ?? 100);
          return json(200, { items: live.slice(0, n), total: 150, next: n < 150 ? 'more' : null });
        }
        return undefined;
      }),
    );
    renderView(<HomePage />);
    const table = await screen.findByRole('table', { name: 'My sandboxes' });
    expect(await within(table).findByRole('rowheader', { name: /^live149/ })).toBeTruthy();
  });

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

  it('saves my running sandbox, shows the save as it happens, and then lists it under My environments', async () => {
    let saved = false;
    vi.stubGlobal('EventSource', FakeEventSource);
    vi.stubGlobal(
      'fetch',
      hubRefusingLaunches((path, init) => {
        if (path === '/api/sandboxes/sbx_a1/save' && init?.method === 'POST') return json(202, MockSaveStarted);
        if (path === '/api/environments') return json(200, saved ? [MockEnvironment, MockSharedEnvironment] : [MockSharedEnvironment]);
        return undefined;
      }),
    );
    renderView(<HomePage />);
    await userEvent.click(await screen.findByRole('button', { name: 'Save main as an environment' }));
    const dialog = screen.getByRole('dialog', { name: 'Save main as an environment' });
    await userEvent.type(within(dialog).getByRole('textbox', { name: 'Name' }), 'torch');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Save' }));
    expect(fetch).toHaveBeenCalledWith('/api/sandboxes/sbx_a1/save', expect.objectContaining({ method: 'POST', body: JSON.stringify({ name: 'torch' }) }));
    const progress = await screen.findByRole('region', { name: 'Saving main as torch' });
    expect(FakeEventSource.last!.url).toBe('/api/sandboxes/sbx_a1/events?follow=true');
    expect(screen.queryByRole('table', { name: 'My environments' })).toBeNull();

    saved = true;
    act(() => {
      for (const event of MockSaveEventsSaved) FakeEventSource.last!.emitEvent(event);
    });
    expect(within(progress).getByText('Saved. Launch it from the form below: it is listed as alice/torch.')).toBeTruthy();
    const mine = await screen.findByRole('table', { name: 'My environments' });
    expect(within(mine).getByRole('rowheader').textContent).toContain('torch');
  });
});
