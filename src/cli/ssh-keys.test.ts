/** `shiva ssh-keys`: the table, adding a key file (never a private one), the hub's refusals, removing. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runShiva } from '../../test/support/cli.js';
import { cliRuns, runVerb, startFakeHub, type FakeAnswer } from '../../test/support/cli-fixtures.js';
import type { SshKey } from '../contract/api.js';
import { errorCodes } from '../contract/errors.js';
import { isPrivateKey, readPublicKey, registerSshKeys, sshKeysTable } from './ssh-keys.js';

const PUBLIC = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE9cUDSyC1Wq3mJk2vQ0xvJv3o5zGZ9YkZ8lKj1Qk3vF alice@laptop';
const PRIVATE = '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n-----END OPENSSH PRIVATE KEY-----\n';

const sshKey = (over: Partial<SshKey> = {}): SshKey => ({
  id: 'key_0123456789ab',
  name: 'alice@laptop',
  algorithm: 'ssh-ed25519',
  fingerprint: 'SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s',
  createdAt: '2026-11-28T10:00:00.000Z',
  lastUsedAt: null,
  lastUsedFrom: null,
  ...over,
});

describe('the key shiva ssh-keys add reads', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'shiva-ssh-keys-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const noStdin = () => Promise.reject(new Error('standard input was read'));

  it('is the first of id_ed25519.pub, id_ecdsa.pub and id_rsa.pub in ~/.ssh that exists', async () => {
    writeFileSync(path.join(dir, 'id_rsa.pub'), 'ssh-rsa AAAA rsa\n');
    writeFileSync(path.join(dir, 'id_ecdsa.pub'), 'ecdsa-sha2-nistp256 AAAA ecdsa\n');
    expect(await readPublicKey(undefined, dir, noStdin)).toEqual({ text: 'ecdsa-sha2-nistp256 AAAA ecdsa\n', from: path.join(dir, 'id_ecdsa.pub') });
  });

  it('says how to make one when ~/.ssh has none', async () => {
    await expect(readPublicKey(undefined, dir, noStdin)).rejects.toThrow('Make one with: ssh-keygen -t ed25519');
  });

  it('is standard input for -', async () => {
    expect(await readPublicKey('-', dir, () => Promise.resolve(`${PUBLIC}\n`))).toEqual({ text: `${PUBLIC}\n`, from: 'standard input' });
  });

  it('is never a private key, of OpenSSH, PEM or PuTTY', async () => {
    expect(isPrivateKey(PRIVATE)).toBe(true);
    expect(isPrivateKey('-----BEGIN RSA PRIVATE KEY-----\nMIIE\n')).toBe(true);
    expect(isPrivateKey('-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIE\n')).toBe(true);
    expect(isPrivateKey('PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\n')).toBe(true);
    expect(isPrivateKey(PUBLIC)).toBe(false);
    await expect(readPublicKey('-', dir, () => Promise.resolve(PRIVATE))).rejects.toThrow('standard input is a private key');
  });
});

describe('shiva ssh-keys', () => {
  const cli = cliRuns();
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'shiva-ssh-keys-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  async function shiva(routes: Readonly<Record<string, FakeAnswer>>, ...args: string[]) {
    const hub = await cli.hub(routes);
    await runVerb(registerSshKeys, ['ssh-keys', ...args, '--url', hub.url]);
    return hub.requests;
  }

  it('lists each key with its type, fingerprint, age, and when and from where it last signed in', () => {
    const at = Date.parse('2026-11-30T10:00:00.000Z');
    const used = sshKey({ id: 'key_2', name: 'desktop', lastUsedAt: '2026-11-30T09:57:00.000Z', lastUsedFrom: '192.0.2.7' });
    const [header, rows] = sshKeysTable([sshKey(), used], at);
    expect(header).toEqual(['ID', 'NAME', 'TYPE', 'FINGERPRINT', 'ADDED', 'LAST USED', 'FROM']);
    expect(rows).toEqual([
      ['key_0123456789ab', 'alice@laptop', 'ssh-ed25519', 'SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s', '2d ago', '-', '-'],
      ['key_2', 'desktop', 'ssh-ed25519', 'SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s', '2d ago', '3m ago', '192.0.2.7'],
    ]);
  });

  it('prints the table from the hub, and says how to add a key when there is none', async () => {
    await shiva({ 'GET /api/ssh-keys': { body: [sshKey()] } }, 'ls');
    expect(cli.stdout().split('\n')[0]).toMatch(/^ID +NAME +TYPE +FINGERPRINT +ADDED +LAST USED +FROM$/);
    expect(cli.stdout()).toContain('key_0123456789ab  alice@laptop  ssh-ed25519  SHA256:uNiVzt');
    await shiva({ 'GET /api/ssh-keys': { body: [] } }, 'ls');
    expect(cli.stdout()).toContain('No SSH keys. Add yours with: shiva ssh-keys add');
  });

  it('adds the public key of a file as one line, with --name, and prints the fingerprint it was added with', async () => {
    const file = path.join(dir, 'laptop.pub');
    writeFileSync(file, `${PUBLIC}\n`);
    const requests = await shiva({ 'POST /api/ssh-keys': { status: 201, body: sshKey({ name: 'laptop' }) } }, 'add', file, '--name', 'laptop');
    expect(requests).toEqual([{ method: 'POST', url: '/api/ssh-keys', body: { publicKey: PUBLIC, name: 'laptop' } }]);
    expect(cli.stdout()).toContain('Added key_0123456789ab (laptop), ssh-ed25519 SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s');
  });

  it('refuses a private key file, naming the .pub beside it, without a request to the hub', async () => {
    const file = path.join(dir, 'id_ed25519');
    writeFileSync(file, PRIVATE);
    const requests = await shiva({}, 'add', file);
    expect(requests).toEqual([]);
    expect(cli.stderr()).toContain(`${file} is a private key: it stays on your machine and nothing was sent.`);
    expect(cli.stderr()).toContain(`shiva ssh-keys add ${file}.pub`);
    expect(process.exitCode).toBe(1);
  });

  it("fails with the hub's code and message when the hub refuses the key", async () => {
    const file = path.join(dir, 'laptop.pub');
    writeFileSync(file, PUBLIC);
    const refusal = { error: { code: 'SSH_KEY_IN_USE', message: errorCodes.SSH_KEY_IN_USE.message } };
    await expect(shiva({ 'POST /api/ssh-keys': { status: 409, body: refusal } }, 'add', file)).rejects.toMatchObject({
      code: 'SSH_KEY_IN_USE',
      message: errorCodes.SSH_KEY_IN_USE.message,
    });
  });

  it('removes a key by id and says that the SSH connections it signed in are closed', async () => {
    const requests = await shiva({ 'DELETE /api/ssh-keys/key_2': { status: 204 } }, 'rm', 'key_2');
    expect(requests).toEqual([{ method: 'DELETE', url: '/api/ssh-keys/key_2', body: undefined }]);
    expect(cli.stdout()).toBe('Removed key_2; the SSH connections it had signed in are closed.\n');
  });
});

describe('the shiva command on a refused key', () => {
  it("prints the hub's message, its code and what to do next, and exits 1", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'shiva-ssh-keys-'));
    const hub = await startFakeHub({
      'POST /api/ssh-keys': { status: 409, body: { error: { code: 'SSH_KEY_LIMIT_REACHED', message: 'You may keep 50 SSH keys; remove one first.' } } },
    });
    try {
      writeFileSync(path.join(dir, 'laptop.pub'), PUBLIC);
      const run = await runShiva(['ssh-keys', 'add', path.join(dir, 'laptop.pub')], { SHIVA_URL: hub.url, SHIVA_TOKEN: 'shiva_test', SHIVA_CREDENTIALS: path.join(dir, 'none.json') });
      expect(run.code).toBe(1);
      expect(run.stderr).toBe(
        'shiva: You may keep 50 SSH keys; remove one first. (SSH_KEY_LIMIT_REACHED)\nSee your SSH keys with: shiva ssh-keys ls; remove one with: shiva ssh-keys rm ID\n',
      );
    } finally {
      await hub.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
