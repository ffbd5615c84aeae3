/**
 * The real OpenSSH client against a test hub's SSH gateway: key pairs made by ssh-keygen, a
 * known_hosts file holding the gateway's host key as GET /api/ssh gives it, and ssh, scp, sftp
 * and rsync run with nothing of this machine's own SSH setup (-F /dev/null, no agent).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { run, type Ran } from './process.js';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestHub } from './hub.js';

export interface SshKeyPair {
  /** The private key file, for -i. */
  file: string;
  /** The .pub line. */
  publicKey: string;
}

export interface SshClient {
  dir: string;
  port: number;
  knownHosts: string;
  /** Makes a key pair (`ssh-keygen -t type`). */
  key(name: string, type?: 'ed25519' | 'ecdsa' | 'rsa', bits?: number): SshKeyPair;
  /** The options every command gets (ssh, scp and sftp alike): this port, this key, this known_hosts, strict checking, no agent. */
  options(key: SshKeyPair, over?: { knownHosts?: string; logLevel?: string }): string[];
  /** `ssh user@127.0.0.1 …args`, waiting for it to end. */
  ssh(key: SshKeyPair, user: string, args: string[], input?: string | Buffer, timeoutMs?: number): Promise<Ran>;
  /** `ssh` as a child process, for sessions that stay open. */
  spawnSsh(key: SshKeyPair, user: string, args: string[], over?: { logLevel?: string }): ChildProcess;
  close(): void;
}

/** Sets up a client for `t`'s gateway, trusting the host key the hub publishes. */
export async function sshClient(t: TestHub, adminToken: string): Promise<SshClient> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'shiva-ssh-client-'));
  const port = t.sshPort!;
  const info = await t.api<{ hostKey: { publicKey: string } }>(adminToken, 'GET', '/api/ssh');
  const knownHosts = path.join(dir, 'known_hosts');
  writeFileSync(knownHosts, `[127.0.0.1]:${port} ${info.body.hostKey.publicKey}\n`);
  const options = (key: SshKeyPair, over: { knownHosts?: string; logLevel?: string } = {}) => [
    '-F', '/dev/null',
    '-o', `Port=${port}`,
    '-i', key.file,
    '-o', 'IdentitiesOnly=yes',
    '-o', 'IdentityAgent=none',
    '-o', 'BatchMode=yes',
    '-o', 'StrictHostKeyChecking=yes',
    '-o', `UserKnownHostsFile=${over.knownHosts ?? knownHosts}`,
    '-o', 'GlobalKnownHostsFile=/dev/null',
    '-o', `LogLevel=${over.logLevel ?? 'ERROR'}`,
    '-o', 'ConnectTimeout=20',
  ];
  return {
    dir,
    port,
    knownHosts,
    key(name, type = 'ed25519', bits) {
      const file = path.join(dir, name);
      execFileSync('ssh-keygen', ['-q', '-t', type, ...(bits ? ['-b', String(bits)] : []), '-N', '', '-C', `${name}@test`, '-f', file]);
      return { file, publicKey: readFileSync(`${file}.pub`, 'utf8').trim() };
    },
    options,
    ssh(key, user, args, input, timeoutMs = 60_000) {
      return run('ssh', [...options(key), `${user}@127.0.0.1`, ...args], { input, timeoutMs });
    },
    spawnSsh(key, user, args, over) {
      return spawn('ssh', [...options(key, over), `${user}@127.0.0.1`, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    },
    close() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** rsync's `-e`: the same ssh with the same options, as one string (rsync splits it on spaces). */
export function rshOf(client: SshClient, key: SshKeyPair): string {
  return ['ssh', ...client.options(key)].join(' ');
}
