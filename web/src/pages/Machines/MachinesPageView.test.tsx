// @vitest-environment happy-dom
import { cleanup, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../../api/client';
import { generateMachines } from '../../testing/generate';
import { MockMachines } from '../../testing/mocks';
import { renderView } from '../../testing/render';
import { MachinesPageView } from './MachinesPageView';

afterEach(cleanup);

const card = (name: string) => screen.getByRole('article', { name });
const bar = (scope: HTMLElement, label: string) => within(scope).getByRole('progressbar', { name: label });

describe('MachinesPageView', () => {
  it('shows one card per machine and a summary', () => {
    renderView(<MachinesPageView machines={MockMachines} error={null} onRetry={vi.fn()} />);
    expect(screen.getAllByRole('article')).toHaveLength(3);
    expect(screen.getByRole('status').textContent).toBe('2 of 3 machines answering · 1 of 2 GPUs free');
  });

  it('shows measured CPU, memory and disk use as bars with numbers', () => {
    renderView(<MachinesPageView machines={MockMachines} error={null} onRetry={vi.fn()} />);
    const gpu1 = card('gpu-1');
    expect(bar(gpu1, 'CPU').getAttribute('aria-valuenow')).toBe('37');
    expect(bar(gpu1, 'CPU').getAttribute('aria-valuetext')).toBe('37% of 32 CPUs');
    expect(bar(gpu1, 'Memory').getAttribute('aria-valuetext')).toBe('61 GiB of 256 GiB');
    expect(bar(gpu1, 'Disk').getAttribute('aria-valuetext')).toBe('1.1 TiB of 1.8 TiB');
  });

  it('shows what sandboxes were given when the hub cannot measure use', () => {
    renderView(<MachinesPageView machines={MockMachines} error={null} onRetry={vi.fn()} />);
    const cpu1 = card('cpu-1');
    expect(bar(cpu1, 'CPU').getAttribute('aria-valuetext')).toBe('14 of 16 CPUs allocated');
    expect(bar(cpu1, 'Memory').getAttribute('aria-valuetext')).toBe('40 GiB of 64 GiB allocated');
    expect(within(cpu1).queryByRole('progressbar', { name: 'Disk' })).toBeNull();
  });

  it('shows each GPU with its use, memory, temperature and who has it', () => {
    renderView(<MachinesPageView machines={MockMachines} error={null} onRetry={vi.fn()} />);
    const gpu1 = card('gpu-1');
    expect(within(gpu1).getByRole('heading', { name: 'GPUs' })).toBeTruthy();
    const [first, second] = within(gpu1).getAllByRole('listitem');
    expect(first!.textContent).toContain('GPU 0 · NVIDIA A100 80GB PCIe');
    expect(first!.textContent).toContain('alice');
    expect(first!.textContent).toContain('Utilisation 87% · Memory 32 GiB of 80 GiB · 64 °C');
    expect(second!.textContent).toContain('free');
  });

  it('lists the sandboxes on a machine with user, resources and since when', () => {
    renderView(<MachinesPageView machines={MockMachines} error={null} onRetry={vi.fn()} />);
    const gpu1 = card('gpu-1');
    expect(within(gpu1).getByRole('heading', { name: 'Sandboxes (2)' })).toBeTruthy();
    expect(gpu1.textContent).toContain('alice/main4 CPUs · 16 GiB · since 3 hours ago');
    expect(gpu1.textContent).toContain('carol/eval2 CPUs · 8 GiB · since 25 minutes ago');
  });

  it('shows a machine that does not answer as down, with when it was last seen', () => {
    renderView(<MachinesPageView machines={MockMachines} error={null} onRetry={vi.fn()} />);
    const gpu2 = card('gpu-2');
    expect(gpu2.textContent).toContain('Down');
    expect(gpu2.textContent).toContain('Not answering. Last seen 12 minutes ago.');
    expect(gpu2.textContent).toContain('connect ECONNREFUSED 10.0.0.12:2376');
    expect(within(gpu2).queryByRole('progressbar')).toBeNull();
  });

  it('has loading, empty and error states', () => {
    const { unmount } = renderView(<MachinesPageView machines={undefined} error={null} onRetry={vi.fn()} />);
    expect(screen.getByRole('status').getAttribute('aria-busy')).toBe('true');
    unmount();
    const empty = renderView(<MachinesPageView machines={[]} error={null} onRetry={vi.fn()} />);
    expect(screen.getByText('No machines are configured.')).toBeTruthy();
    empty.unmount();
    renderView(<MachinesPageView machines={undefined} error={new ApiError(0, 'UNREACHABLE', 'x')} onRetry={vi.fn()} />);
    expect(screen.getByRole('alert').textContent).toContain('The hub does not answer');
  });

  it('renders a hundred machines with eight GPUs each', () => {
    const fleet = generateMachines({ machines: 100, gpusPerMachine: 8, sandboxes: 500 });
    renderView(<MachinesPageView machines={fleet} error={null} onRetry={vi.fn()} />);
    expect(screen.getAllByRole('article')).toHaveLength(100);
    expect(screen.getByRole('status').textContent).toMatch(/^96 of 100 machines answering · \d+ of 800 GPUs free$/);
  });

  it('is in Japanese when Japanese is chosen', () => {
    renderView(<MachinesPageView machines={MockMachines} error={null} onRetry={vi.fn()} />, { language: 'ja' });
    expect(card('gpu-2').textContent).toContain('応答がありません。最後の応答: 12 分前。');
  });
});
