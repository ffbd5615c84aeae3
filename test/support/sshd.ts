/**
 * A real OpenSSH server on loopback, as the door to a machine's Docker Engine: `ssh://` engines
 * are reached by running `docker system dial-stdio` through it, as the Docker CLI does. Its own
 * host key, an authorized client key, no passwords; root, because the engine's socket is root's.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './hub.js';
import { waitFor } from './wait.js';

const SSHD = '/usr/sbin/sshd';

export interface Sshd {
  port: number;
  /** The client key the server lets in. */
  identityFile: string;
  /** The server's host key fingerprint, as `ssh-keygen -lf` prints it. */
  hostKey: string;
  /** The fingerprint of a key the server does not have. */
  otherHostKey: string;
  close(): Promise<void>;
}

export function sshdUnavailableReason(): string | null {
  if (process.getuid?.() !== 0) return 'an SSH server for root needs root';
  if (!existsSync(SSHD)) return 'openssh-server is not installed';
  try {
    execFileSync('sh', ['-c', 'command -v ssh-keygen && command -v docker'], { stdio: 'pipe' });
  } catch {
    return 'ssh-keygen or the docker command is missing';
  }
  return null;
}

export async function startSshd(): Promise<Sshd> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'shiva-sshd-'));
  const file = (name: string) => path.join(dir, name);
  const keygen = (name: string) => execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `shiva test ${name}`, '-f', file(name)]);
  const fingerprint = (name: string) => execFileSync('ssh-keygen', ['-lf', file(`${name}.pub`)], { encoding: 'utf8' }).split(' ')[1]!;
  keygen('host');
  keygen('other-host');
  keygen('client');
  writeFileSync(file('authorized_keys'), readFileSync(file('client.pub')));
  const port = await freePort();
  writeFileSync(
    file('sshd_config'),
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${file('host')}`,
      `PidFile ${file('sshd.pid')}`,
      `AuthorizedKeysFile ${file('authorized_keys')}`,
      'PermitRootLogin prohibit-password',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      // The temporary directory is not root-only as sshd would want for a real home.
      'StrictModes no',
      '',
    ].join('\n'),
  );
  // sshd's privilege separation directory, made by its service on a real machine.
  mkdirSync('/run/sshd', { recursive: true });
  const child: ChildProcess = spawn(SSHD, ['-D', '-e', '-f', file('sshd_config')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString()));
  await waitFor(
    async () => {
      if (child.exitCode !== null) throw new Error(`sshd exited: ${log}`);
      return new Promise<boolean>((resolve) => {
        const socket = net.connect(port, '127.0.0.1', () => {
          socket.destroy();
          resolve(true);
        });
        socket.once('error', () => resolve(false));
      });
    },
    { timeoutMs: 10_000, what: 'sshd to listen' },
  );
  return {
    port,
    identityFile: file('client'),
    hostKey: fingerprint('host'),
    otherHostKey: fingerprint('other-host'),
    async close() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
