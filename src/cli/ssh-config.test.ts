/** `shiva ssh-config`: the Host blocks, the known_hosts line, and what it adds to ~/.ssh. */
import { createHmac } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cliRuns, mockSandbox, runVerb } from '../../test/support/cli-fixtures.js';
import type { Me, Sandbox, SshGatewayInfo } from '../contract/api.js';
import { hostBlock, knownHostsLine, sshHosts, type OpenGateway } from '../contract/ssh-config.js';
import { configTargets, registerSshConfig } from './ssh-config.js';
import { configHasHost, knownHostsEntry } from './ssh-files.js';

const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIk0ZVKO4wYbW1yJyTpzKqUgQ9oB0Yh4b7cQ2Ck1cT5e';
const FINGERPRINT = 'SHA256:Vd3vXyB6m0rPz3ZtQ1wFz5pGq8yQmVt0tJ9xS7a2kLc';
const gateway: OpenGateway = {
  enabled: true,
  host: 'shiva.example',
  port: 2222,
  hostKey: { algorithm: 'ssh-ed25519', fingerprint: FINGERPRINT, publicKey: KEY },
  userSeparator: '.',
};
const me = { user: { username: 'alice' } } as Pick<Me, 'user'>;

const MAIN_BLOCK = `Host shiva-main
  HostName shiva.example
  Port 2222
  User alice.main
  HostKeyAlias shiva-shiva.example
  # host key ${FINGERPRINT}`;

describe('the blocks of shiva ssh-config', () => {
  it('reach a sandbox as user.sandbox, and file the host key under an alias of the host', () => {
    expect(sshHosts(gateway, 'alice', ['main']).map(hostBlock)).toEqual([MAIN_BLOCK]);
    expect(knownHostsLine(gateway)).toBe(`shiva-shiva.example ${KEY}`);
  });

  it("leave out ssh's default port, and the alias while the hub has no host key", () => {
    expect(hostBlock(sshHosts({ ...gateway, port: 22, hostKey: null }, 'alice', ['lab'])[0]!)).toBe('Host shiva-lab\n  HostName shiva.example\n  User alice.lab');
    expect(knownHostsLine({ ...gateway, hostKey: null })).toBeNull();
  });

  it('are for every live sandbox, the one named (by name or id), or main when none runs', () => {
    const lab = mockSandbox({ id: 'sbx2', name: 'lab' });
    expect(configTargets([mockSandbox(), lab], undefined)).toEqual({ names: ['main', 'lab'], note: null });
    expect(configTargets([mockSandbox(), lab], 'sbx2')).toEqual({ names: ['lab'], note: null });
    expect(configTargets([], 'gpu')).toEqual({ names: ['gpu'], note: 'gpu is not running; its block reaches it once it is: shiva launch gpu' });
    expect(configTargets([], undefined)).toMatchObject({ names: ['main'], note: expect.stringContaining('shiva launch') });
    expect(configTargets([], 'Not/A name')).toEqual({ problem: 'You have no sandbox Not/A name; shiva ls lists yours.' });
  });
});

describe("the user's ssh files", () => {
  it('have a Host when a Host line names it among its patterns', () => {
    const config = 'Host github.com\n  User git\n\nHost  shiva-lab "shiva-main"\n  User x\nhost=shiva-gpu\n# Host shiva-old\n';
    expect(['shiva-lab', 'shiva-main', 'shiva-gpu'].map((h) => configHasHost(config, h))).toEqual([true, true, true]);
    expect(['shiva', 'shiva-old', 'User'].map((h) => configHasHost(config, h))).toEqual([false, false, false]);
  });

  it('trust the key when a plain or hashed line names the alias with it, and tell another key apart', () => {
    const salt = Buffer.from('0123456789abcdef0123');
    const hashed = `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update('shiva-shiva.example').digest('base64')}`;
    expect(knownHostsEntry(`github.com ssh-ed25519 AAAAother\nshiva-shiva.example,10.0.0.1 ${KEY}\n`, 'shiva-shiva.example', KEY)).toBe('present');
    expect(knownHostsEntry(`${hashed} ${KEY}\n`, 'shiva-shiva.example', KEY)).toBe('present');
    expect(knownHostsEntry(`${hashed} ssh-ed25519 AAAAold\n`, 'shiva-shiva.example', KEY)).toBe('other-key');
    expect(knownHostsEntry(`@revoked shiva-shiva.example ${KEY}\n# shiva-shiva.example ${KEY}\n`, 'shiva-shiva.example', KEY)).toBe('absent');
  });
});

