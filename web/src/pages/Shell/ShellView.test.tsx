// @vitest-environment happy-dom
import { cleanup, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConnectionBannerView } from '../../components/ConnectionBanner';
import { MockAdminUser, MockUser } from '../../testing/mocks';
import { renderView } from '../../testing/render';
import { ShellView } from './ShellView';

afterEach(cleanup);

const links = () => within(screen.getAllByRole('navigation')[0]!).getAllByRole('link').map((l) => l.textContent);

describe('ShellView', () => {
  it('shows a non-admin no Admin link', () => {
    renderView(<ShellView user={MockUser} path="/" onSignOut={vi.fn()} banner={null}>page</ShellView>);
    expect(links()).toEqual(['Home', 'Machines', 'Settings']);
  });

  it('shows an admin the Admin link', () => {
    renderView(<ShellView user={MockAdminUser} path="/" onSignOut={vi.fn()} banner={null}>page</ShellView>);
    expect(links()).toEqual(['Home', 'Machines', 'Admin', 'Settings']);
  });

  it('marks the current page for screen readers', () => {
    renderView(<ShellView user={MockUser} path="/machines" onSignOut={vi.fn()} banner={null}>page</ShellView>);
    const nav = screen.getAllByRole('navigation')[0]!;
    expect(within(nav).getByRole('link', { name: 'Machines' }).getAttribute('aria-current')).toBe('page');
    expect(within(nav).getByRole('link', { name: 'Home' }).getAttribute('aria-current')).toBeNull();
  });

  it('signs out from the account menu', async () => {
    const onSignOut = vi.fn();
    renderView(<ShellView user={MockUser} path="/" onSignOut={onSignOut} banner={null}>page</ShellView>);
    await userEvent.click(screen.getByRole('button', { name: 'Account' }));
    expect(screen.getByText('Signed in as alice')).toBeTruthy();
    await userEvent.click(screen.getByRole('menuitem', { name: 'Sign out' }));
    expect(onSignOut).toHaveBeenCalled();
  });

  it('switches the language from the language menu', async () => {
    renderView(<ShellView user={MockUser} path="/" onSignOut={vi.fn()} banner={null}>page</ShellView>);
    await userEvent.click(screen.getByRole('button', { name: 'Language: English' }));
    await userEvent.click(screen.getByRole('menuitem', { name: '日本語' }));
    expect(await screen.findByRole('link', { name: 'ホーム' })).toBeTruthy();
    expect(document.documentElement.lang).toBe('ja');
  });

  it('offers a skip link to the content for keyboard users', () => {
    renderView(<ShellView user={MockUser} path="/" onSignOut={vi.fn()} banner={null}>page</ShellView>);
    expect(screen.getByRole('link', { name: 'Skip to content' }).getAttribute('href')).toBe('#main');
    expect(screen.getByRole('main').id).toBe('main');
  });
});

describe('ConnectionBannerView', () => {
  it('says the hub cannot be reached and offers to retry now', async () => {
    const onRetryNow = vi.fn();
    renderView(<ConnectionBannerView reachable={false} onRetryNow={onRetryNow} />);
    expect(screen.getByRole('alert').textContent).toContain('Cannot reach the hub. Retrying…');
    await userEvent.click(screen.getByRole('button', { name: 'Retry now' }));
    expect(onRetryNow).toHaveBeenCalled();
  });

  it('shows nothing while the hub answers', () => {
    const { container } = renderView(<ConnectionBannerView reachable onRetryNow={vi.fn()} />);
    expect(container.textContent).toBe('');
  });
});
