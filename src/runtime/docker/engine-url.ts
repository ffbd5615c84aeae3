/**
 * Turns a Docker Engine address, in the forms DOCKER_HOST takes, into dockerode options.
 * Parsed here rather than left to dockerode so that a typo in a machine's config fails with a
 * message naming the address, and so that an explicit address is never silently mixed with
 * whatever DOCKER_HOST says (dockerode merges its own reading of the environment underneath).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type Docker from 'dockerode';
import { RuntimeError } from '../types.js';

export const DEFAULT_ENGINE_URL = 'unix:///var/run/docker.sock';

/** Paths of PEM files for a TLS-protected `tcp://` engine (`docker --tlsverify` style). */
export interface EngineTls {
  ca?: string;
  cert?: string;
  key?: string;
}

/** How the hub signs in to an `ssh://` engine's host, and which host key it accepts. */
export interface EngineSsh {
  /** A private key file; without one, the agent of SSH_AUTH_SOCK. */
  identityFile?: string;
  /** `SHA256:…` as `ssh-keygen -lf` prints it. */
  hostKey: string;
}

export interface EngineEndpoint {
  /** Options for `new Docker(options)`. */
  options: Docker.DockerOptions;
  /** The address as shown in messages (never carries a password). */
  address: string;
  /** The engine's socket on this host, when it is reached through one. */
  socketPath: string | null;
  /** Reached over plain TCP on another host: whoever can reach that port controls the engine. */
  plainRemote: boolean;
}

/**
 * Parses `unix:///path`, `tcp://host[:port]` (TLS when files are given or on port 2376) or
 * `ssh://[user@]host[:port]`. Without a URL, uses DOCKER_HOST, then the default socket.
 * Throws RuntimeError('unavailable') naming the address when it cannot be used.
 */
export function parseEngineUrl(
  url?: string,
  tls?: EngineTls,
  env: NodeJS.ProcessEnv = process.env,
  ssh?: EngineSsh,
): EngineEndpoint {
  const raw = (url ?? (env.DOCKER_HOST || DEFAULT_ENGINE_URL)).trim();
  const bad = (why: string): RuntimeError =>
    new RuntimeError('unavailable', `the Docker Engine address "${raw}" is not usable: ${why}`);

  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(raw)?.[1]?.toLowerCase();
  if (!scheme) throw bad('expected unix:///path, tcp://host:port or ssh://user@host');

  if (scheme === 'unix') {
    const socketPath = raw.slice('unix://'.length);
    if (!socketPath.startsWith('/')) throw bad('a unix socket path must be absolute (unix:///var/run/docker.sock)');
    if (hasTls(tls)) throw bad('TLS files apply to tcp:// addresses only');
    // host/port/protocol set to undefined on purpose: dockerode would otherwise keep the ones it
    // read from DOCKER_HOST and prefer them over the socket.
    return {
      options: { socketPath, host: undefined, port: undefined, protocol: undefined },
      address: `unix://${socketPath}`,
      socketPath,
      plainRemote: false,
    };
  }

  if (scheme !== 'tcp' && scheme !== 'ssh') {
    throw bad(`the scheme "${scheme}://" is not supported (use unix://, tcp:// or ssh://)`);
  }

  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw bad('it is not a valid URL');
  }
  if (!parsed.hostname) throw bad('the host is missing');
  if (parsed.pathname !== '' && parsed.pathname !== '/') throw bad('a path is not allowed here');
  if (parsed.search || parsed.hash) throw bad('a query or fragment is not allowed here');
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');

  if (scheme === 'tcp') {
    if (parsed.username || parsed.password) throw bad('tcp:// addresses take no user; use TLS client certificates');
    const files = hasTls(tls) ? tls : tlsFromEnv(url === undefined ? env : {});
    if (files && Boolean(files.cert) !== Boolean(files.key)) throw bad('TLS needs both a cert and a key file');
    const port = Number(parsed.port || (files ? 2376 : 2375));
    // 2376 is the port the Docker docs reserve for TLS; a plain-HTTP answer there is a misconfiguration.
    const secure = files !== null || port === 2376;
    const options: Docker.DockerOptions = { host, port, protocol: secure ? 'https' : 'http', socketPath: undefined };
    if (files?.ca) options.ca = readPem(files.ca, 'ca', bad);
    if (files?.cert) options.cert = readPem(files.cert, 'cert', bad);
    if (files?.key) options.key = readPem(files.key, 'key', bad);
    const loopback = host === 'localhost' || host === '::1' || host.startsWith('127.');
    return { options, address: `${secure ? 'tcp+tls' : 'tcp'}://${parsed.host}`, socketPath: null, plainRemote: !secure && !loopback };
  }

  // ssh://: dockerode runs `docker system dial-stdio` on the far side over an SSH connection.
  if (hasTls(tls)) throw bad('TLS files apply to tcp:// addresses only');
  if (parsed.password) throw bad('put no password in the address; use an SSH agent or key');
  const username = decodeURIComponent(parsed.username) || undefined;
  const options: Docker.DockerOptions = {
    host,
    port: Number(parsed.port || 22),
    protocol: 'ssh',
    username,
    socketPath: undefined,
  };
  if (env.SSH_AUTH_SOCK) options.sshOptions = { agent: env.SSH_AUTH_SOCK };
  if (ssh?.identityFile) {
    let privateKey: Buffer;
    try {
      privateKey = readFileSync(ssh.identityFile);
    } catch (err) {
      throw bad(`cannot read the SSH key file ${ssh.identityFile} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    options.sshOptions = { ...options.sshOptions, privateKey };
  }
  if (ssh) {
    // ssh2 accepts any host key unless told otherwise: pin the one the admin wrote down.
    options.sshOptions = { ...options.sshOptions, hostVerifier: (key: Buffer) => sameFingerprint(key, ssh.hostKey) };
  }
  return { options, address: `ssh://${username ? `${username}@` : ''}${parsed.host}`, socketPath: null, plainRemote: false };
}

/** True when the host key's SHA-256 fingerprint is the expected `SHA256:…`. */
export function sameFingerprint(key: Buffer, expected: string): boolean {
  const actual = Buffer.from(`SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`);
  const wanted = Buffer.from(expected);
  return actual.length === wanted.length && timingSafeEqual(actual, wanted);
}

function hasTls(tls: EngineTls | undefined): tls is EngineTls {
  return Boolean(tls && (tls.ca || tls.cert || tls.key));
}

/** The Docker CLI's convention: DOCKER_CERT_PATH holds ca.pem, cert.pem and key.pem. */
function tlsFromEnv(env: NodeJS.ProcessEnv): EngineTls | null {
  const dir = env.DOCKER_CERT_PATH;
  if (!dir || env.DOCKER_TLS_VERIFY === '0') return null;
  return { ca: `${dir}/ca.pem`, cert: `${dir}/cert.pem`, key: `${dir}/key.pem` };
}

function readPem(path: string, what: string, bad: (why: string) => RuntimeError): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw bad(`cannot read the TLS ${what} file ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}
