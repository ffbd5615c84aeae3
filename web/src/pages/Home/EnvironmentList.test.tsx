// @vitest-environment happy-dom
import { cleanup, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../../api/client';
import { MockEnvironment, MockEnvironments, MockSharedEnvironment } from '../../testing/environmentMocks';
import { mockHomeProps } from '../../testing/homeProps';
import { renderView } from '../../testing/render';
import { HomePageView, type MyEnvironmentsProps } from './HomePageView';

afterEach(cleanup);

const environments = (over: Partial<MyEnvironmentsProps> = {}): MyEnvironmentsProps => ({
  list: MockEnvironments,
  busyIds: new Set(),
  error: null,
  onShare: vi.fn(),
  onDelete: vi.fn(),
  ...over,
});

describe('My environments on Home', () => {
  it('lists mine with size, when each was saved and whether it is shared; shared ones of others are in the launch form only', () => {
    renderView(<HomePageView {...mockHomeProps({ environments: environments() })} />);
    const table = screen.getByRole('table', { name: 'My environments' });
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.textContent).toContain('torch');
    expect(rows[0]!.textContent).toContain('PyTorch with my packages');
    expect(rows[0]!.textContent).toContain('4.2 GiB');
    expect(rows[0]!.textContent).toContain('2 days ago');
    expect((within(rows[0]!).getByRole('switch', { name: 'Share torch with everyone' }) as HTMLInputElement).checked).toBe(false);
    expect(within(table).queryByText('jax')).toBeNull();
  });

  it('is not shown when I have saved none', () => {
    renderView(<HomePageView {...mockHomeProps({ environments: environments({ list: [MockSharedEnvironment] }) })} />);
    expect(screen.queryByRole('table', { name: 'My environments' })).toBeNull();
  });

  it('shares one with everyone and takes it back', async () => {
    const onShare = vi.fn();
    renderView(<HomePageView {...mockHomeProps({ environments: environments({ onShare }) })} />);
    await userEvent.click(screen.getByRole('switch', { name: 'Share torch with everyone' }));
    expect(onShare).toHaveBeenCalledWith(MockEnvironment, true);
    cleanup();
    renderView(<HomePageView {...mockHomeProps({ environments: environments({ list: [{ ...MockEnvironment, shared: true }], onShare }) })} />);
    await userEvent.click(screen.getByRole('switch', { name: 'Share torch with everyone' }));
    expect(onShare).toHaveBeenLastCalledWith({ ...MockEnvironment, shared: true }, false);
  });

  it('deletes one only after the person confirms, and says why a delete failed', async () => {
    const onDelete = vi.fn();
    renderView(<HomePageView {...mockHomeProps({ environments: environments({ onDelete }) })} />);
    await userEvent.click(screen.getByRole('button', { name: 'Delete torch' }));
    const dialog = screen.getByRole('dialog', { name: 'Delete torch?' });
    await userEvent.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(onDelete).not.toHaveBeenCalled();
    await userEvent.click(await screen.findByRole('button', { name: 'Delete torch' }));
    await userEvent.click(within(screen.getByRole('dialog', { name: 'Delete torch?' })).getByRole('button', { name: 'Delete' }));
    expect(onDelete).toHaveBeenCalledWith(MockEnvironment);
    cleanup();
    const error = new ApiError(503, 'REGISTRY_UNAVAILABLE', "The team's registry does not answer, or refused the request; the hub's log says why.");
    renderView(<HomePageView {...mockHomeProps({ environments: environments({ error, busyIds: new Set([MockEnvironment.id]) }) })} />);
    expect(screen.getByText(error.message)).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Delete torch' }).hasAttribute('disabled')).toBe(true);
  });
});
