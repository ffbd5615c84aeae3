// @vitest-environment happy-dom
import { cleanup, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../../api/client';
import { generateHistories, generateMachines } from '../../testing/generate';
import { MockHistories, MockMachine, MockMachineAllocationOnly, MockMachineDown, MockMachines, MockMachineSharedGpu } from '../../testing/mocks';
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

  it('counts no GPU of a machine that does not answer as free', () => {
    renderView(<MachinesPageView machines={[MockMachine, { ...MockMachineDown, gpus: MockMachine.gpus.map((g) => ({ ...g, holders: [] })) }]} error={null} onRetry={vi.fn()} />);
    expect(screen.getByRole('status').textContent).toBe('1 of 2 machines answering · 1 of 4 GPUs free');
  });

  it('says why usage or GPUs could not be read', () => {
    const machine = { ...MockMachine, usageError: 'Prometheus at http://prom:9090 does not answer', gpuError: 'nvidia-smi exited with 9' };
    renderView(<MachinesPageView machines={[machine]} error={null} onRetry={vi.fn()} />);
    expect(card('gpu-1').textContent).toContain('Usage not read: Prometheus at http://prom:9090 does not answer');
    expect(card('gpu-1').textContent).toContain('GPUs not read (the last list is shown): nvidia-smi exited with 9');
  });

  it('shows a machine that does not see the shared homes as not ready, with the reason', () => {
    const reason = 'homes.root /srv/homes on this machine lacks the hub\'s marker .shiva-homes';
    const machine = { ...MockMachine, homes: { ready: false, reason, checkedAt: '2026-11-30T09:00:00.000Z' } };
    renderView(<MachinesPageView machines={[machine]} error={null} onRetry={vi.fn()} />);
    expect(within(card('gpu-1')).getByText('Not ready')).toBeTruthy();
    expect(card('gpu-1').textContent).toContain(`Takes no launches: ${reason}`);
  });

  it('shows a machine that sees the shared homes as up, without a warning', () => {
    const machine = { ...MockMachine, homes: { ready: true, reason: null, checkedAt: '2026-11-30T09:00:00.000Z' } };
    renderView(<MachinesPageView machines={[machine]} error={null} onRetry={vi.fn()} />);
    expect(within(card('gpu-1')).getByText('Up')).toBeTruthy();
    expect(card('gpu-1').textContent).not.toContain('Takes no launches');
  });

  it('shows measured CPU, memory and disk use as bars with numbers', () => {
    renderView(<MachinesPageView machines={MockMachines} error={null} onRetry={vi.fn()} />);
    const gpu1 = card('gpu-1');
    expect(bar(gpu1, 'CPU').getAttribute('aria-valuenow')).toBe('37');
    expect(bar(gpu1, 'CPU').getAttribute('aria-valuetext')).toBe('37% of 32 CPUs');
    expect(bar(gpu1, 'Memory').getAttribute('aria-valuetext')).toBe('61.2 GiB of 256 GiB');
    expect(bar(gpu1, 'Disk').getAttribute('aria-valuetext')).toBe('1.1 TiB of 1.8 TiB');
  });

  it('shows what sandboxes were given against what they may have, and the room left for a launch', () => {
    renderView(<MachinesPageView machines={MockMachines} error={null} onRetry={vi.fn()} />);
    const gpu1 = card('gpu-1');
    expect(gpu1.textContent).toContain('37% of 32 CPUsSandboxes hold 6 of the 30 CPUs they may use');
    expect(gpu1.textContent).toContain('61.2 GiB of 256 GiBSandboxes hold 24 GiB of the 248 GiB they may use');
    expect(gpu1.textContent).toContain('Free to reserve: 24 CPUs · 224 GiB · 1 GPU (a sandbox reserves its CPU request, a part of its CPUs)');
  });

  it('shows network rates and the hottest sensor when the hub reads them', () => {
    renderView(<MachinesPageView machines={MockMachines} error={null} onRetry={vi.fn()} />);
    expect(card('gpu-1').textContent).toContain('Network ↓ 13 MiB/s ↑ 310 KiB/s · Hottest 71 °C (Package id 1)');
    expect(card('cpu-1').textContent).not.toContain('Network');
  });

  it('draws the last hour of CPU, memory and GPU use as charts named by their latest value', () => {
    renderView(<MachinesPageView machines={MockMachines} history={MockHistories} error={null} onRetry={vi.fn()} />);
    const gpu1 = card('gpu-1');
    expect(gpu1.textContent).toContain('Last 60 minutes');
    const cpu = within(gpu1).getByRole('img', { name: 'CPU over the last 60 minutes: latest 37%' });
    // One point per sample: 240 samples, 15 s apart.
    const line = cpu.querySelector('path')!.getAttribute('d')!;
    expect(line.split('L')).toHaveLength(240);
    expect(cpu.closest('[title]')?.getAttribute('title')).toBe('CPU over the last 60 minutes: latest 37%');
    expect(within(gpu1).getByRole('img', { name: 'Memory over the last 60 minutes: latest 61.2 GiB' })).toBeTruthy();
    expect(within(gpu1).getByRole('img', { name: 'GPU utilisation over the last 60 minutes: latest 44%' })).toBeTruthy();
    // A machine without GPUs has no GPU chart; one without history has no charts.
    expect(within(card('gpu-2')).queryByRole('img', { name: /GPU utilisation/ })).toBeNull();
    expect(within(card('cpu-1')).queryByRole('img')).toBeNull();
  });

  it('draws no charts while the samples have not come', () => {
    renderView(<MachinesPageView machines={MockMachines} error={null} onRetry={vi.fn()} />);
    expect(card('gpu-1').textContent).not.toContain('Last 60 minutes');
    expect(within(card('gpu-1')).queryByRole('img', { name: /CPU over/ })).toBeNull();
  });

  it('counts one CPU as one, and shows room rounded down to a tenth of a GiB', () => {
    const small = { ...MockMachineAllocationOnly, capacity: { cpus: 1, memoryBytes: 30 * 1024 ** 3, gpus: 0 }, allocated: { cpus: 0, memoryBytes: 6.42 * 1024 ** 3, gpus: 0 }, free: { cpus: 1, memoryBytes: 23.58 * 1024 ** 3, gpus: 0 } };
    renderView(<MachinesPageView machines={[small]} error={null} onRetry={vi.fn()} />);
    const cpu1 = card('cpu-1');
    expect(cpu1.textContent).toContain('Free to reserve: 1 CPU · 23.5 GiB');
    expect(bar(cpu1, 'CPU').getAttribute('aria-valuetext')).toBe('Sandboxes hold 0 of the 1 CPU they may use');
    expect(cpu1.textContent).not.toMatch(/\b1 CPUs\b/);
  });

  it('says CPUs are free to reserve, and rounds every memory figure down to one decimal so they add up', () => {
    // A 2-CPU machine (25276026880 bytes, 23.54 GiB) after `shiva launch --cpus 1 --memory 4`:
    // it holds the launch's request (0.25) and its 4 GiB.
    const capacityBytes = 25276026880;
    const held = { ...MockMachineAllocationOnly, capacity: { cpus: 2, memoryBytes: capacityBytes, gpus: 0 }, allocated: { cpus: 0.25, memoryBytes: 4 * 1024 ** 3, gpus: 0 }, free: { cpus: 1.75, memoryBytes: capacityBytes - 4 * 1024 ** 3, gpus: 0 } };
    renderView(<MachinesPageView machines={[held]} error={null} onRetry={vi.fn()} />);
    const cpu1 = card('cpu-1');
    // 23.54 GiB is not shown as 24 GiB: 4 + 19.5 = 23.5.
    expect(bar(cpu1, 'Memory').getAttribute('aria-valuetext')).toBe('Sandboxes hold 4 GiB of the 23.5 GiB they may use');
    expect(cpu1.textContent).toContain('Free to reserve: 1.75 CPUs · 19.5 GiB (a sandbox reserves its CPU request, a part of its CPUs)');
    expect(cpu1.textContent).not.toMatch(/\b24 GiB of|Room for a launch/);
  });

  it('shows what sandboxes were given when the hub cannot measure use', () => {
    renderView(<MachinesPageView machines={MockMachines} error={null} onRetry={vi.fn()} />);
    const cpu1 = card('cpu-1');
    expect(bar(cpu1, 'CPU').getAttribute('aria-valuetext')).toBe('Sandboxes hold 14 of the 16 CPUs they may use');
    expect(bar(cpu1, 'Memory').getAttribute('aria-valuetext')).toBe('Sandboxes hold 40 GiB of the 64 GiB they may use');
    expect(within(cpu1).queryByRole('progressbar', { name: 'Disk' })).toBeNull();
  });

  it('shows each GPU with its use, memory, temperature and who has it', () => {
    renderView(<MachinesPageView machines={MockMachines} error={null} onRetry={vi.fn()} />);
    const gpu1 = card('gpu-1');
    expect(within(gpu1).getByRole('heading', { name: 'GPUs' })).toBeTruthy();
    const [first, second] = within(gpu1).getAllByRole('listitem');
    expect(first!.textContent).toContain('GPU 0 · NVIDIA A100 80GB PCIe');
    expect(first!.textContent).toContain('alice/main');
    expect(first!.textContent).toContain('Utilisation 87% · Memory 31.5 GiB of 80 GiB · 64 °C · 251 W');
    expect(second!.textContent).toContain('free');
  });

  it('names every sandbox holding a GPU the machine shares', () => {
    renderView(<MachinesPageView machines={[MockMachineSharedGpu]} error={null} onRetry={vi.fn()} />);
    const gpu = within(card('gpu-3')).getAllByRole('listitem')[0]!;
    expect(gpu.textContent).toContain('GPU 0 · NVIDIA A100 80GB PCIealice/main, carol/eval');
  });

  it('lists the sandboxes on a machine with user, resources and since when', () => {
    renderView(<MachinesPageView machines={MockMachines} error={null} onRetry={vi.fn()} />);
    const gpu1 = card('gpu-1');
    expect(within(gpu1).getByRole('heading', { name: 'Sandboxes (2)' })).toBeTruthy();
    expect(gpu1.textContent).toContain('alice/main4 CPUs · 16 GiB · 1 GPU · since 3 hours ago');
    expect(gpu1.textContent).toContain('carol/eval2 CPUs · 8 GiB · since 25 minutes ago');
  });

  it('shows what each sandbox uses when the engine reports it', () => {
    renderView(<MachinesPageView machines={[MockMachine]} error={null} onRetry={vi.fn()} />);
    const [main, evalBox] = within(card('gpu-1')).getAllByRole('listitem').slice(-2);
    expect(main!.textContent).toContain('CPU 312% · 9.3 GiB in use');
    expect(evalBox!.textContent).not.toContain('in use');
  });

  it('shows a machine that does not answer as down, with when it was last seen', () => {
    renderView(<MachinesPageView machines={MockMachines} history={MockHistories} error={null} onRetry={vi.fn()} />);
    const gpu2 = card('gpu-2');
    expect(gpu2.textContent).toContain('Down');
    expect(gpu2.textContent).toContain('Not answering. Last seen 12 minutes ago.');
    expect(gpu2.textContent).toContain('connect ECONNREFUSED 10.0.0.12:2376');
    expect(within(gpu2).queryByRole('progressbar')).toBeNull();
    expect(gpu2.textContent).not.toContain('Free to reserve');
    // Its sandboxes stay listed, their state unknown until it answers again.
    expect(gpu2.textContent).toContain('frank/sweepMachine not answering');
    // Its history stops when it did.
    expect(within(gpu2).getByRole('img', { name: 'CPU over the last 48 minutes: latest 12%' })).toBeTruthy();
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

  it('lists the catalogue images each machine has, built when and how large, and says when it has none or has not been listed', () => {
    const none = { ...MockMachineAllocationOnly, images: { at: MockMachine.images!.at, images: [] } };
    const unlisted = { ...MockMachineDown, images: null };
    renderView(<MachinesPageView machines={[MockMachine, none, unlisted]} error={null} onRetry={vi.fn()} />);
    const images = within(card('gpu-1')).getByText('Images (1)').nextElementSibling!;
    expect([...images.querySelectorAll('li')].map((li) => li.textContent)).toEqual(['notebookbuilt 12 days ago · 1.5 GiB']);
    expect(card('cpu-1').textContent).toContain('Images (0)None of the catalogue images is here yet: a launch pulls its image first.');
    expect(card('gpu-2').textContent).toContain('Its images have not been listed yet.');
  });

  it('renders a hundred machines with eight GPUs each', () => {
    const fleet = generateMachines({ machines: 100, gpusPerMachine: 8, sandboxes: 500 });
    renderView(<MachinesPageView machines={fleet} history={generateHistories({ machines: 100, gpusPerMachine: 8 })} error={null} onRetry={vi.fn()} />);
    expect(screen.getAllByRole('article')).toHaveLength(100);
    expect(screen.getByRole('status').textContent).toMatch(/^96 of 100 machines answering · \d+ of 800 GPUs free$/);
  });

  it('is in Japanese when Japanese is chosen', () => {
    renderView(<MachinesPageView machines={MockMachines} error={null} onRetry={vi.fn()} />, { language: 'ja' });
    expect(card('gpu-2').textContent).toContain('応答がありません。最後の応答: 12 分前。');
    expect(card('gpu-1').textContent).toContain('予約できる空き: 24 CPU · 224 GiB · 1 GPU');
    expect(card('gpu-1').textContent).toContain('イメージ（1）notebook12 日前にビルド · 1.5 GiB');
  });
});
