// @vitest-environment happy-dom
import { cleanup, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { Me } from '../../api/types';
import { MockMe } from '../../testing/mocks';
import { mockHomeProps } from '../../testing/homeProps';
import { renderView } from '../../testing/render';
import { HomePageView } from './HomePageView';

afterEach(cleanup);

const GiB = 1024 ** 3;
const withHome = (homeBytes: number | null, quotaBytes: number | null): Me => ({ ...MockMe, user: { ...MockMe.user, homeBytes, quotaBytes } });

const props = (me: Me) => mockHomeProps({ me });

describe('the home directory bar on Home', () => {
  it('shows my home against my quota, with no banner below 90%', () => {
    renderView(<HomePageView {...props(withHome(3 * GiB, 10 * GiB))} />);
    const bar = screen.getByRole('progressbar', { name: 'Home directory' });
    expect(bar.getAttribute('aria-valuenow')).toBe('30');
    expect(bar.getAttribute('aria-valuetext')).toBe('3 of 10 GiB');
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('warns at 90% and says launches stop at 100%', () => {
    renderView(<HomePageView {...props(withHome(9.5 * GiB, 10 * GiB))} />);
    expect(screen.getByRole('alert').textContent).toContain('at 95% of its quota');
    expect((screen.getByRole('button', { name: 'Launch my container' }) as HTMLButtonElement).disabled).toBe(false);
  });

  it('says no new sandbox can be launched at or over the quota, and that running ones go on', () => {
    renderView(<HomePageView {...props(withHome(12 * GiB, 10 * GiB))} />);
    expect(screen.getByRole('alert').textContent).toContain('no new sandbox can be launched until you delete files');
    expect(screen.getByRole('progressbar', { name: 'Home directory' }).getAttribute('aria-valuetext')).toBe('12 of 10 GiB');
    // The hub would answer QUOTA_EXCEEDED: the button says so before anyone presses it.
    expect((screen.getByRole('button', { name: 'Launch my container' }) as HTMLButtonElement).disabled).toBe(true);
    expect(screen.getByRole('status').textContent).toBe('Delete files from your home to launch: it is at or over its quota.');
  });

  it('shows the size alone without a quota, and nothing before a first measurement without one', () => {
    renderView(<HomePageView {...props(withHome(2 * GiB, null))} />);
    expect(screen.getByText(/2 GiB, no quota/)).toBeTruthy();
    cleanup();
    renderView(<HomePageView {...props(withHome(null, null))} />);
    expect(screen.queryByRole('region', { name: 'Home directory' })).toBeNull();
  });
});
