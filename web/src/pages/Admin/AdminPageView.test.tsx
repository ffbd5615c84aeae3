// @vitest-environment happy-dom
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../../api/client';
import {
  MockAdminUser,
  MockAuditEntries,
  MockAuditEntriesOlder,
  MockDisabledUser,
  MockImagePulls,
  MockImages,
  MockOthersSandbox,
  MockRecentEvents,
  MockSandboxRunning,
  MockUser,
} from '../../testing/mocks';
import { renderView } from '../../testing/render';
import { choose } from '../../testing/select';
import { MockUsageReport } from '../../testing/usageMocks';
import { mockUsersProps } from '../../testing/usersProps';
import { AdminForbiddenView, AdminPageView, type AdminPageViewProps } from './AdminPageView';

afterEach(cleanup);

const props = (overrides: Partial<AdminPageViewProps> = {}): AdminPageViewProps => ({
  me: MockAdminUser,
  users: mockUsersProps(),
  sandboxes: { sandboxes: [MockSandboxRunning, MockOthersSandbox], error: null, onRetry: vi.fn(), busyIds: new Set(), stopError: null, onStop: vi.fn() },
  images: { images: MockImages, error: null, onRetry: vi.fn(), pulls: MockImagePulls, pullsLost: false, asking: new Set(), pullError: null, onPull: vi.fn() },
  events: { events: MockRecentEvents, error: null, onRetry: vi.fn() },
  audit: { filters: {}, onFilter: vi.fn(), entries: MockAuditEntries, error: null, onRetry: vi.fn(), hasOlder: true, loadingOlder: false, onOlder: vi.fn() },
  usage: { range: { from: '2026-02-01', to: '2026-03-02' }, onRange: vi.fn(), report: MockUsageReport, error: null, onRetry: vi.fn() },
  ...overrides,
});

const actionsFor = (user: string) => screen.getByRole('group', { name: `Actions for ${user}` });

