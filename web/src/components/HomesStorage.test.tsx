// @vitest-environment happy-dom
import { cleanup, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { MockHomesStorage, MockHomesStorageFullAdmin } from '../testing/mocks';
import { renderView } from '../testing/render';
import { HomesStorageView } from './HomesStorage';

afterEach(cleanup);

describe('the homes filesystem on the dashboard', () => {
  it('shows users a bar of what is used with the free and total bytes, and no alert', () => {
    renderView(<HomesStorageView homes={MockHomesStorage} />);
    expect(screen.getByText('400 GiB free of 1 TiB')).toBeTruthy();
    expect(screen.getByRole('progressbar').getAttribute('aria-valuenow')).toBe('61');
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('tells users that launches are refused while it is full, without the path', () => {
    const { root: _root, problem: _problem, ...asUser } = MockHomesStorageFullAdmin;
    renderView(<HomesStorageView homes={asUser} />);
    const alert = screen.getByRole('alert');
    expect(alert.textContent).toContain('Less than 5% free');
    expect(alert.textContent).not.toContain('/srv/shiva/homes');
  });

  it('gives admins the alert with where, how much and what to do', () => {
    renderView(<HomesStorageView homes={MockHomesStorageFullAdmin} />);
    const alert = screen.getByRole('alert');
    expect(alert.textContent).toContain('/srv/shiva/homes has 20 GiB free of 1 TiB, below the 5% kept free');
    expect(alert.textContent).toContain('STORAGE_FULL');
  });

  it('says unknown, not full, when the hub cannot read it, and tells admins why', () => {
    const unknown = { ...MockHomesStorage, freeBytes: null, sizeBytes: null, readAt: null, root: '/mnt/homes', problem: 'statfs /mnt/homes: ENOENT' };
    renderView(<HomesStorageView homes={unknown} />);
    expect(screen.getByText('Free space unknown')).toBeTruthy();
    expect(screen.queryByRole('progressbar')).toBeNull();
    expect(screen.getByRole('alert').textContent).toContain('cannot read the free space of /mnt/homes (statfs /mnt/homes: ENOENT)');
  });

  it('speaks Japanese', () => {
    renderView(<HomesStorageView homes={MockHomesStorage} />, { language: 'ja' });
    expect(screen.getByText('ホームのファイルシステム')).toBeTruthy();
  });
});
