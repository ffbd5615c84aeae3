// @vitest-environment happy-dom
import { cleanup, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../../api/client';
import { MockAdminUser, MockOthersSandbox, MockRecentEvents, MockSandboxRunning, MockUser, MockUsers } from '../../testing/mocks';
import { renderView } from '../../testing/render';
import { AdminForbiddenView, AdminPageView, type AdminPageViewProps } from './AdminPageView';

afterEach(cleanup);

const props = (overrides: Partial<AdminPageViewProps> = {}): AdminPageViewProps => ({
  me: MockAdminUser,
  users: {
    users: MockUsers,
    error: null,
    onRetry: vi.fn(),
    onCreate: vi.fn(async (request) => ({ ...MockUser, id: 9, username: request.username, password: 'generated-pass-123' })),
    onUpdate: vi.fn(async () => MockUser),
  },
  sandboxes: { sandboxes: [MockSandboxRunning, MockOthersSandbox], error: null, onRetry: vi.fn(), busyIds: new Set(), stopError: null, onStop: vi.fn() },
  events: { events: MockRecentEvents, error: null, onRetry: vi.fn() },
  ...overrides,
});

const actionsFor = (user: string) => screen.getByRole('group', { name: `Actions for ${user}` });

describe('AdminPageView', () => {
  it('lists users with role and status, and changes them', async () => {
    const p = props();
    renderView(<AdminPageView {...p} />);
    const rows = within(screen.getByRole('table', { name: 'Users' })).getAllByRole('row').slice(1);
    expect(rows.map((r) => within(r).getByRole('rowheader').textContent)).toEqual(['adminyou', 'alice', 'bob']);
    expect(rows[2]!.textContent).toContain('disabled');

    await userEvent.click(within(actionsFor('alice')).getByRole('button', { name: 'Make admin' }));
    expect(p.users.onUpdate).toHaveBeenLastCalledWith(MockUser, { admin: true });
    await userEvent.click(within(actionsFor('alice')).getByRole('button', { name: 'Disable' }));
    expect(p.users.onUpdate).toHaveBeenLastCalledWith(MockUser, { disabled: true });
    expect(within(actionsFor('bob')).getByRole('button', { name: 'Enable' })).toBeTruthy();
  });

  it('does not let an admin demote or disable themselves', () => {
    renderView(<AdminPageView {...props()} />);
    expect(within(actionsFor('admin')).getByRole('button', { name: 'Remove admin' }).hasAttribute('disabled')).toBe(true);
    expect(within(actionsFor('admin')).getByRole('button', { name: 'Disable' }).hasAttribute('disabled')).toBe(true);
  });

  it('creates a user and shows the generated password once', async () => {
    const p = props();
    renderView(<AdminPageView {...p} />);
    await userEvent.click(screen.getByRole('button', { name: 'Create user' }));
    const dialog = screen.getByRole('dialog', { name: 'Create user' });
    await userEvent.type(within(dialog).getByRole('textbox', { name: /Username/ }), 'dave');
    await userEvent.click(within(dialog).getByRole('checkbox', { name: 'Admin' }));
    await userEvent.click(within(dialog).getByRole('button', { name: 'Create user' }));
    expect(p.users.onCreate).toHaveBeenCalledWith({ username: 'dave', admin: true });
    expect((await within(dialog).findByLabelText('Password')).textContent).toBe('generated-pass-123');
    expect(within(dialog).getByText('The password of dave, shown only now:')).toBeTruthy();
  });

  it('says when the username is taken', async () => {
    const p = props();
    p.users.onCreate = vi.fn(async () => {
      throw new ApiError(409, 'USER_EXISTS', 'exists');
    });
    renderView(<AdminPageView {...p} />);
    await userEvent.click(screen.getByRole('button', { name: 'Create user' }));
    const dialog = screen.getByRole('dialog', { name: 'Create user' });
    await userEvent.type(within(dialog).getByRole('textbox', { name: /Username/ }), 'alice');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Create user' }));
    expect(await within(dialog).findByText('A user with this name already exists.')).toBeTruthy();
  });

  it('resets a password to a generated one and shows it once', async () => {
    const p = props();
    renderView(<AdminPageView {...p} />);
    await userEvent.click(within(actionsFor('alice')).getByRole('button', { name: 'Reset password' }));
    const dialog = screen.getByRole('dialog', { name: 'New password for alice' });
    await userEvent.click(within(dialog).getByRole('button', { name: 'Generate' }));
    const typed = within(dialog).getByRole('textbox', { name: 'New password' });
    if (!(typed instanceof HTMLInputElement)) throw new Error('the new password is not an input');
    const generated = typed.value;
    expect(generated).toHaveLength(18);
    await userEvent.click(within(dialog).getByRole('button', { name: 'Set password' }));
    expect(p.users.onUpdate).toHaveBeenCalledWith(MockUser, { password: generated });
    expect((await within(dialog).findByLabelText('New password')).textContent).toBe(generated);
  });

  it('shows why a change was refused', async () => {
    const p = props();
    p.users.onUpdate = vi.fn(async () => {
      throw new ApiError(409, 'LAST_ADMIN', 'This is the last admin who can sign in; make another admin first.');
    });
    renderView(<AdminPageView {...p} />);
    await userEvent.click(within(actionsFor('alice')).getByRole('button', { name: 'Disable' }));
    await waitFor(() => expect(screen.getByText('This is the last admin who can sign in; make another admin first.')).toBeTruthy());
  });

  it("stops anyone's sandbox after confirming", async () => {
    const p = props();
    renderView(<AdminPageView {...p} />);
    await userEvent.click(screen.getByRole('button', { name: 'Stop carol/thesis' }));
    await userEvent.click(within(screen.getByRole('dialog', { name: 'Stop carol/thesis?' })).getByRole('button', { name: 'Stop' }));
    expect(p.sandboxes.onStop).toHaveBeenCalledWith(MockOthersSandbox);
  });

  it('shows recent events with the first line of their message', () => {
    renderView(<AdminPageView {...props()} />);
    const rows = within(screen.getByRole('table', { name: 'Recent events' })).getAllByRole('row').slice(1);
    expect(rows).toHaveLength(4);
    expect(rows[0]!.textContent).toContain('alice/main');
    expect(rows[2]!.textContent).toContain('Pulling shiva/pytorch:2.6 (48%)');
  });

  it('says when the hub has no recent events to give', () => {
    renderView(<AdminPageView {...props({ events: { events: undefined, error: new ApiError(404, 'NOT_FOUND', 'x'), onRetry: vi.fn() } })} />);
    expect(screen.getByText('This hub does not report recent events yet.')).toBeTruthy();
  });

  it('tells a non-admin the page is not for them', () => {
    renderView(<AdminForbiddenView />);
    expect(screen.getByText('Only admins may see this page.')).toBeTruthy();
  });
});