describe('AdminPageView', () => {
  it("pulls an image to every machine with its button, and shows each machine's latest pull as it goes", async () => {
    const p = props();
    renderView(<AdminPageView {...p} />);
    const table = screen.getByRole('table', { name: 'Images' });
    await userEvent.click(within(table).getByRole('button', { name: 'Pull pytorch to every machine' }));
    expect(p.images.onPull).toHaveBeenCalledWith(MockImages[1]);

    const pytorch = within(table).getByRole('list', { name: 'pytorch' });
    expect(within(pytorch).getAllByRole('listitem').map((li) => li.textContent)).toEqual([
      `cpu-1Failed · 2 minutes ago${MockImagePulls[3]!.reason}`,
      'gpu-1Pulling · 2.4 GiB of 6 GiB',
      'gpu-2Queued',
    ]);
    expect(within(pytorch).getByRole('progressbar', { name: 'pytorch on gpu-1' }).getAttribute('aria-valuenow')).toBe('40');
    expect(within(table).getByRole('list', { name: 'notebook' }).textContent).toBe('gpu-2Pulled · pre-pull · 1 hour ago');
  });

  it('keeps an image button off while its pull is asked for, and says why a pull was refused or the progress is no longer followed', () => {
    const p = props();
    p.images = { ...p.images, asking: new Set(['notebook']), pullError: new ApiError(404, 'NO_SUCH_IMAGE', 'No image named x is in the catalogue.'), pullsLost: true, pulls: [] };
    renderView(<AdminPageView {...p} />);
    expect(screen.getByRole('button', { name: 'Pull notebook to every machine' }).hasAttribute('disabled')).toBe(true);
    expect(screen.getByRole('button', { name: 'Pull pytorch to every machine' }).hasAttribute('disabled')).toBe(false);
    expect(screen.getByText('No image named x is in the catalogue.')).toBeTruthy();
    expect(screen.getByText('Pull progress is no longer followed; reload the page to follow it again.')).toBeTruthy();
    expect(screen.getAllByText('No pull lately.')).toHaveLength(2);
  });

  it('shows the images and their pulls in Japanese', () => {
    renderView(<AdminPageView {...props()} />, { language: 'ja' });
    const table = screen.getByRole('table', { name: 'イメージ' });
    expect(within(table).getByRole('button', { name: 'pytorch をすべてのマシンに取得' }).textContent).toBe('すべてのマシンに取得');
    expect(within(table).getByRole('list', { name: 'pytorch' }).textContent).toContain('gpu-1取得中 · 2.4 GiB / 6 GiB');
  });

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

  it('asks the hub for what the search box says and for the next page, and says when no user matches', async () => {
    const p = props({ users: mockUsersProps({ total: 10_001, pageSize: 3 }) });
    renderView(<AdminPageView {...p} />);
    expect(screen.getByText('1–3 of 10,001')).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Previous page' }).hasAttribute('disabled')).toBe(true);
    await userEvent.click(screen.getByRole('button', { name: 'Next page' }));
    expect(p.users.onPage).toHaveBeenLastCalledWith(1);
    fireEvent.change(screen.getByLabelText('Search users'), { target: { value: 'smith' } });
    expect(p.users.onSearch).toHaveBeenLastCalledWith('smith');
    cleanup();
    renderView(<AdminPageView {...props({ users: mockUsersProps({ users: [], total: 0, search: 'smith' }) })} />);
    expect(screen.getByText('No user\'s name or email contains “smith”.')).toBeTruthy();
  });

  it('keeps the pager still while the page asked for loads, so a second click cannot skip a page', () => {
    renderView(<AdminPageView {...props({ users: mockUsersProps({ total: 10_001, pageSize: 3, page: 1, pageLoading: true }) })} />);
    expect(screen.getByRole('button', { name: 'Next page' }).hasAttribute('disabled')).toBe(true);
    expect(screen.getByRole('button', { name: 'Previous page' }).hasAttribute('disabled')).toBe(true);
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

  it('asks for older events with Older while the hub has more, and offers nothing when it has none', async () => {
    const onOlder = vi.fn();
    renderView(<AdminPageView {...props({ events: { events: MockRecentEvents, error: null, onRetry: vi.fn(), hasOlder: true, loadingOlder: false, onOlder } })} />);
    const section = screen.getByRole('region', { name: 'Recent events' });
    await userEvent.click(within(section).getByRole('button', { name: 'Older' }));
    expect(onOlder).toHaveBeenCalledTimes(1);
    cleanup();
    renderView(<AdminPageView {...props()} />);
    expect(within(screen.getByRole('region', { name: 'Recent events' })).queryByRole('button', { name: 'Older' })).toBeNull();
  });

  it('shows recent events with the first line of their message', () => {
    renderView(<AdminPageView {...props()} />);
    const rows = within(screen.getByRole('table', { name: 'Recent events' })).getAllByRole('row').slice(1);
    expect(rows).toHaveLength(4);
    expect(rows[0]!.textContent).toContain('alice/main');
    expect(rows[2]!.textContent).toContain('Pulling shiva/pytorch:2.6: 48%');
    expect(rows[2]!.textContent).not.toContain('(48%)');
  });

  it('says recent events in Japanese from their codes, and keeps the hub\'s words for the rest', () => {
    renderView(<AdminPageView {...props()} />, { language: 'ja' });
    const rows = within(screen.getByRole('table', { name: '最近のイベント' })).getAllByRole('row').slice(1);
    expect(rows[0]!.textContent).toContain('1.4 秒で準備完了');
    expect(rows[2]!.textContent).toContain('shiva/pytorch:2.6 を取得中: 48%');
    expect(rows[1]!.textContent).toContain('The container exited with code 1 before answering.');
  });

  it('keeps user names on one line in narrow columns, whole on hover', () => {
    renderView(<AdminPageView {...props()} />);
    const users = screen.getByRole('table', { name: 'Users' });
    for (const name of within(users).getAllByTitle(/^[a-z]/)) {
      expect(name.style.whiteSpace).toBe('nowrap');
      expect(name.style.textOverflow).toBe('ellipsis');
    }
    expect(within(users).getByTitle('admin').textContent).toBe('admin');
    const events = screen.getByRole('table', { name: 'Recent events' });
    expect(within(events).getAllByTitle('alice/main')[0]!.style.whiteSpace).toBe('nowrap');
  });

  it('says when the hub has no recent events to give', () => {
    renderView(<AdminPageView {...props({ events: { events: undefined, error: new ApiError(404, 'NOT_FOUND', 'x'), onRetry: vi.fn() } })} />);
    expect(screen.getByText('This hub does not report recent events yet.')).toBeTruthy();
  });

  it("ends a user's sessions after confirming, and says so", async () => {
    const p = props();
    renderView(<AdminPageView {...p} />);
    await userEvent.click(within(actionsFor('bob')).getByRole('button', { name: 'End the sessions of bob' }));
    const dialog = screen.getByRole('dialog', { name: 'End every session of bob?' });
    expect(dialog.textContent).toContain('Their API tokens keep working.');
    await userEvent.click(within(dialog).getByRole('button', { name: 'End sessions' }));
    expect(p.users.onEndSessions).toHaveBeenCalledWith(MockDisabledUser);
    expect(await screen.findByText('Every session of bob has ended.')).toBeTruthy();
  });

  it('ends no sessions when the confirmation is cancelled', async () => {
    const p = props();
    renderView(<AdminPageView {...p} />);
    await userEvent.click(within(actionsFor('alice')).getByRole('button', { name: 'End the sessions of alice' }));
    await userEvent.click(within(screen.getByRole('dialog', { name: 'End every session of alice?' })).getByRole('button', { name: 'Cancel' }));
    expect(p.users.onEndSessions).not.toHaveBeenCalled();
  });

  it('shows the audit log: who, what, on what, with which result, from where and the details', () => {
    renderView(<AdminPageView {...props()} />);
    const rows = within(screen.getByRole('table', { name: 'Audit log' })).getAllByRole('row');
    expect(rows[0]!.textContent).toBe('TimeActorActionTargetResultAddressDetails');
    expect(rows.slice(1)).toHaveLength(MockAuditEntries.length);
    const launch = rows[2]!;
    expect([...launch.children].map((c) => c.textContent)).toEqual([
      expect.stringMatching(/2 Mar 2026|Mar 2, 2026/),
      'alice',
      'sandbox.launch',
      'alice/main',
      'ok',
      '10.0.4.17',
      'image=notebook cpus=4 memoryGiB=16 gpus=1',
    ]);
    expect(rows[4]!.textContent).toContain('refused');
    expect(rows[4]!.textContent).toContain('method=password error=INVALID_CREDENTIALS');
    expect(rows[5]!.textContent).toContain('failed');
  });

  it('filters the audit log by actor, action and result', async () => {
    const p = props();
    renderView(<AdminPageView {...p} />);
    const filters = screen.getByRole('search', { name: 'Filter the audit log' });
    await userEvent.type(within(filters).getByRole('textbox', { name: 'Actor' }), 'alice{Enter}');
    expect(p.audit.onFilter).toHaveBeenLastCalledWith({ actor: 'alice' });
    await choose('Action', 'auth.login');
    expect(p.audit.onFilter).toHaveBeenLastCalledWith({ actor: 'alice', action: 'auth.login' });
    await choose('Result', 'refused');
    expect(p.audit.onFilter).toHaveBeenLastCalledWith({ actor: 'alice', result: 'refused' });
  });

  it('offers every recorded action as a filter', async () => {
    renderView(<AdminPageView {...props()} />);
    await userEvent.click(screen.getByRole('combobox', { name: 'Action' }));
    expect(screen.getAllByRole('option').map((o) => o.textContent)).toEqual([
      'Any action',
      'auth.login',
      'auth.logout',
      'sandbox.launch',
      'sandbox.stop',
      'sandbox.admin-access',
      'user.create',
      'user.update',
      'user.password',
      'user.sessions.end',
      'homes.measure',
      'token.create',
      'token.revoke',
      'ssh-key.add',
      'ssh-key.remove',
      'ssh.connect',
      'ssh.disconnect',
      'image.pull',
      'image.pulled',
    ]);
  });

  it('clears the filters', async () => {
    const p = props({ audit: { ...props().audit, filters: { actor: 'alice', result: 'failed' } } });
    renderView(<AdminPageView {...p} />);
    await userEvent.click(screen.getByRole('button', { name: 'Clear' }));
    expect(p.audit.onFilter).toHaveBeenLastCalledWith({});
  });

  it('loads older entries below the newer ones, and offers no more after the oldest', async () => {
    const p = props();
    const { unmount } = renderView(<AdminPageView {...p} />);
    await userEvent.click(screen.getByRole('button', { name: 'Older' }));
    expect(p.audit.onOlder).toHaveBeenCalled();
    unmount();
    renderView(<AdminPageView {...props({ audit: { ...p.audit, entries: [...MockAuditEntries, ...MockAuditEntriesOlder], hasOlder: false } })} />);
    const rows = within(screen.getByRole('table', { name: 'Audit log' })).getAllByRole('row').slice(1);
    expect(rows.map((r) => r.children[2]!.textContent).slice(-2)).toEqual(['user.create', 'token.create']);
    expect(screen.queryByRole('button', { name: 'Older' })).toBeNull();
  });

  it('says when the audit log is empty, or nothing matches the filters', () => {
    const empty = { ...props().audit, entries: [], hasOlder: false };
    const { unmount } = renderView(<AdminPageView {...props({ audit: empty })} />);
    expect(screen.getByText('Nothing recorded yet.')).toBeTruthy();
    unmount();
    renderView(<AdminPageView {...props({ audit: { ...empty, filters: { action: 'token.revoke' } } })} />);
    expect(screen.getByText('Nothing matches these filters.')).toBeTruthy();
  });

  it('shows the audit log loading, and failing with a way to try again', async () => {
    const loading = { ...props().audit, entries: undefined };
    const { unmount } = renderView(<AdminPageView {...props({ audit: loading })} />);
    const section = screen.getByRole('region', { name: 'Audit log' });
    expect(within(section).getByRole('status').getAttribute('aria-busy')).toBe('true');
    unmount();
    const p = props({ audit: { ...loading, error: new ApiError(403, 'FORBIDDEN', 'Only admins may do this.') } });
    renderView(<AdminPageView {...p} />);
    expect(screen.getByText('Only admins may do this.')).toBeTruthy();
    await userEvent.click(within(screen.getByRole('region', { name: 'Audit log' })).getByRole('button', { name: 'Try again' }));
    expect(p.audit.onRetry).toHaveBeenCalled();
  });

  it('shows usage per user between the events and the audit log', () => {
    renderView(<AdminPageView {...props()} />);
    const titles = screen.getAllByRole('heading', { level: 2 }).map((h) => h.textContent);
    expect(titles.slice(-3)).toEqual(['Recent events', 'Usage', 'Audit log']);
    const rows = within(screen.getByRole('table', { name: 'Usage' })).getAllByRole('row');
    expect(rows.map((r) => r.children[0]!.textContent)).toEqual(['User', 'alice', 'carol', 'Total']);
  });

  it('tells a non-admin the page is not for them', () => {
    renderView(<AdminForbiddenView />);
    expect(screen.getByText('Only admins may see this page.')).toBeTruthy();
  });
});
