/**
 * A second, real Docker Engine on this machine, for tests of a hub with several machines. It has
 * its own socket, data root, exec root and pid file, and its own bridge made beforehand with
 * `ip link add … type bridge` (`--bridge none` would make the engine delete the first engine's
 * docker0). It leaves iptables alone, so it cannot disturb the first engine's rules: published
 * ports are served by the engine's userland proxy. `--live-restore` keeps its containers running
 * while it is killed and restarted, as a production engine's would be across an upgrade.
 * Needs root, like the engine itself.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { removeHostFirewall } from '../../src/runtime/docker/host-firewall.js';
import { freePort } from './hub.js';
import { waitFor } from './wait.js';

export interface SecondEngine {
  /** The engine URL, as a machine's `docker` key takes it. */
  url: string;
  /** With `tls`: the engine's TLS address and the files a client needs (a machine's `tls` key). */
  tls: { url: string; ca: string; cert: string; key: string; otherCa: string } | null;
  /** The bridge's address: where its published ports are reached. */
  address: string;
  /**
   * The interface name its sandbox network's bridge must take (a machine's `bridge` key): this
   * host's first engine has the default one already.
   */
  sandboxBridge: string;
  docker: Docker;
  /**
   * With `ownMountNamespace`: runs a command (mount, umount) in the engine's mount namespace, so
   * its view of a host path can differ from the hub's, as a machine without a shared filesystem's
   * does. Throws without it.
   */
  inMountNamespace(command: readonly string[]): void;
  /** SIGKILL: the engine stops answering at once, its containers keep running. */
  kill(): Promise<void>;
  /** Starts the engine again on the same state. */
  start(): Promise<void>;
  close(): Promise<void>;
}

/** Why a second engine cannot be started here, or null when it can. */
export function secondEngineUnavailableReason(): string | null {
  if (process.getuid?.() !== 0) return 'a second Docker Engine needs root';
  for (const tool of ['dockerd', 'ip', 'docker']) {
    try {
      execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'pipe' });
    } catch {
      return `${tool} is not installed`;
    }
  }
  return null;
}

/**
 * `ownMountNamespace` starts the engine in a mount namespace of its own (`unshare --mount`, private
 * propagation): mounts made there with inMountNamespace are the engine's and its containers' alone.
 * A restart after kill() gets a fresh namespace, without them.
 */
export async function startSecondEngine(images: readonly string[], options: { tls?: boolean; ownMountNamespace?: boolean } = {}): Promise<SecondEngine> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'shiva-e2-'));
  const tls = options.tls ? makeCertificates(path.join(dir, 'tls'), await freePort()) : null;
  const socket = path.join(dir, 'docker.sock');
  const pidFile = path.join(dir, 'docker.pid');
  const dataRoot = path.join(dir, 'data');
  const suffix = randomBytes(3).toString('hex');
  const bridge = `shivae2${suffix}`;
  const sandboxBridge = `shivae2s${suffix}`;
  const address = freeSubnetAddress();
  execFileSync('ip', ['link', 'add', bridge, 'type', 'bridge']);
  execFileSync('ip', ['addr', 'add', `${address}/24`, 'dev', bridge]);
  execFileSync('ip', ['link', 'set', bridge, 'up']);

  let child: ChildProcess | null = null;
  const docker = new Docker({ socketPath: socket });
  const launch = async (): Promise<void> => {
    // A killed engine leaves its pid file behind, and refuses to start while it is there; its
    // containerd died with it but may linger as a zombie nobody reaps, which the engine would
    // take for a live containerd and wait on forever.
    rmSync(pidFile, { force: true });
    removeStalePidFile(path.join(dir, 'exec', 'containerd', 'containerd.pid'));
    const logFd = openSync(path.join(dir, 'dockerd.log'), 'a');
    const own = options.ownMountNamespace ? ['unshare', '--mount', '--propagation', 'private', 'dockerd'] : ['dockerd'];
    child = spawn(
      own[0]!,
      [
        ...own.slice(1),
        '--host', `unix://${socket}`,
        '--data-root', dataRoot,
        '--exec-root', path.join(dir, 'exec'),
        '--pidfile', pidFile,
        '--bridge', bridge,
        '--iptables=false',
        '--ip-masq=false',
        '--live-restore',
        ...(tls
          ? ['--host', tls.url, '--tlsverify', '--tlscacert', tls.ca, '--tlscert', tls.serverCert, '--tlskey', tls.serverKey]
          : []),
      ],
      { stdio: ['ignore', logFd, logFd] },
    );
    closeSync(logFd);
    const started = child;
    await waitFor(async () => {
      if (started.exitCode !== null) throw new Error(`the second engine exited: ${tail(path.join(dir, 'dockerd.log'))}`);
      return docker.ping().then(() => true, () => false);
    }, { timeoutMs: 30_000, what: 'the second Docker Engine to answer' });
  };
  const stopChild = async (signal: NodeJS.Signals): Promise<void> => {
    const running = child;
    child = null;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill(signal);
    await exited;
  };

  try {
    await launch();
    for (const image of images) {
      execFileSync('sh', ['-c', `docker save '${image}' | docker -H 'unix://${socket}' load -q`], { stdio: 'pipe', timeout: 120_000 });
    }
  } catch (err) {
    await stopChild('SIGKILL');
    await cleanUp(dir, bridge, sandboxBridge);
    throw err;
  }

  return {
    url: `unix://${socket}`,
    tls: tls && { url: tls.url, ca: tls.ca, cert: tls.cert, key: tls.key, otherCa: tls.otherCa },
    address,
    sandboxBridge,
    docker,
    inMountNamespace(command) {
      // unshare execs dockerd, which keeps its pid.
      if (!options.ownMountNamespace || !child?.pid) throw new Error('the engine has no mount namespace of its own, or is not running');
      execFileSync('nsenter', ['-t', String(child.pid), '-m', '--', ...command], { stdio: 'pipe' });
    },
    kill: () => stopChild('SIGKILL'),
    start: launch,
    async close() {
      if (!child) await launch().catch(() => undefined);
      const containers = await docker.listContainers({ all: true }).catch(() => []);
      await Promise.all(containers.map((c) => docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined)));
      await stopChild('SIGTERM');
      await cleanUp(dir, bridge, sandboxBridge);
    },
  };
}

