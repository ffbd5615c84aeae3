/**
 * `shiva ssh-keys ls|add|rm`: the public keys that sign you in to the SSH gateway (docs/ssh.md).
 * `add` reads the key where ssh-keygen puts it and refuses a private key before anything is
 * sent: the hub would refuse it too, but it must never leave the machine.
 */
import { access, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import type { AddSshKeyRequest, SshKey } from '../contract/api.js';
import { HubClient, loadCredentials } from './client.js';
import { readAll } from './login.js';
import { ago, printJson, printTable } from './output.js';

const client = async (opts: { url?: string }) => new HubClient(await loadCredentials(opts));

/** The public keys `shiva ssh-keys add` looks for without a file, in ssh-keygen's order of preference. */
export const DEFAULT_PUBLIC_KEYS = ['id_ed25519.pub', 'id_ecdsa.pub', 'id_rsa.pub'] as const;

/** A key file's text and where it came from, as `add` names it. */
export interface KeySource {
  text: string;
  from: string;
}

/** Why a key cannot be added; nothing was sent. */
export class KeyFileProblem extends Error {
  override name = 'KeyFileProblem';
}

/**
 * OpenSSH, PEM (PKCS#1, PKCS#8, encrypted or not) and PuTTY private keys: what `ssh-keygen`
 * and PuTTYgen write beside the .pub file.
 */
export const isPrivateKey = (text: string): boolean => /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----|^PuTTY-User-Key-File-/m.test(text);

/**
 * The public key to add: `file`, standard input for `-`, else the first of DEFAULT_PUBLIC_KEYS in
 * `sshDir` that exists. Throws KeyFileProblem for a private key or when no key is found.
 */
export async function readPublicKey(file: string | undefined, sshDir: string, stdin: () => Promise<string>): Promise<KeySource> {
  let source: KeySource;
  if (file === '-') {
    source = { text: await stdin(), from: 'standard input' };
  } else if (file !== undefined) {
    source = { text: await readFile(file, 'utf8'), from: file };
  } else {
    const found = await firstExisting(DEFAULT_PUBLIC_KEYS.map((name) => path.join(sshDir, name)));
    if (!found) {
      throw new KeyFileProblem(`No public key in ${sshDir} (${DEFAULT_PUBLIC_KEYS.join(', ')}). Make one with: ssh-keygen -t ed25519, or name the .pub file to add.`);
    }
    source = { text: await readFile(found, 'utf8'), from: found };
  }
  if (isPrivateKey(source.text)) {
    const instead = file && file !== '-' && !file.endsWith('.pub') ? `the public key beside it instead: shiva ssh-keys add ${file}.pub` : 'its public key (the .pub file) instead.';
    throw new KeyFileProblem(`${source.from} is a private key: it stays on your machine and nothing was sent. Add ${instead}`);
  }
  return source;
}

async function firstExisting(files: readonly string[]): Promise<string | undefined> {
  for (const file of files) {
    try {
      await access(file);
      return file;
    } catch {
      // Not there: try the next.
    }
  }
  return undefined;
}

/** The columns and rows of `shiva ssh-keys ls`. */
export function sshKeysTable(list: readonly SshKey[], at = Date.now()): [string[], string[][]] {
  const header = ['ID', 'NAME', 'TYPE', 'FINGERPRINT', 'ADDED', 'LAST USED', 'FROM'];
  const rows = list.map((k) => [k.id, k.name, k.algorithm, k.fingerprint, ago(k.createdAt, at), ago(k.lastUsedAt, at), k.lastUsedFrom ?? '-']);
  return [header, rows];
}

export function registerSshKeys(program: Command): void {
  const keys = program.command('ssh-keys').description('the public keys that sign you in over SSH (see shiva ssh-config)');
  keys
    .command('ls')
    .description('list your SSH public keys, when and from where each last signed in')
    .option('--url <url>', 'the hub (or SHIVA_URL)')
    .option('--json', 'print JSON')
    .action(async (opts: { url?: string; json?: boolean }) => {
      const hub = await client(opts);
      const list = await hub.request<SshKey[]>('GET', '/api/ssh-keys');
      if (opts.json) return printJson(list);
      if (list.length === 0) return void process.stdout.write('No SSH keys. Add yours with: shiva ssh-keys add\n');
      const [header, rows] = sshKeysTable(list);
      printTable(header, rows);
    });
  keys
    .command('add [file]')
    .description(`add a public key: the file, - for standard input, or the first of ~/.ssh/${DEFAULT_PUBLIC_KEYS.join(', ')}; a private key is refused before anything is sent`)
    .option('--name <name>', "what to call it (default: the key's comment, else its type)")
    .option('--url <url>', 'the hub (or SHIVA_URL)')
    .option('--json', 'print JSON')
    .action(async (file: string | undefined, opts: { name?: string; url?: string; json?: boolean }) => {
      let source: KeySource;
      try {
        source = await readPublicKey(file, path.join(os.homedir(), '.ssh'), () => readAll(process.stdin));
      } catch (err) {
        if (!(err instanceof KeyFileProblem)) throw err;
        process.stderr.write(`shiva: ${err.message}\n`);
        process.exitCode = 1;
        return;
      }
      const hub = await client(opts);
      const request: AddSshKeyRequest = { publicKey: source.text.trim(), ...(opts.name !== undefined ? { name: opts.name } : {}) };
      const added = await hub.request<SshKey>('POST', '/api/ssh-keys', request);
      if (opts.json) return printJson(added);
      process.stdout.write(`Added ${added.id} (${added.name}), ${added.algorithm} ${added.fingerprint}, from ${source.from}.\nshiva ssh-config prints what to put in ~/.ssh/config to reach your sandboxes.\n`);
    });
  keys
    .command('rm <id>')
    .description('remove an SSH key; the SSH connections it signed in are closed at once')
    .option('--url <url>', 'the hub (or SHIVA_URL)')
    .option('--json', 'print JSON')
    .action(async (id: string, opts: { url?: string; json?: boolean }) => {
      const hub = await client(opts);
      await hub.request('DELETE', `/api/ssh-keys/${encodeURIComponent(id)}`);
      if (opts.json) printJson({ removed: id });
      else process.stdout.write(`Removed ${id}; the SSH connections it had signed in are closed.\n`);
    });
}
