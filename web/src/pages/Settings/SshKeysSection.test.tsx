// @vitest-environment happy-dom
import { cleanup, fireEvent, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../../api/client';
import { MockSshKeys } from '../../testing/mocks';
import { renderView } from '../../testing/render';
import { mockSettingsProps } from '../../testing/settingsProps';
import { SettingsPageView } from './SettingsPageView';

afterEach(cleanup);

const PUBLIC_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl alice@desktop';
const PRIVATE_KEY = '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n-----END OPENSSH PRIVATE KEY-----';

const publicKeyField = (label = /Public key/) => screen.getByRole('textbox', { name: label });
const paste = async (text: string, label?: RegExp) => {
  await userEvent.click(publicKeyField(label));
  await userEvent.paste(text);
};
const addButton = () => screen.getByRole('button', { name: 'Add SSH key' });

describe('SSH keys on the settings page', () => {
  it('lists keys with their type, fingerprint, when added, and when and from where they were last used', () => {
    renderView(<SettingsPageView {...mockSettingsProps()} />);
    const table = screen.getByRole('table', { name: 'SSH keys' });
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows).toHaveLength(2);
    expect(rows[0]!.textContent).toContain('alice@laptop');
    expect(rows[0]!.textContent).toContain('ssh-ed25519');
    expect(rows[0]!.textContent).toContain('20 days ago');
    expect(rows[0]!.textContent).toContain('2 hours ago from 10.0.4.17');
    expect(rows[1]!.textContent).toContain('workstation');
    expect(rows[1]!.textContent).toContain('ssh-rsa');
    expect(rows[1]!.textContent).toContain('Never');
    const fingerprint = within(rows[0]!).getByText(MockSshKeys[0]!.fingerprint);
    expect(getComputedStyle(fingerprint).fontFamily).toContain('monospace');
  });

  it('says when there are no SSH keys', () => {
    const p = mockSettingsProps();
    renderView(<SettingsPageView {...p} sshKeys={{ ...p.sshKeys, keys: [] }} />);
    expect(screen.getByText('No SSH keys.')).toBeTruthy();
  });

  it('adds a pasted public key with a name, then empties the form', async () => {
    const p = mockSettingsProps();
    renderView(<SettingsPageView {...p} />);
    expect(publicKeyField().getAttribute('placeholder')).toBe('ssh-ed25519 AAAA… you@laptop');
    await paste(`${PUBLIC_KEY}\n`);
    await userEvent.type(screen.getByRole('textbox', { name: 'Name' }), 'desktop');
    await userEvent.click(addButton());
    expect(p.sshKeys.onAdd).toHaveBeenCalledWith({ publicKey: PUBLIC_KEY, name: 'desktop' });
    expect((publicKeyField() as HTMLTextAreaElement).value).toBe('');
  });

  it("adds a key without a name, leaving the hub to name it after the key's comment", async () => {
    const p = mockSettingsProps();
    renderView(<SettingsPageView {...p} />);
    await paste(PUBLIC_KEY);
    await userEvent.click(addButton());
    expect(p.sshKeys.onAdd).toHaveBeenCalledWith({ publicKey: PUBLIC_KEY });
  });

  it('asks for a key before sending anything', async () => {
    const p = mockSettingsProps();
    renderView(<SettingsPageView {...p} />);
    await userEvent.click(addButton());
    expect(p.sshKeys.onAdd).not.toHaveBeenCalled();
    expect(screen.getByText('Required.')).toBeTruthy();
  });

  it("shows the hub's reason under the field when it refuses the key", async () => {
    const p = mockSettingsProps();
    p.sshKeys.onAdd = vi.fn(async () => Promise.reject(new ApiError(400, 'INVALID_SSH_KEY', 'This is not a public key Shiva accepts: an RSA key needs at least 2048 bits.')));
    renderView(<SettingsPageView {...p} />);
    await paste('ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQC1 old@box');
    await userEvent.click(addButton());
    expect(await screen.findByText('This is not a public key Shiva accepts: an RSA key needs at least 2048 bits.')).toBeTruthy();
    expect(publicKeyField().getAttribute('aria-invalid')).toBe('true');
  });

  it('says when the key is already added', async () => {
    const p = mockSettingsProps();
    p.sshKeys.onAdd = vi.fn(async () => Promise.reject(new ApiError(409, 'SSH_KEY_IN_USE', 'This key is already added, to your account or to another; a key signs in as one user only.')));
    renderView(<SettingsPageView {...p} />, { language: 'ja' });
    await paste(PUBLIC_KEY, /公開鍵/);
    await userEvent.click(screen.getByRole('button', { name: 'SSH 鍵を追加' }));
    expect(await screen.findByText('この鍵は既に追加されています（あなたか別のユーザーに）。1 つの鍵でサインインできるのは 1 人だけです。')).toBeTruthy();
  });

  it('says when there are as many keys as one may keep', async () => {
    const p = mockSettingsProps();
    p.sshKeys.onAdd = vi.fn(async () => Promise.reject(new ApiError(409, 'SSH_KEY_LIMIT_REACHED', 'You may keep 50 SSH keys; remove one first.')));
    renderView(<SettingsPageView {...p} />);
    await paste(PUBLIC_KEY);
    await userEvent.click(addButton());
    expect((await screen.findByRole('alert')).textContent).toContain('You may keep 50 SSH keys; remove one first.');
  });

  it('refuses a pasted private key without sending it, and asks for the .pub file', async () => {
    const p = mockSettingsProps();
    renderView(<SettingsPageView {...p} />);
    await paste(PRIVATE_KEY);
    expect(screen.getByText(/This is a private key.*Paste the \.pub file instead\./)).toBeTruthy();
    expect(addButton().hasAttribute('disabled')).toBe(true);
    fireEvent.submit(addButton().closest('form')!);
    expect(p.sshKeys.onAdd).not.toHaveBeenCalled();
  });

  it('removes a key after a confirmation that says its open connections close at once', async () => {
    const p = mockSettingsProps();
    renderView(<SettingsPageView {...p} />);
    await userEvent.click(screen.getByRole('button', { name: 'Remove alice@laptop' }));
    const dialog = screen.getByRole('dialog', { name: 'Remove alice@laptop?' });
    expect(dialog.textContent).toContain('Open SSH connections made with this key close at once');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Remove' }));
    expect(p.sshKeys.onRemove).toHaveBeenCalledWith(MockSshKeys[0]);
  });

  it('keeps a key when the removal is cancelled', async () => {
    const p = mockSettingsProps();
    renderView(<SettingsPageView {...p} />);
    await userEvent.click(screen.getByRole('button', { name: 'Remove workstation' }));
    await userEvent.click(within(screen.getByRole('dialog', { name: 'Remove workstation?' })).getByRole('button', { name: 'Cancel' }));
    expect(p.sshKeys.onRemove).not.toHaveBeenCalled();
  });
});
