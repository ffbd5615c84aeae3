// @vitest-environment happy-dom
import { cleanup, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../../api/client';
import { renderView } from '../../testing/render';
import { LoginPageView } from './LoginPageView';

afterEach(cleanup);

describe('LoginPageView', () => {
  it('signs in with what the person typed', async () => {
    const onSignIn = vi.fn();
    renderView(<LoginPageView local pending={false} error={null} providers={[]} onSignIn={onSignIn} />);
    await userEvent.type(screen.getByLabelText(/Username/), 'alice');
    await userEvent.type(screen.getByLabelText(/Password/), 'secret-password');
    await userEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(onSignIn).toHaveBeenCalledWith('alice', 'secret-password');
  });

  it('says the credentials are wrong when the hub answers INVALID_CREDENTIALS', () => {
    const error = new ApiError(401, 'INVALID_CREDENTIALS', 'nope');
    renderView(<LoginPageView local pending={false} error={error} providers={[]} onSignIn={vi.fn()} />);
    expect(screen.getByRole('alert').textContent).toBe('The username or password is wrong.');
  });

  it('offers other ways to sign in when the hub has them', () => {
    renderView(<LoginPageView local pending={false} error={null} providers={[{ id: 'google', name: 'Google', href: '/api/auth/oidc/google' }]} onSignIn={vi.fn()} />);
    expect(screen.getByRole('link', { name: 'Sign in with Google' }).getAttribute('href')).toBe('/api/auth/oidc/google');
  });

  it('offers only the other ways when local sign-in is off', () => {
    renderView(<LoginPageView local={false} pending={false} error={null} providers={[{ id: 'oidc', name: 'Acme', href: '/api/auth/oidc/login?next=%2F' }]} onSignIn={vi.fn()} />);
    expect(screen.queryByLabelText(/Password/)).toBeNull();
    expect(screen.getByRole('link', { name: 'Sign in with Acme' })).toBeTruthy();
  });

  it('asks for what is missing instead of sending it', async () => {
    const onSignIn = vi.fn();
    renderView(<LoginPageView local pending={false} error={null} providers={[]} onSignIn={onSignIn} />);
    await userEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(onSignIn).not.toHaveBeenCalled();
    expect(screen.getAllByText('Required.')).toHaveLength(2);
  });

  it('is in Japanese when Japanese is chosen', () => {
    renderView(<LoginPageView local pending={false} error={null} providers={[]} onSignIn={vi.fn()} />, { language: 'ja' });
    expect(screen.getByRole('button', { name: 'サインイン' })).toBeTruthy();
  });
});
