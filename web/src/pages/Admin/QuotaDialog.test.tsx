// @vitest-environment happy-dom
import { cleanup, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../../api/client';
import { MockAdminUser, MockUser } from '../../testing/mocks';
import { renderView } from '../../testing/render';
import { mockUsersProps } from '../../testing/usersProps';
import { UsersSection } from './UsersSection';
import { quotaFromField } from './QuotaDialog';

afterEach(cleanup);

const section = (onUpdate = vi.fn(async () => MockUser)) => {
  renderView(<UsersSection me={MockAdminUser} {...mockUsersProps({ onUpdate })} />);
  return onUpdate;
};
const actionsFor = (user: string) => screen.getByRole('group', { name: `Actions for ${user}` });

describe('home quotas on the Admin page', () => {
  it("shows each user's home against their quota", () => {
    section();
    const row = screen.getByRole('rowheader', { name: 'alice' }).closest('tr')!;
    expect(within(row).getByRole('progressbar').getAttribute('aria-valuetext')).toBe('3 of 10 GiB');
  });

  it('sets a quota in GiB, and an empty field gives the default back', async () => {
    const onUpdate = section();
    await userEvent.click(within(actionsFor('alice')).getByRole('button', { name: 'Set quota' }));
    const dialog = screen.getByRole('dialog', { name: 'Home quota of alice' });
    const field = within(dialog).getByRole('textbox', { name: 'Quota in GiB' });
    expect((field as HTMLInputElement).value).toBe('10');
    await userEvent.clear(field);
    await userEvent.type(field, '25.5');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Save quota' }));
    expect(onUpdate).toHaveBeenLastCalledWith(MockUser, { quotaGiB: 25.5 });
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());

    await userEvent.click(within(actionsFor('alice')).getByRole('button', { name: 'Set quota' }));
    const again = screen.getByRole('dialog', { name: 'Home quota of alice' });
    await userEvent.clear(within(again).getByRole('textbox', { name: 'Quota in GiB' }));
    await userEvent.click(within(again).getByRole('button', { name: 'Save quota' }));
    expect(onUpdate).toHaveBeenLastCalledWith(MockUser, { quotaGiB: null });
  });

  it('does not send a quota that is not a number of GiB, and shows what the hub refused', async () => {
    expect([quotaFromField('-1'), quotaFromField('abc'), quotaFromField('2000000'), quotaFromField('1e3')]).toEqual([undefined, undefined, undefined, undefined]);
    const onUpdate = section(vi.fn(async () => Promise.reject(new ApiError(502, 'QUOTA_BACKEND_FAILED', '`xfs_quota -x -c …` failed'))));
    await userEvent.click(within(actionsFor('alice')).getByRole('button', { name: 'Set quota' }));
    const dialog = screen.getByRole('dialog', { name: 'Home quota of alice' });
    const field = within(dialog).getByRole('textbox', { name: 'Quota in GiB' });
    await userEvent.clear(field);
    await userEvent.type(field, 'lots');
    expect(within(dialog).getByRole('button', { name: 'Save quota' }).hasAttribute('disabled')).toBe(true);
    await userEvent.clear(field);
    await userEvent.type(field, '5');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Save quota' }));
    expect(onUpdate).toHaveBeenCalledTimes(1);
    expect((await within(dialog).findByRole('alert')).textContent).toBeTruthy();
  });
});
