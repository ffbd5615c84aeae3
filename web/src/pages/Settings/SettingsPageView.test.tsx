// @vitest-environment happy-dom
import { cleanup, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../../api/client';
import { MockCreatedToken, MockTokens } from '../../testing/mocks';
import { renderView } from '../../testing/render';
import { choose } from '../../testing/select';
import { SettingsPageView, type SettingsPageViewProps } from './SettingsPageView';

afterEach(cleanup);

const props = (overrides: Partial<SettingsPageViewProps> = {}): SettingsPageViewProps => ({
  password: { onChange: vi.fn(async () => null) },
  tokens: { tokens: MockTokens, error: null, onRetry: vi.fn(), onCreate: vi.fn(async () => MockCreatedToken), onRevoke: vi.fn(async () => null) },
  sessions: { onSignOutEverywhere: vi.fn(async () => null) },
  ...overrides,
});

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

  it('lists tokens with when they expire and were last used', () => {
    renderView(<SettingsPageView {...props()} />);
    const rows = within(screen.getByRole('table', { name: 'API tokens' })).getAllByRole('row').slice(1);
    expect(rows[0]!.textContent).toContain('laptop');
    expect(rows[0]!.textContent).toContain('in 18 days');
    expect(rows[0]!.textContent).toContain('2 hours ago from 10.0.4.17');
    expect(rows[1]!.textContent).toContain('Never');
  });

  it('creates a token with a name and expiry and shows its secret once, with a copy button', async () => {
    const p = props();
    const writeText = vi.fn(async () => undefined);
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
    renderView(<SettingsPageView {...p} />);
    await userEvent.type(screen.getByRole('textbox', { name: /Token name/ }), 'scripts');
    await choose('Expires', '90 days');
    await userEvent.click(screen.getByRole('button', { name: 'Create token' }));
    expect(p.tokens.onCreate).toHaveBeenCalledWith({ name: 'scripts', expiresInDays: 90 });
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
    expect(p.tokens.onCreate).toHaveBeenCalledWith({ name: 'forever' });
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