function removeStalePidFile(file: string): void {
  if (!existsSync(file)) return;
  const pid = readFileSync(file, 'utf8').trim();
  let status = '';
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    // No such process.
  }
  if (!/^Name:\s*containerd$/m.test(status) || /^State:\s*Z/m.test(status)) rmSync(file, { force: true });
}

/**
 * A throwaway CA, a server certificate for 127.0.0.1 and a client certificate, as `docker
 * --tlsverify` uses them; and a second CA that signed nothing, to check that a wrong one fails.
 */
function makeCertificates(dir: string, port: number) {
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  execFileSync('mkdir', ['-p', dir]);
  const ca = (name: string) => openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}-key.pem`, '-out', `${name}.pem`, '-days', '1', '-subj', `/CN=shiva test ${name}`);
  ca('ca');
  ca('other-ca');
  const sign = (name: string, extensions: string) => {
    openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}-key.pem`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
    execFileSync('sh', ['-c', `printf '${extensions}' > ${name}.ext`], { cwd: dir });
    openssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca-key.pem', '-CAcreateserial', '-out', `${name}.pem`, '-days', '1', '-extfile', `${name}.ext`);
  };
  sign('server', 'subjectAltName=IP:127.0.0.1\\nextendedKeyUsage=serverAuth\\n');
  sign('client', 'extendedKeyUsage=clientAuth\\n');
  const file = (name: string) => path.join(dir, name);
  return {
    url: `tcp://127.0.0.1:${port}`,
    ca: file('ca.pem'),
    serverCert: file('server.pem'),
    serverKey: file('server-key.pem'),
    cert: file('client.pem'),
    key: file('client-key.pem'),
    otherCa: file('other-ca.pem'),
  };
}

/** An address 172.31.N.1 whose /24 no interface here uses yet. */
function freeSubnetAddress(): string {
  const used = execFileSync('ip', ['-4', '-o', 'addr', 'show'], { encoding: 'utf8' });
  for (let n = 200; n < 255; n++) {
    if (!used.includes(`172.31.${n}.`)) return `172.31.${n}.1`;
  }
  throw new Error('no free 172.31.N.0/24 subnet for the second engine');
}

/**
 * The engine bind-mounts its data root onto itself; unmount what it left, deepest first, then
 * delete. A stopped engine leaves its networks' bridges, and the hub's firewall jump to the
 * sandbox bridge stays in INPUT: remove both.
 */
async function cleanUp(dir: string, bridge: string, sandboxBridge: string): Promise<void> {
  await removeHostFirewall(sandboxBridge).catch(() => undefined);
  try {
    execFileSync('ip', ['link', 'del', sandboxBridge], { stdio: 'pipe' });
  } catch {
    // Never made.
  }
  const mounts = readFileSync('/proc/mounts', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[1] ?? '')
    .filter((mountPoint) => mountPoint.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
  for (const mountPoint of mounts) {
    try {
      execFileSync('umount', ['-l', mountPoint], { stdio: 'pipe' });
    } catch {
      // Gone already.
    }
  }
  try {
    execFileSync('ip', ['link', 'del', bridge], { stdio: 'pipe' });
  } catch {
    // Gone already.
  }
  if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-5).join('\n');
  } catch {
    return '(no log)';
  }
}
