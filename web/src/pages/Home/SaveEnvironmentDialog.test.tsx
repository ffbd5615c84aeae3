// @vitest-environment happy-dom
import { cleanup, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../../api/client';
import { MockEnvironments, MockSaveStarted } from '../../testing/environmentMocks';
import { mockHomeProps } from '../../testing/homeProps';
import { MockSandboxRunning } from '../../testing/mocks';
import { renderView } from '../../testing/render';
import { HomePageView, type SavingProps } from './HomePageView';

afterEach(cleanup);

const saving = (onSave: SavingProps['onSave'] = vi.fn(async () => MockSaveStarted)): SavingProps => ({ onSave, underWay: null, onDismiss: vi.fn() });
const environments = { list: MockEnvironments, busyIds: new Set<string>(), error: null, onShare: vi.fn(), onDelete: vi.fn() };

async function openDialog(onSave?: SavingProps['onSave']) {
  renderView(<HomePageView {...mockHomeProps({ saving: saving(onSave), environments })} />);
  await userEvent.click(screen.getByRole('button', { name: 'Save main as an environment' }));
  return screen.getByRole('dialog', { name: 'Save main as an environment' });
}

describe('Save environment', () => {
  it('is offered on my running sandboxes only', () => {
    renderView(<HomePageView {...mockHomeProps({ saving: saving() })} />);
    expect(screen.getAllByRole('button', { name: /as an environment$/ }).map((b) => b.getAttribute('aria-label'))).toEqual(['Save main as an environment']);
    cleanup();
    renderView(<HomePageView {...mockHomeProps()} />);
    expect(screen.queryByRole('button', { name: /as an environment$/ })).toBeNull();
  });

  it('checks the name as the hub does, then sends it with the description, sharing and pausing', async () => {
    const onSave = vi.fn(async () => MockSaveStarted);
    const dialog = await openDialog(onSave);
    const name = within(dialog).getByRole('textbox', { name: 'Name' });
    await userEvent.type(name, 'My..Env');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Save' }));
    expect(onSave).not.toHaveBeenCalled();
    expect(within(dialog).getByText('Use lowercase letters and digits, parts joined by one ".", "-" or "_" (up to 64 characters), like torch-2.1.')).toBeTruthy();

    await userEvent.clear(name);
    await userEvent.type(name, 'Torch-2.1');
    expect((name as HTMLInputElement).value).toBe('torch-2.1');
    await userEvent.type(within(dialog).getByRole('textbox', { name: 'Description (optional)' }), '  PyTorch nightly  ');
    await userEvent.click(within(dialog).getByRole('checkbox', { name: 'Share with everyone' }));
    await userEvent.click(within(dialog).getByRole('checkbox', { name: 'Pause the sandbox while saving' }));
    await userEvent.click(within(dialog).getByRole('button', { name: 'Save' }));
    expect(onSave).toHaveBeenCalledWith(MockSandboxRunning, { name: 'torch-2.1', description: 'PyTorch nightly', shared: true, pause: true });
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
  });

  it('says that saving under the name of one of my environments replaces it', async () => {
    const dialog = await openDialog();
    await userEvent.type(within(dialog).getByRole('textbox', { name: 'Name' }), 'torch');
    expect(within(dialog).getByText('You have an environment called torch: saving replaces it.')).toBeTruthy();
    // carol's shared jax is not mine to replace.
    await userEvent.clear(within(dialog).getByRole('textbox', { name: 'Name' }));
    await userEvent.type(within(dialog).getByRole('textbox', { name: 'Name' }), 'jax');
    expect(within(dialog).queryByText(/saving replaces it/)).toBeNull();
  });

  it('says what to do about a refusal, by its code, and keeps the dialog open', async () => {
    const dialog = await openDialog(vi.fn(async () => Promise.reject(new ApiError(409, 'ENVIRONMENT_LIMIT_REACHED', 'You have as many saved environments as you may keep; delete one first.'))));
    await userEvent.type(within(dialog).getByRole('textbox', { name: 'Name' }), 'torch');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Save' }));
    expect((await within(dialog).findByRole('alert')).textContent).toBe('You have as many saved environments as you may keep. Delete one under My environments first.');
    expect(screen.getByRole('dialog')).toBeTruthy();
  });

  it("shows the hub's refusal of the name on the name field", async () => {
    const dialog = await openDialog(vi.fn(async () => Promise.reject(new ApiError(400, 'INVALID_ENVIRONMENT_NAME', 'An environment name is …'))));
    const name = within(dialog).getByRole('textbox', { name: 'Name' });
    await userEvent.type(name, 'torch');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(name.getAttribute('aria-invalid')).toBe('true'));
    expect(within(dialog).queryByRole('alert')).toBeNull();
  });

  it('says the refusal in Japanese where the code has words there', async () => {
    renderView(<HomePageView {...mockHomeProps({ saving: saving(vi.fn(async () => Promise.reject(new ApiError(503, 'REGISTRY_UNAVAILABLE', "The team's registry does not answer")))) })} />, { language: 'ja' });
    await userEvent.click(screen.getByRole('button', { name: 'main を環境として保存' }));
    const dialog = screen.getByRole('dialog', { name: 'main を環境として保存' });
    await userEvent.type(within(dialog).getByRole('textbox', { name: '名前' }), 'torch');
    await userEvent.click(within(dialog).getByRole('button', { name: '保存' }));
    expect((await within(dialog).findByRole('alert')).textContent).toBe('チームのレジストリが応答しないか、要求を拒否しました（ハブのログに理由があります）。');
  });
});
