// @vitest-environment happy-dom
import { cleanup, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { MockSandboxRunning, MockSandboxStopped } from '../testing/mocks';
import { renderView } from '../testing/render';
import { SandboxMemory } from './SandboxMemory';

afterEach(cleanup);

const GiB = 1024 ** 3;

describe("a sandbox's memory in use on the dashboard", () => {
  it('shows what a running sandbox uses of its limit, with a bar and no warning well under it', () => {
    renderView(<SandboxMemory sandbox={{ ...MockSandboxRunning, memoryGiB: 4, memoryUsedBytes: 1.2 * GiB }} />);
    expect(screen.getByText('1.2 GiB of 4 GiB')).toBeTruthy();
    const bar = screen.getByRole('progressbar', { name: 'Memory in use' });
    expect(bar.getAttribute('aria-valuenow')).toBe('30');
    expect(bar.getAttribute('aria-valuetext')).toBe('1.2 GiB of 4 GiB');
    expect(screen.queryByRole('status')).toBeNull();
  });

  it('says the sandbox is near its limit from 90% of it', () => {
    renderView(<SandboxMemory sandbox={{ ...MockSandboxRunning, memoryGiB: 4, memoryUsedBytes: 3.7 * GiB }} />);
    expect(screen.getByText('3.7 GiB of 4 GiB')).toBeTruthy();
    expect(screen.getByRole('progressbar').getAttribute('aria-valuenow')).toBe('92');
    expect(screen.getByRole('status').textContent).toContain('Near its memory limit');
  });

  it('shows a sandbox under 1 GiB in MiB, and a full bar at the limit', () => {
    renderView(<SandboxMemory sandbox={{ ...MockSandboxRunning, memoryGiB: 0.5, memoryUsedBytes: 0.5 * GiB }} />);
    expect(screen.getByText('512 MiB of 0.5 GiB')).toBeTruthy();
    expect(screen.getByRole('progressbar').getAttribute('aria-valuenow')).toBe('100');
  });

  it('shows nothing before the first reading or for a sandbox that does not run', () => {
    renderView(<SandboxMemory sandbox={{ ...MockSandboxRunning, memoryUsedBytes: null }} />);
    expect(screen.queryByRole('progressbar')).toBeNull();
    cleanup();
    renderView(<SandboxMemory sandbox={{ ...MockSandboxStopped, memoryUsedBytes: 2 * GiB }} />);
    expect(screen.queryByRole('progressbar')).toBeNull();
  });

  it('says it in Japanese', () => {
    renderView(<SandboxMemory sandbox={{ ...MockSandboxRunning, memoryGiB: 4, memoryUsedBytes: 3.7 * GiB }} />, { language: 'ja' });
    expect(screen.getByText('3.7 GiB / 4 GiB')).toBeTruthy();
    expect(screen.getByRole('progressbar', { name: '使用中のメモリ' })).toBeTruthy();
  });
});
