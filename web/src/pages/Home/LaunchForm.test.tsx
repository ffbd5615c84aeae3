// @vitest-environment happy-dom
import { cleanup, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../../api/client';
import type { Machine } from '../../api/types';
import { MockDatasets, MockImages, MockLimits, MockMachine, MockMachineAllocationOnly, MockMachineDown, MockMachines } from '../../testing/mocks';
import { MockEnvironmentImages } from '../../testing/environmentMocks';
import { renderView } from '../../testing/render';
import { choose } from '../../testing/select';
import { LaunchForm, type LaunchFormProps } from './LaunchForm';

afterEach(cleanup);

const props = (overrides: Partial<LaunchFormProps> = {}): LaunchFormProps => ({
  limits: MockLimits,
  images: MockImages,
  machines: MockMachines,
  pending: false,
  error: null,
  onLaunch: vi.fn(),
  ...overrides,
});

const noGpus = (m: Machine): Machine => ({ ...m, gpus: [] });
const withFreeGpus = (m: Machine, gpus: number): Machine => ({ ...m, free: { ...m.free, gpus } });

describe('LaunchForm', () => {
  it('launches the default image at the standard size on any machine with one click', async () => {
    const onLaunch = vi.fn();
    renderView(<LaunchForm {...props({ onLaunch })} />);
    await userEvent.click(screen.getByRole('button', { name: 'Launch my container' }));
    expect(onLaunch).toHaveBeenCalledWith({ image: 'notebook', cpus: 2, memoryGiB: 8 });
  });

  const sizeLabels = () => within(screen.getByRole('radiogroup', { name: 'Size' })).getAllByRole('radio').map((r) => r.closest('label')?.textContent);

  it('offers sizes from half the default up to the limits where a machine has room for them all, and a custom size', () => {
    renderView(<LaunchForm {...props()} />);
    expect(sizeLabels()).toEqual([
      'Small1 CPU · 4 GiB',
      'Standard2 CPUs · 8 GiB',
      'Large4 CPUs · 16 GiB',
      'Extra large8 CPUs · 32 GiB',
      'Largest allowed16 CPUs · 64 GiB',
      'CustomYour own figures, within the limits.',
    ]);
    expect(screen.getByText('CPUs are what a sandbox may burst to; when the machine is busy it is guaranteed 25% of them.')).toBeTruthy();
  });

  it('offers only the sizes that fit some machine now, fitting CPUs by their request', () => {
    // cpu-1: 2 CPUs free to request and 24 GiB; Large (4 CPUs, 1 requested, 16 GiB) fits, Extra large (32 GiB) does not.
    renderView(<LaunchForm {...props({ machines: [MockMachineAllocationOnly, MockMachineDown] })} />);
    expect(sizeLabels()).toEqual(['Small1 CPU · 4 GiB', 'Standard2 CPUs · 8 GiB', 'Large4 CPUs · 16 GiB', 'CustomYour own figures, within the limits.']);
  });

  it('offers the sizes that fit the pinned machine, and sends the one chosen', async () => {
    const onLaunch = vi.fn();
    renderView(<LaunchForm {...props({ machines: [MockMachine, MockMachineAllocationOnly], onLaunch })} />);
    await choose('Machine', /^cpu-1/);
    expect(sizeLabels()).toEqual(['Small1 CPU · 4 GiB', 'Standard2 CPUs · 8 GiB', 'Large4 CPUs · 16 GiB', 'CustomYour own figures, within the limits.']);
    await userEvent.click(screen.getByRole('radio', { name: /^Large/ }));
    await userEvent.click(screen.getByRole('button', { name: 'Launch my container' }));
    expect(onLaunch).toHaveBeenCalledWith({ image: 'notebook', cpus: 4, memoryGiB: 16, machine: 'cpu-1' });
  });

  it('falls back to the default size when the chosen one stops fitting', async () => {
    const onLaunch = vi.fn();
    const roomy: Machine = { ...MockMachine, name: 'roomy', free: { cpus: 24, memoryBytes: 224 * 1024 ** 3, gpus: 0 } };
    const small: Machine = { ...MockMachine, name: 'small', free: { cpus: 24, memoryBytes: 16 * 1024 ** 3, gpus: 1 } };
    renderView(<LaunchForm {...props({ machines: [roomy, small], onLaunch })} />);
    await userEvent.click(screen.getByRole('radio', { name: /Largest allowed/ }));
    // With a GPU only the small machine can take it: the largest size is no longer offered.
    await choose('GPUs', '1');
    expect(sizeLabels()).not.toContain('Largest allowed16 CPUs · 64 GiB');
    expect((screen.getByRole('radio', { name: /^Standard/ }) as HTMLInputElement).checked).toBe(true);
    await userEvent.click(screen.getByRole('button', { name: 'Launch my container' }));
    expect(onLaunch).toHaveBeenCalledWith({ image: 'notebook', cpus: 2, memoryGiB: 8, gpus: 1 });
  });

  it('takes a custom size within the limits only when it fits, and says the largest that does', async () => {
    const onLaunch = vi.fn();
    renderView(<LaunchForm {...props({ machines: [MockMachineAllocationOnly], onLaunch })} />);
    await userEvent.click(screen.getByRole('radio', { name: /^Custom/ }));
    const cpus = screen.getByRole('spinbutton', { name: 'CPUs' });
    const memory = screen.getByRole('spinbutton', { name: 'Memory (GiB)' });
    // Suggested: the default, as it fits.
    expect([(cpus as HTMLInputElement).value, (memory as HTMLInputElement).value]).toEqual(['2', '8']);
    expect(screen.getByText('Up to 8 CPUs and 24 GiB fit now (on cpu-1).')).toBeTruthy();
    await userEvent.clear(cpus);
    await userEvent.type(cpus, '12');
    expect(screen.getByText('This size does not fit any machine now. Up to 8 CPUs and 24 GiB fit now (on cpu-1).')).toBeTruthy();
    await userEvent.click(screen.getByRole('button', { name: 'Launch my container' }));
    expect(onLaunch).not.toHaveBeenCalled();
    await userEvent.clear(memory);
    await userEvent.type(memory, '100');
    expect(screen.getByText('From 0.01 to 16 CPUs and from 0.125 to 64 GiB.')).toBeTruthy();
    await userEvent.clear(cpus);
    await userEvent.type(cpus, '8');
    await userEvent.clear(memory);
    await userEvent.type(memory, '20');
    await userEvent.click(screen.getByRole('button', { name: 'Launch my container' }));
    expect(onLaunch).toHaveBeenCalledWith({ image: 'notebook', cpus: 8, memoryGiB: 20 });
  });

  it('sends the chosen image, size, GPUs, machine and name', async () => {
    const onLaunch = vi.fn();
    renderView(<LaunchForm {...props({ onLaunch })} />);
    await choose('Image', /pytorch/);
    await userEvent.click(screen.getByRole('radio', { name: /^Large\s*4 CPUs/ }));
    await choose('GPUs', '1');
    await choose('Machine', /^gpu-1/);
    await userEvent.type(screen.getByRole('textbox', { name: /Name/ }), 'exp-2');
    await userEvent.click(screen.getByRole('button', { name: 'Launch my container' }));
    expect(onLaunch).toHaveBeenCalledWith({ image: 'pytorch', cpus: 4, memoryGiB: 16, gpus: 1, machine: 'gpu-1', name: 'exp-2' });
  });

  it("says which images come from the team's registry, with their size", async () => {
    renderView(<LaunchForm {...props()} />);
    await userEvent.click(screen.getByRole('combobox', { name: 'Image' }));
    expect(screen.getByRole('option', { name: /pytorch/ }).textContent).toContain("From the team's registry, 6 GiB");
    expect(screen.getByRole('option', { name: /notebook/ }).textContent).not.toContain('registry');
    await userEvent.keyboard('{Escape}');
  });

  it('lists saved environments with who saved them, their size and when, and launches one by owner/name', async () => {
    const onLaunch = vi.fn();
    renderView(<LaunchForm {...props({ images: [...MockImages, ...MockEnvironmentImages], username: 'alice', onLaunch })} />);
    await userEvent.click(screen.getByRole('combobox', { name: 'Image' }));
    expect(screen.getByRole('option', { name: /alice\/torch/ }).textContent).toBe('alice/torchPyTorch with my packagesSaved by you · 4.2 GiB · 2 days ago');
    expect(screen.getByRole('option', { name: /carol\/jax/ }).textContent).toBe('carol/jaxJAX on CUDA 12Saved by carol · 7.5 GiB · 9 days ago');
    await userEvent.keyboard('{Escape}');
    await choose('Image', /carol\/jax/);
    expect(screen.getByRole('combobox', { name: 'Image' }).textContent).toBe('carol/jax — JAX on CUDA 12');
    await userEvent.click(screen.getByRole('button', { name: 'Launch my container' }));
    expect(onLaunch).toHaveBeenCalledWith(expect.objectContaining({ image: 'carol/jax' }));
  });

  it('disables machines without room and says why', async () => {
    const busy: Machine = { ...MockMachineAllocationOnly, name: 'cpu-2', cpus: 8, free: { ...MockMachineAllocationOnly.free, cpus: 1.5 } };
    renderView(<LaunchForm {...props({ machines: [...MockMachines, busy] })} />);
    await userEvent.click(screen.getByRole('radio', { name: /Extra large/ }));
    await userEvent.click(screen.getByRole('combobox', { name: 'Machine' }));
    const down = screen.getByRole('option', { name: /gpu-2/ });
    expect(down.getAttribute('aria-disabled')).toBe('true');
    expect(down.textContent).toContain('not answering');
    // cpu-1 has 2 CPUs free to request, enough for Extra large (8 CPUs, 2 requested), but 24 GiB are not 32.
    const full = screen.getByRole('option', { name: /cpu-1/ });
    expect(full.getAttribute('aria-disabled')).toBe('true');
    expect(full.textContent).toContain('only 24 GiB memory free');
    expect(screen.getByRole('option', { name: /cpu-2/ }).textContent).toMatch(/1\.5 CPU/);
    await userEvent.keyboard('{Escape}');
    await userEvent.click(screen.getByRole('radio', { name: /Largest allowed/ }));
    await userEvent.click(screen.getByRole('combobox', { name: 'Machine' }));
    // 16 CPUs is more than cpu-2's engine has, however much is free.
    expect(screen.getByRole('option', { name: /cpu-2/ }).textContent).toContain('at most 8 CPUs per sandbox');
    const room = screen.getByRole('option', { name: /gpu-1/ });
    expect(room.getAttribute('aria-disabled')).toBeNull();
    expect(room.textContent).toBe('gpu-1— 24 CPUs · 224 GiB · 1 GPU free');
  });

  it('says that no machine sees the shared homes, not that nothing fits, when every machine that answers is not ready', () => {
    const notReady: Machine = { ...MockMachine, homes: { ready: false, reason: 'homes.root lacks the marker', checkedAt: MockMachine.lastSeenAt ?? '' } };
    renderView(<LaunchForm {...props({ machines: [notReady, MockMachineDown] })} />);
    expect(sizeLabels()).toEqual(['CustomYour own figures, within the limits.']);
    expect(screen.getByText('This size does not fit any machine now. No machine takes launches now: none sees the shared homes. An admin must mount them.')).toBeTruthy();
    expect(screen.queryByText(/stop one of your sandboxes/)).toBeNull();
  });

  it('offers only a custom size, and says so, when nothing fits any machine', async () => {
    const onLaunch = vi.fn();
    const full: Machine = { ...MockMachineAllocationOnly, free: { cpus: 0, memoryBytes: 0, gpus: 0 } };
    renderView(<LaunchForm {...props({ machines: [full, MockMachineDown], onLaunch })} />);
    expect(sizeLabels()).toEqual(['CustomYour own figures, within the limits.']);
    expect(screen.getByText(/No machine has room for this size right now/)).toBeTruthy();
    expect(screen.getByText('This size does not fit any machine now. No size fits any machine now: stop one of your sandboxes or wait for room.')).toBeTruthy();
    await userEvent.click(screen.getByRole('button', { name: 'Launch my container' }));
    expect(onLaunch).not.toHaveBeenCalled();
  });

  it('keeps GPUs at 0 and disabled until a machine reports GPUs', () => {
    renderView(<LaunchForm {...props({ machines: MockMachines.map(noGpus) })} />);
    const gpus = screen.getByRole('combobox', { name: 'GPUs' });
    expect(gpus.getAttribute('aria-disabled')).toBe('true');
    expect(gpus.textContent).toBe('0');
    expect(screen.getByText('No machine reports GPUs yet.')).toBeTruthy();
  });

  it('offers no more GPUs than one machine has free', async () => {
    renderView(<LaunchForm {...props({ machines: [MockMachine, withFreeGpus(MockMachineDown, 8)] })} />);
    expect(screen.getByText('Up to 2 for one sandbox; at most 1 free on one machine now.')).toBeTruthy();
    await userEvent.click(screen.getByRole('combobox', { name: 'GPUs' }));
    expect(screen.getAllByRole('option').map((o) => o.textContent)).toEqual(['0', '1']);
  });

  it('offers no more GPUs than the limit allows', async () => {
    renderView(<LaunchForm {...props({ machines: [withFreeGpus(MockMachine, 4)] })} />);
    expect(screen.getByText('Up to 2 for one sandbox.')).toBeTruthy();
    await userEvent.click(screen.getByRole('combobox', { name: 'GPUs' }));
    expect(screen.getAllByRole('option').map((o) => o.textContent)).toEqual(['0', '1', '2']);
  });

  it('says none are free when every GPU is held though the limit allows some', () => {
    renderView(<LaunchForm {...props({ machines: [withFreeGpus(MockMachine, 0), MockMachineAllocationOnly] })} />);
    const gpus = screen.getByRole('combobox', { name: 'GPUs' });
    expect(gpus.getAttribute('aria-disabled')).toBe('true');
    expect(gpus.textContent).toBe('0');
    expect(screen.getByText('None free right now.')).toBeTruthy();
  });

  it('offers only the GPUs free on a pinned machine, and sends the machine', async () => {
    const onLaunch = vi.fn();
    const roomy = { ...withFreeGpus(MockMachine, 2), name: 'gpu-9' };
    renderView(<LaunchForm {...props({ machines: [MockMachine, roomy], onLaunch })} />);
    await choose('Machine', /^gpu-1/);
    expect(screen.getByText('1 GPU free on gpu-1.')).toBeTruthy();
    await userEvent.click(screen.getByRole('combobox', { name: 'GPUs' }));
    expect(screen.getAllByRole('option').map((o) => o.textContent)).toEqual(['0', '1']);
    await userEvent.keyboard('{Escape}');
    await choose('Machine', /^gpu-9/);
    await choose('GPUs', '2');
    await userEvent.click(screen.getByRole('button', { name: 'Launch my container' }));
    expect(onLaunch).toHaveBeenCalledWith({ image: 'notebook', cpus: 2, memoryGiB: 8, gpus: 2, machine: 'gpu-9' });
  });

  it("shows the hub's own words when no machine has room, in every language", () => {
    const message = 'No machine has 2 GPUs free; the most room is on gpu-1: 1 GPU, 24 CPUs, 224 GiB.';
    const { unmount } = renderView(<LaunchForm {...props({ error: new ApiError(409, 'NO_CAPACITY', message) })} />);
    expect(screen.getByRole('alert').textContent).toBe(message);
    unmount();
    renderView(<LaunchForm {...props({ error: new ApiError(409, 'NO_CAPACITY', message) })} />, { language: 'ja' });
    expect(screen.getByRole('alert').textContent).toBe(message);
  });

  it('refuses a name the hub would refuse, before sending it', async () => {
    const onLaunch = vi.fn();
    renderView(<LaunchForm {...props({ onLaunch })} />);
    await userEvent.type(screen.getByRole('textbox', { name: /Name/ }), '-bad');
    await userEvent.click(screen.getByRole('button', { name: 'Launch my container' }));
    expect(onLaunch).not.toHaveBeenCalled();
    expect(screen.getByText(/Use 1–32 lowercase letters/)).toBeTruthy();
  });

  it('points at the name when it is taken, and explains the sandbox limit', () => {
    const { unmount } = renderView(<LaunchForm {...props({ error: new ApiError(409, 'SANDBOX_NAME_TAKEN', 'taken') })} />);
    expect(screen.getByText('You already have a sandbox with this name.')).toBeTruthy();
    unmount();
    renderView(<LaunchForm {...props({ error: new ApiError(409, 'SANDBOX_LIMIT_REACHED', 'limit') })} />);
    expect(screen.getByRole('alert').textContent).toContain('Stop one to launch another');
  });

  it('shows the shared datasets the sandbox will get, where and how, and nothing when there are none', () => {
    renderView(<LaunchForm {...props({ datasets: MockDatasets })} />);
    const list = screen.getByRole('region', { name: 'Shared datasets in this sandbox' });
    expect(within(list).getByText('/datasets/imagenet')).toBeTruthy();
    expect(within(list).getByText('read-only')).toBeTruthy();
    expect(within(list).getByText('read-write')).toBeTruthy();
    cleanup();
    renderView(<LaunchForm {...props({ datasets: [] })} />);
    expect(screen.queryByRole('region', { name: 'Shared datasets in this sandbox' })).toBeNull();
  });
});
