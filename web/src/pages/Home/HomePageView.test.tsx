// @vitest-environment happy-dom
import { cleanup, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../../api/client';
import { MOCK_NOW, MockSandboxes, MockSandboxFailed, MockSandboxIdle, MockSandboxKernelKilled, MockSandboxOutOfMemory, MockSandboxRunning, MockSandboxStopped } from '../../testing/mocks';
import { mockHomeProps } from '../../testing/homeProps';
import { renderView } from '../../testing/render';
import { HomePageView } from './HomePageView';

afterEach(cleanup);

describe('HomePageView', () => {
  it('shows a banner on a sandbox about to be stopped, whose Keep it running keeps that one', async () => {
    const onKeep = vi.fn();
    renderView(<HomePageView {...mockHomeProps({ sandboxes: [...MockSandboxes, MockSandboxIdle], onKeep })} />);
    const banners = screen.getAllByRole('alert');
    expect(banners).toHaveLength(1);
    expect(banners[0]!.textContent).toContain('idle has been idle: it stops at');
    await userEvent.click(within(banners[0]!).getByRole('button', { name: 'Keep it running: idle' }));
    expect(onKeep).toHaveBeenCalledWith(MockSandboxIdle);
  });

  it('lists my sandboxes with state, image, machine, resources and times, live ones first', () => {
    renderView(<HomePageView {...mockHomeProps()} />);
    const table = screen.getByRole('table', { name: 'My sandboxes' });
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows.map((r) => within(r).getByRole('rowheader').textContent)).toEqual(['exp', 'main', 'old' + MockSandboxFailed.reason, 'train' + MockSandboxStopped.reason]);
    const main = rows[1]!;
    expect(main.textContent).toContain('Running');
    expect(main.textContent).toContain('notebook');
    expect(main.textContent).toContain('gpu-1');
    expect(main.textContent).toContain('4 CPUs · 16 GiB · 1 GPU');
    expect(main.textContent).toContain('3 hours ago');
    expect(main.textContent).toContain('4 minutes ago');
  });

  it('opens a running sandbox in a new tab', () => {
    renderView(<HomePageView {...mockHomeProps()} />);
    const open = screen.getByRole('link', { name: 'Open main in a new tab' });
    expect(open.getAttribute('href')).toBe(MockSandboxRunning.url);
    expect(open.getAttribute('target')).toBe('_blank');
    expect(open.getAttribute('rel')).toContain('noopener');
    expect(screen.queryByRole('link', { name: 'Open exp in a new tab' })).toBeNull();
  });

  it('stops a sandbox only after the person confirms', async () => {
    const onStop = vi.fn();
    renderView(<HomePageView {...mockHomeProps({ onStop })} />);
    await userEvent.click(screen.getByRole('button', { name: 'Stop main' }));
    const dialog = screen.getByRole('dialog', { name: 'Stop main?' });
    await userEvent.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(onStop).not.toHaveBeenCalled();
    await userEvent.click(await screen.findByRole('button', { name: 'Stop main' }));
    await userEvent.click(within(screen.getByRole('dialog', { name: 'Stop main?' })).getByRole('button', { name: 'Stop' }));
    expect(onStop).toHaveBeenCalledWith(MockSandboxRunning);
  });

  it('relaunches stopped and failed sandboxes, and offers no Stop for them', async () => {
    const onRelaunch = vi.fn();
    renderView(<HomePageView {...mockHomeProps({ onRelaunch })} />);
    expect(screen.queryByRole('button', { name: 'Stop train' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Launch main again' })).toBeNull();
    await userEvent.click(screen.getByRole('button', { name: 'Launch train again' }));
    expect(onRelaunch).toHaveBeenCalledWith(MockSandboxStopped);
    expect(screen.getByRole('button', { name: 'Launch old again' })).toBeTruthy();
  });

  it('says why a sandbox ended, shows its last log lines when asked, and launches it again', async () => {
    const onRelaunch = vi.fn();
    renderView(<HomePageView {...mockHomeProps({ sandboxes: [MockSandboxOutOfMemory], onRelaunch })} />);
    expect(screen.getByText('out of memory: the sandbox used its 4 GiB limit')).toBeTruthy();
    const toggle = screen.getByRole('button', { name: 'Last log lines of big' });
    expect(toggle.getAttribute('aria-expanded')).toBe('false');
    expect(screen.queryByText(/Killed/)).toBeNull();
    await userEvent.click(toggle);
    expect(toggle.getAttribute('aria-expanded')).toBe('true');
    expect(screen.getByText(/Kernel started\s+Killed/)).toBeTruthy();
    await userEvent.click(screen.getByRole('button', { name: 'Launch big again' }));
    expect(onRelaunch).toHaveBeenCalledWith(MockSandboxOutOfMemory);
  });

  it('says on a running sandbox that a process of it was killed for memory at its limit', () => {
    renderView(<HomePageView {...mockHomeProps({ sandboxes: [MockSandboxKernelKilled] })} />);
    expect(screen.getByText(/A process was killed: out of memory at the 4 GiB limit/)).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Stop notes' })).toBeTruthy();
  });

  it('hides an ended sandbox whose name a live one has taken again', () => {
    const relaunched = { ...MockSandboxStopped, id: 'sbx_new', state: 'running' as const, createdAt: new Date().toISOString() };
    renderView(<HomePageView {...mockHomeProps({ sandboxes: [MockSandboxStopped, relaunched] })} />);
    expect(screen.getAllByRole('row')).toHaveLength(2);
    expect(screen.queryByRole('button', { name: 'Launch train again' })).toBeNull();
  });

  it('says when there are no sandboxes yet', () => {
    renderView(<HomePageView {...mockHomeProps({ sandboxes: [] })} />);
    expect(screen.getByText('No sandboxes yet.')).toBeTruthy();
  });

  it('shows loading, then an error with a retry', async () => {
    const { unmount } = renderView(<HomePageView {...mockHomeProps({ sandboxes: undefined })} />);
    expect(screen.getAllByRole('status')[0]!.getAttribute('aria-busy')).toBe('true');
    unmount();
    const onRetrySandboxes = vi.fn();
    renderView(<HomePageView {...mockHomeProps({ sandboxes: undefined, sandboxesError: new ApiError(0, 'UNREACHABLE', 'offline'), onRetrySandboxes })} />);
    await userEvent.click(screen.getByRole('button', { name: 'Try again' }));
    expect(onRetrySandboxes).toHaveBeenCalled();
  });

  it('shows why a stop failed', () => {
    renderView(<HomePageView {...mockHomeProps({ stopError: new ApiError(503, 'RUNTIME_UNAVAILABLE', 'The container engine does not answer.') })} />);
    expect(screen.getByText('The container engine does not answer.')).toBeTruthy();
  });

  it('says when each sandbox started, and when an ended one stopped or failed, never "Running since"', () => {
    renderView(<HomePageView {...mockHomeProps()} />);
    const table = screen.getByRole('table', { name: 'My sandboxes' });
    expect(table.querySelector('thead')!.textContent).toContain('Started or ended');
    expect(table.textContent).not.toContain('Running since');
    const row = (name: string) => within(table).getByRole('rowheader', { name: new RegExp(`^${name}`) }).closest('tr')!;
    expect(row('main').textContent).toContain('Started 3 hours ago');
    expect(row('exp').textContent).toContain('not yet');
    expect(row('train').textContent).toContain('Stopped yesterday');
    expect(row('train').textContent).not.toContain('Started');
    expect(row('old').textContent).toContain('Failed yesterday');
  });

  it('never shows a time that has passed as ahead, when the hub\'s clock runs ahead of the browser\'s', () => {
    const justStarted = { ...MockSandboxRunning, startedAt: new Date(MOCK_NOW + 1_500).toISOString(), lastActivityAt: new Date(MOCK_NOW + 4_000).toISOString() };
    renderView(<HomePageView {...mockHomeProps({ sandboxes: [justStarted] })} />);
    const row = screen.getByRole('rowheader', { name: 'main' }).closest('tr')!;
    expect(row.textContent).toContain('Started now');
    expect(row.textContent).not.toMatch(/in \d+ seconds?/);
  });

  it('shows a refused relaunch on the row of that sandbox, not under the launch form', () => {
    const refusal = new ApiError(409, 'NO_CAPACITY', 'No machine has room for 4 CPUs, 16 GiB.');
    renderView(<HomePageView {...mockHomeProps({ relaunchErrors: new Map([[MockSandboxStopped.id, refusal]]) })} />);
    const table = screen.getByRole('table', { name: 'My sandboxes' });
    const train = within(table).getByRole('rowheader', { name: /^train/ }).closest('tr')!;
    expect(within(train).getByRole('alert').textContent).toBe('Launching again failed: No machine has room for 4 CPUs, 16 GiB.');
    expect(within(table).getAllByRole('alert')).toHaveLength(1);
    expect(within(screen.getByRole('form', { name: 'Launch my container' })).queryByRole('alert')).toBeNull();
  });

  it('names in the hint the sandbox an empty name makes, by the hub\'s rule', () => {
    const { unmount } = renderView(<HomePageView {...mockHomeProps()} />);
    expect(screen.getByText('Lowercase letters, digits and dashes; empty picks "main-2".')).toBeTruthy();
    expect(screen.getByRole('textbox', { name: 'Name (optional)' }).getAttribute('placeholder')).toBe('main-2');
    unmount();
    // An ended "main" frees the name.
    const { unmount: unmount2 } = renderView(<HomePageView {...mockHomeProps({ sandboxes: [{ ...MockSandboxStopped, name: 'main' }] })} />);
    expect(screen.getByText('Lowercase letters, digits and dashes; empty picks "main".')).toBeTruthy();
    unmount2();
    renderView(<HomePageView {...mockHomeProps({ sandboxes: undefined })} />);
    expect(screen.getByText(/empty picks "main", or "main-2", "main-3"… when that is taken/)).toBeTruthy();
  });

  it('keeps a long name on one line, whole on hover', () => {
    const long = { ...MockSandboxRunning, name: 'a-rather-long-sandbox-name-here' };
    renderView(<HomePageView {...mockHomeProps({ sandboxes: [long] })} />);
    const name = screen.getByTitle('a-rather-long-sandbox-name-here');
    expect(name.textContent).toBe('a-rather-long-sandbox-name-here');
    expect(name.style.whiteSpace).toBe('nowrap');
    expect(name.style.textOverflow).toBe('ellipsis');
  });

  it('is in Japanese when Japanese is chosen', () => {
    renderView(<HomePageView {...mockHomeProps()} />, { language: 'ja' });
    expect(screen.getByRole('heading', { name: 'マイ サンドボックス' })).toBeTruthy();
    expect(screen.getByRole('button', { name: 'コンテナを起動' })).toBeTruthy();
    expect(screen.getByText('英小文字・数字・ハイフン。空なら "main-2"。')).toBeTruthy();
    expect(screen.getByRole('rowheader', { name: /^train/ }).closest('tr')!.textContent).toContain('停止: 昨日');
  });
});
