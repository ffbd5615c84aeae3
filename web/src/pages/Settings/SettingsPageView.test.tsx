// @vitest-environment happy-dom
import { cleanup, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../../api/client';
import { MockCreatedToken, MockTokens } from '../../testing/mocks';
import { renderView } from '../../testing/render';
import { mockSettingsProps } from '../../testing/settingsProps';
import { choose } from '../../testing/select';
import { SettingsPageView } from './SettingsPageView';

afterEach(cleanup);

const props = mockSettingsProps;

const fillPasswords = async (current: string, next: string, again: string) => {
  await userEvent.type(screen.getByLabelText(/Current password/), current);
  await userEvent.type(screen.getByLabelText(/^New password \*/), next);
  await userEvent.type(screen.getByLabelText(/New password again/), again);
  await userEvent.click(screen.getByRole('button', { name: 'Change password' }));
};

describe('SettingsPageView', () => {
  it('changes the password', async () => {
    const p = props();
    renderView(<SettingsPageView {...p} />);
    await fillPasswords('old-password', 'new-password-1', 'new-password-1');
    expect(p.password.onChange).toHaveBeenCalledWith({ currentPassword: 'old-password', newPassword: 'new-password-1' });
    expect(await screen.findByText('Your password is changed.')).toBeTruthy();
  });

  it('checks the new password twice before sending it', async () => {
    const p = props();
    renderView(<SettingsPageView {...p} />);
    await fillPasswords('old-password', 'new-password-1', 'new-password-2');
    expect(p.password.onChange).not.toHaveBeenCalled();
    expect(screen.getByText('The two new passwords differ.')).toBeTruthy();
  });

  it('says when the current password is wrong', async () => {
    const p = props({ password: { onChange: vi.fn(async () => Promise.reject(new ApiError(401, 'INVALID_CREDENTIALS', 'wrong'))) } });
    renderView(<SettingsPageView {...p} />);
    await fillPasswords('bad-password', 'new-password-1', 'new-password-1');
    expect(await screen.findByText('The current password is wrong.')).toBeTruthy();
  });

  it('lists tokens with their scopes, when they expire, and when and from where they were last used', () => {
    renderView(<SettingsPageView {...props()} />);
    const rows = within(screen.getByRole('table', { name: 'API tokens' })).getAllByRole('row').slice(1);
    expect(rows[0]!.textContent).toContain('laptop');
    expect(rows[0]!.textContent).toContain('sandboxes:readsandboxes:launch');
    expect(rows[1]!.textContent).toContain('ci');
    expect(rows[1]!.textContent).toContain('sandboxes:read');
    expect(rows[0]!.textContent).toContain('in 18 days');
    expect(rows[0]!.textContent).toContain('2 hours ago from 10.0.4.17');
    expect(rows[1]!.textContent).toContain('Never');
  });

  it('keeps token names on one line in the narrow name column, whole on hover', () => {
    renderView(<SettingsPageView {...props()} />);
    const table = screen.getByRole('table', { name: 'API tokens' });
    // "laptop" read "lapto / p" when the column was narrow.
    const name = within(table).getByTitle('laptop');
    expect(name.textContent).toBe('laptop');
    expect(name.style.whiteSpace).toBe('nowrap');
    expect(name.style.textOverflow).toBe('ellipsis');
    expect(name.closest('th')?.getAttribute('scope')).toBe('row');
  });

  it('creates a token with a name and expiry and shows its secret once, with a copy button', async () => {
    const p = props();
    const writeText = vi.fn(async () => undefined);
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
    renderView(<SettingsPageView {...p} />);
    await userEvent.type(screen.getByRole('textbox', { name: /Token name/ }), 'scripts');
    await choose('Expires', '90 days');
    await userEvent.click(screen.getByRole('button', { name: 'Create token' }));
    expect(p.tokens.onCreate).toHaveBeenCalledWith({ name: 'scripts', scopes: ['sandboxes:read', 'sandboxes:launch', 'sandboxes:access', 'machines:read'], expiresInDays: 90 });
    expect((await screen.findByLabelText('New token')).textContent).toBe(MockCreatedToken.token);
    expect(screen.getByText('Copy your new token now: it is shown only once.')).toBeTruthy();
    await userEvent.click(screen.getByRole('button', { name: 'Copy' }));
    expect(writeText).toHaveBeenCalledWith(MockCreatedToken.token);
    await waitFor(() => expect(screen.getByRole('button', { name: 'Copied' })).toBeTruthy());
  });

  it('creates a token that never expires', async () => {
    const p = props();
    renderView(<SettingsPageView {...p} />);
    await userEvent.type(screen.getByRole('textbox', { name: /Token name/ }), 'forever');
    await choose('Expires', 'Never');
    await userEvent.click(screen.getByRole('button', { name: 'Create token' }));
    expect(p.tokens.onCreate).toHaveBeenCalledWith({ name: 'forever', scopes: ['sandboxes:read', 'sandboxes:launch', 'sandboxes:access', 'machines:read'] });
  });

  it('offers every scope but admin to a non-admin, each with what it allows, all ticked but those over credentials', () => {
    renderView(<SettingsPageView {...props()} />);
    const group = screen.getByRole('group', { name: 'What it may do' });
    const boxes = within(group).getAllByRole('checkbox');
    expect(boxes.map((b) => b.closest('label')?.textContent)).toEqual([
      'sandboxes:read — see your sandboxes and follow their events',
      'sandboxes:launch — launch and stop your sandboxes',
      'sandboxes:access — open your sandboxes through the proxy (Jupyter, its API and kernels)',
      'machines:read — see machines and the image catalogue',
      'tokens:write — list, create and revoke your API tokens',
      'account:write — change your password (the current one is still needed)',
      'ssh-keys:write — list, add and remove your SSH keys (a key added signs in to your sandboxes)',
    ]);
    expect(boxes.map((b) => b instanceof HTMLInputElement && b.checked)).toEqual([true, true, true, true, false, false, false]);
  });

  it('lets an admin give the admin scope too', async () => {
    const p = props();
    p.tokens.admin = true;
    renderView(<SettingsPageView {...p} />);
    const admin = within(screen.getByRole('group', { name: 'What it may do' })).getByRole('checkbox', { name: /^admin — / });
    expect(admin instanceof HTMLInputElement && admin.checked).toBe(true);
    await userEvent.type(screen.getByRole('textbox', { name: /Token name/ }), 'ops');
    await userEvent.click(screen.getByRole('button', { name: 'Create token' }));
    expect(p.tokens.onCreate).toHaveBeenCalledWith({
      name: 'ops',
      scopes: ['sandboxes:read', 'sandboxes:launch', 'sandboxes:access', 'machines:read', 'metrics:read', 'admin'],
      expiresInDays: 30,
    });
  });

  it('creates a token with only the scopes left ticked, and none without any', async () => {
    const p = props();
    renderView(<SettingsPageView {...p} />);
    const group = screen.getByRole('group', { name: 'What it may do' });
    const box = (scope: string) => within(group).getByRole('checkbox', { name: new RegExp(`^${scope} — `) });
    await userEvent.type(screen.getByRole('textbox', { name: /Token name/ }), 'reader');
    for (const scope of ['sandboxes:read', 'sandboxes:launch', 'sandboxes:access', 'machines:read']) await userEvent.click(box(scope));
    expect(screen.getByText('Choose at least one.')).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Create token' }).hasAttribute('disabled')).toBe(true);

    await userEvent.click(box('sandboxes:read'));
    await userEvent.click(screen.getByRole('button', { name: 'Create token' }));
    expect(p.tokens.onCreate).toHaveBeenCalledWith({ name: 'reader', scopes: ['sandboxes:read'], expiresInDays: 30 });
  });

  it('revokes a token after confirming', async () => {
    const p = props();
    renderView(<SettingsPageView {...p} />);
    await userEvent.click(screen.getByRole('button', { name: 'Revoke laptop' }));
    await userEvent.click(within(screen.getByRole('dialog', { name: 'Revoke laptop?' })).getByRole('button', { name: 'Revoke' }));
    expect(p.tokens.onRevoke).toHaveBeenCalledWith(MockTokens[0]);
  });

  it('signs out everywhere after confirming', async () => {
    const p = props();
    renderView(<SettingsPageView {...p} />);
    await userEvent.click(screen.getByRole('button', { name: 'Sign out everywhere' }));
    await userEvent.click(within(screen.getByRole('dialog', { name: 'Sign out everywhere?' })).getByRole('button', { name: 'Sign out everywhere' }));
    expect(p.sessions.onSignOutEverywhere).toHaveBeenCalled();
  });

  it('says when there are no tokens', () => {
    renderView(<SettingsPageView {...props({ tokens: { ...props().tokens, tokens: [] } })} />);
    expect(screen.getByText('No API tokens.')).toBeTruthy();
  });
});
