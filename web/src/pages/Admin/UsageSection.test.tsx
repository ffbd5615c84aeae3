// @vitest-environment happy-dom
import { cleanup, fireEvent, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../../api/client';
import { renderView } from '../../testing/render';
import { MockEmptyUsageReport, MockUsageReport } from '../../testing/usageMocks';
import { UsageSection, type UsageSectionProps } from './UsageSection';

afterEach(cleanup);

const props = (overrides: Partial<UsageSectionProps> = {}): UsageSectionProps => ({
  range: { from: '2026-02-01', to: '2026-03-02' },
  onRange: vi.fn(),
  report: MockUsageReport,
  error: null,
  onRetry: vi.fn(),
  ...overrides,
});

const table = () => screen.getByRole('table', { name: 'Usage' });
const cells = (row: HTMLElement) => [...row.children].map((c) => c.textContent);
const setDay = (label: string, value: string) => fireEvent.change(screen.getByLabelText(label), { target: { value } });

describe('UsageSection', () => {
  it('shows each user with sandbox-, CPU-, GPU- and memory-hours, and the total', () => {
    renderView(<UsageSection {...props()} />);
    const rows = within(table()).getAllByRole('row');
    expect(cells(rows[0]!)).toEqual(['User', 'Sandboxes', 'Sandbox-hours', 'CPU-hours', 'GPU-hours', 'Memory GiB-hours']);
    expect(cells(rows[1]!)).toEqual(['alice', '2', '7.5', '21.3', '6', '102']);
    expect(cells(rows[2]!)).toEqual(['carol', '1', '24', '48', '96', '768']);
    expect(cells(rows[3]!)).toEqual(['Total', '3', '31.5', '69.3', '102', '870']);
  });

  it('shows a company of users fifty at a time, with a pager', async () => {
    const users = Array.from({ length: 120 }, (_, i) => ({ ...MockUsageReport.users[0]!, user: `member${String(i).padStart(3, '0')}` }));
    renderView(<UsageSection {...props({ report: { ...MockUsageReport, days: [], users } })} />);
    const names = () => within(table()).getAllByRole('row').slice(1, -1).map((r) => r.children[0]!.textContent);
    expect(names()).toHaveLength(50);
    expect(names()[0]).toBe('member000');
    expect(screen.getByText('1–50 of 120')).toBeTruthy();
    await userEvent.click(screen.getByRole('button', { name: 'Next page' }));
    expect(names()[0]).toBe('member050');
    await userEvent.click(screen.getByRole('button', { name: 'Next page' }));
    expect(names()).toHaveLength(20);
    expect(screen.getByText('101–120 of 120')).toBeTruthy();
  });

  it("opens a user's days under them, and closes them again", async () => {
    renderView(<UsageSection {...props()} />);
    const toggle = screen.getByRole('button', { name: 'Days of alice' });
    expect(toggle.getAttribute('aria-expanded')).toBe('false');
    await userEvent.click(toggle);
    expect(toggle.getAttribute('aria-expanded')).toBe('true');
    const rows = within(table()).getAllByRole('row');
    expect(rows.map((r) => r.children[0]!.textContent)).toEqual(['User', 'alice', '2026-02-27', '2026-02-28', 'carol', 'Total']);
    expect(cells(rows[3]!)).toEqual(['2026-02-28', '2', '5.5', '13.3', '4', '70']);
    await userEvent.click(toggle);
    expect(within(table()).getAllByRole('row')).toHaveLength(4);
  });

  it('asks for a new range, and downloads the range shown as CSV', async () => {
    const p = props();
    renderView(<UsageSection {...p} />);
    setDay('From', '2026-01-01');
    setDay('To', '2026-01-31');
    await userEvent.click(screen.getByRole('button', { name: 'Show' }));
    expect(p.onRange).toHaveBeenCalledWith({ from: '2026-01-01', to: '2026-01-31' });
    const download = screen.getByRole('link', { name: 'Download CSV' });
    expect(download.getAttribute('href')).toBe('/api/usage?from=2026-02-01&to=2026-03-02&format=csv');
    expect(download.hasAttribute('download')).toBe(true);
  });

  it('says what is wrong with a range before asking for it', async () => {
    const p = props();
    renderView(<UsageSection {...p} />);
    setDay('From', '2026-03-05');
    expect(screen.getByText('From must be on or before To.')).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Show' }).hasAttribute('disabled')).toBe(true);
    setDay('From', '2024-01-01');
    expect(screen.getByText('At most 366 days at a time.')).toBeTruthy();
    setDay('From', '');
    expect(screen.getByText('Choose both days.')).toBeTruthy();
    fireEvent.submit(screen.getByRole('form', { name: 'Usage range' }));
    expect(p.onRange).not.toHaveBeenCalled();
  });

  it('says when nothing ran in the range', () => {
    renderView(<UsageSection {...props({ report: MockEmptyUsageReport })} />);
    expect(screen.getByText('No sandbox ran from 2026-02-01 to 2026-03-02.')).toBeTruthy();
    expect(screen.queryByRole('table', { name: 'Usage' })).toBeNull();
  });

  it('shows the usage loading, and failing with the reason and a way to try again', async () => {
    const { unmount } = renderView(<UsageSection {...props({ report: undefined })} />);
    expect(within(screen.getByRole('region', { name: 'Usage' })).getByRole('status').getAttribute('aria-busy')).toBe('true');
    unmount();
    const p = props({ report: undefined, error: new ApiError(400, 'INVALID_RANGE', '2024-01-01 to 2025-01-01 is 367 days; ask for at most 366 at a time.') });
    renderView(<UsageSection {...p} />);
    expect(screen.getByText('2024-01-01 to 2025-01-01 is 367 days; ask for at most 366 at a time.')).toBeTruthy();
    await userEvent.click(screen.getByRole('button', { name: 'Try again' }));
    expect(p.onRetry).toHaveBeenCalled();
  });

  it('speaks Japanese', () => {
    renderView(<UsageSection {...props()} />, { language: 'ja' });
    expect(screen.getByRole('table', { name: '利用実績' })).toBeTruthy();
    expect(screen.getByRole('link', { name: 'CSV をダウンロード' })).toBeTruthy();
  });
});
