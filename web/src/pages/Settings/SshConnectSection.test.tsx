// @vitest-environment happy-dom
import { cleanup, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MockSshGateway, MockSshGatewayOff } from '../../testing/mocks';
import { renderView } from '../../testing/render';
import { mockSettingsProps } from '../../testing/settingsProps';
import { SettingsPageView } from './SettingsPageView';

afterEach(cleanup);

const section = () => screen.getByRole('region', { name: 'Connect over SSH' });

describe('Connect over SSH on the settings page', () => {
  it("shows the hub's host key fingerprint, the command and what its user name means", () => {
    renderView(<SettingsPageView {...mockSettingsProps()} />);
    expect(screen.getByLabelText('Host key fingerprint').textContent).toBe(`ssh-ed25519 ${MockSshGateway.hostKey!.fingerprint}`);
    expect(screen.getByLabelText('SSH command').textContent).toBe('ssh -p 2222 alice.main@shiva.example.com');
    expect(section().textContent).toContain('The user name is <user>.<sandbox>: alice.main reaches your sandbox main.');
  });

  it('gives a ~/.ssh/config entry for the default sandbox, with a copy button, that VS Code uses too', async () => {
    const writeText = vi.fn(async () => undefined);
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
    renderView(<SettingsPageView {...mockSettingsProps()} />);
    const entry = `Host shiva-main\n  HostName shiva.example.com\n  Port 2222\n  User alice.main\n  HostKeyAlias shiva-shiva.example.com\n  # host key ${MockSshGateway.hostKey!.fingerprint}`;
    expect(screen.getByLabelText('SSH config entry').textContent).toBe(entry);
    expect(section().textContent).toContain('VS Code Remote-SSH reads the same file: choose shiva-main');
    await userEvent.click(screen.getByRole('button', { name: 'Copy the SSH config entry' }));
    expect(writeText).toHaveBeenCalledWith(entry);
    await waitFor(() => expect(screen.getByRole('button', { name: 'Copied' })).toBeTruthy());
    // The known_hosts line under the entry's alias, as shiva ssh-config prints it.
    expect(screen.getByLabelText('known_hosts line').textContent).toBe(`shiva-shiva.example.com ${MockSshGateway.hostKey!.publicKey}`);
  });

  it('says in one line that SSH is off when the hub has it turned off', () => {
    const p = mockSettingsProps();
    renderView(<SettingsPageView {...p} sshConnect={{ ...p.sshConnect, gateway: MockSshGatewayOff }} />);
    expect(section().textContent).toBe('Connect over SSHSSH is turned off on this hub.');
  });

  it('waits for the user name before showing a command', () => {
    const p = mockSettingsProps();
    renderView(<SettingsPageView {...p} sshConnect={{ ...p.sshConnect, username: undefined }} />);
    expect(screen.queryByLabelText('SSH command')).toBeNull();
    expect(screen.getAllByRole('status').length).toBeGreaterThan(0);
  });

  it('reads in Japanese', () => {
    renderView(<SettingsPageView {...mockSettingsProps()} />, { language: 'ja' });
    expect(screen.getByRole('region', { name: 'SSH で接続' }).textContent).toContain('ssh -p 2222 alice.main@shiva.example.com');
    expect(screen.getByRole('table', { name: 'SSH 鍵' })).toBeTruthy();
  });
});