describe('shiva ssh-config', () => {
  const cli = cliRuns();
  let home: string;
  beforeEach(() => {
    home = mkdtempSync(path.join(os.tmpdir(), 'shiva-ssh-config-'));
    vi.stubEnv('HOME', home);
  });
  afterEach(() => rmSync(home, { recursive: true, force: true }));

  /** Runs it against a hub with `sandboxes` live; answers what the hub was asked. */
  async function sshConfig(sandboxes: Sandbox[], args: string[], info: SshGatewayInfo = gateway) {
    const hub = await cli.hub({ 'GET /api/ssh': { body: info }, 'GET /api/me': { body: me }, 'GET /api/sandboxes': { body: { items: sandboxes, total: sandboxes.length, next: null } } });
    await runVerb(registerSshConfig, ['ssh-config', ...args, '--url', hub.url]);
    return hub.requests;
  }

  it('prints the block of your one sandbox, and the known_hosts line and how to connect apart from it', async () => {
    await sshConfig([mockSandbox()], []);
    expect(cli.stdout()).toBe(`${MAIN_BLOCK}\n`);
    expect(cli.stderr()).toContain(`Trust the gateway's host key (${FINGERPRINT}) with this line in ~/.ssh/known_hosts, or with --known-hosts:\nshiva-shiva.example ${KEY}\n`);
    expect(cli.stderr()).toContain('in VS Code: Remote-SSH: Connect to Host… → shiva-main');
    expect(process.exitCode).toBeUndefined();
  });

  it('prints a block for each of several sandboxes, or for the one named', async () => {
    const sandboxes = [mockSandbox(), mockSandbox({ id: 'sbx2', name: 'lab' })];
    await sshConfig(sandboxes, []);
    expect(cli.stdout()).toBe(`${MAIN_BLOCK}\n\n${MAIN_BLOCK.replaceAll('main', 'lab')}\n`);
    await sshConfig(sandboxes, ['lab']);
    expect(cli.stdout().split('Host ').length - 1).toBe(3);
    expect(cli.stdout().endsWith(`\n${MAIN_BLOCK.replaceAll('main', 'lab')}\n`)).toBe(true);
  });

  it('with --known-hosts, adds the line to ~/.ssh/known_hosts once, however often it runs', async () => {
    mkdirSync(path.join(home, '.ssh'));
    writeFileSync(path.join(home, '.ssh', 'known_hosts'), 'github.com ssh-ed25519 AAAAgithub');
    await sshConfig([mockSandbox()], ['--known-hosts']);
    await sshConfig([mockSandbox()], ['--known-hosts']);
    expect(readFileSync(path.join(home, '.ssh', 'known_hosts'), 'utf8')).toBe(`github.com ssh-ed25519 AAAAgithub\nshiva-shiva.example ${KEY}\n`);
    expect(cli.stderr()).toContain(`Added the gateway's host key (${FINGERPRINT}) to ~/.ssh/known_hosts as shiva-shiva.example.`);
    expect(cli.stderr()).toContain('~/.ssh/known_hosts already trusts');
    expect(process.exitCode).toBeUndefined();
  });

  it('with --known-hosts, leaves another key trusted for the alias and exits 1, saying how to forget it', async () => {
    mkdirSync(path.join(home, '.ssh'));
    writeFileSync(path.join(home, '.ssh', 'known_hosts'), 'shiva-shiva.example ssh-ed25519 AAAAold\n');
    await sshConfig([mockSandbox()], ['--known-hosts']);
    expect(readFileSync(path.join(home, '.ssh', 'known_hosts'), 'utf8')).toBe('shiva-shiva.example ssh-ed25519 AAAAold\n');
    expect(cli.stderr()).toContain('ssh-keygen -R shiva-shiva.example');
    expect(process.exitCode).toBe(1);
  });

  it("with --write, appends the blocks ~/.ssh/config lacks to the user's own, in a private file", async () => {
    await sshConfig([mockSandbox()], ['--write']);
    const file = path.join(home, '.ssh', 'config');
    expect(readFileSync(file, 'utf8')).toBe(`${MAIN_BLOCK}\n`);
    expect(statSync(file).mode & 0o077).toBe(0);
    writeFileSync(file, `Host *\n  ServerAliveInterval 30\n\n${readFileSync(file, 'utf8')}`);
    await sshConfig([mockSandbox(), mockSandbox({ id: 'sbx2', name: 'lab' })], ['--write']);
    expect(readFileSync(file, 'utf8')).toBe(`Host *\n  ServerAliveInterval 30\n\n${MAIN_BLOCK}\n\n${MAIN_BLOCK.replaceAll('main', 'lab')}\n`);
    expect(cli.stdout()).toContain('Added Host shiva-lab to ~/.ssh/config.');
    expect(cli.stdout()).toContain('~/.ssh/config already has Host shiva-main; left it as it is.');
  });

  it('says the gateway is off and exits 1 when the hub does not run it', async () => {
    const requests = await sshConfig([mockSandbox()], [], { enabled: false, host: null, port: null, hostKey: null, userSeparator: '.' });
    expect(cli.stdout()).toBe('');
    expect(cli.stderr()).toContain("The hub's SSH gateway is off");
    expect(process.exitCode).toBe(1);
    expect(requests.map((r) => r.url)).toEqual(['/api/ssh']);
  });
});
