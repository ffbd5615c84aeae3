/**
 * Local port forwarding (`ssh -L`, RFC 4254 section 7.2 `direct-tcpip`) into the sandbox
 * itself: only to its loopback (`localhost`, 127.0.0.0/8, ::1), where TensorBoard and VS Code's
 * server listen. The connection is made from inside the container by an exec'd relay
 * (in-sandbox.ts), never from the hub to the container's address: the hub reaches no port of a
 * sandbox but its server's, and the relay runs as the user with the user's network view.
 *
 * The channel is confirmed only once the relay has connected, as OpenSSH's sshd confirms after
 * its connect(2), so a client sees "connect failed" for a port nothing listens on.
 */
import type { ServerChannel, TcpipRequestInfo } from 'ssh2';
import type { ExecProcess } from '../runtime/exec.js';
import { RELAY_CONNECTED, relayCommand } from './in-sandbox.js';
import type { SessionContext } from './session.js';

/** How long the relay may take to connect before the channel is refused. */
const CONNECT_TIMEOUT_MS = 15_000;
/** The most stderr read while waiting for the relay's word. */
const MAX_STATUS_BYTES = 1024;

/** Whether `host` is the sandbox's own loopback. */
export function isSandboxLoopback(host: string): boolean {
  const h = host.toLowerCase();
  return h === 'localhost' || h === '::1' || h === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

export type Confirm = () => ServerChannel;
export type Refuse = () => void;

/** Serves one `direct-tcpip` request: confirm and relay, or refuse. */
export async function serveForward(confirm: Confirm, refuse: Refuse, info: TcpipRequestInfo, context: SessionContext): Promise<void> {
  if (!isSandboxLoopback(info.destIP) || !Number.isInteger(info.destPort) || info.destPort < 1 || info.destPort > 65535) return refuse();
  const resolution = await context.resolve();
  if (!resolution.ok) return refuse();
  const sandbox = resolution.sandbox;
  const host = info.destIP.replace(/^\[|\]$/g, '');
  let relay: ExecProcess;
  try {
    relay = await context.exec(sandbox, { command: relayCommand(host, info.destPort), tty: false });
  } catch (err) {
    context.logFailure(sandbox, err);
    return refuse();
  }
  relay.stdin.on('error', () => undefined);
  if (!(await connected(relay))) {
    relay.close();
    return refuse();
  }
  relay.stderr.resume();
  const channel = confirm();
  context.opened();
  const touch = () => context.touch(sandbox);
  channel.on('data', touch);
  relay.stdout.on('data', touch);
  channel.pipe(relay.stdin);
  relay.stdout.pipe(channel);
  channel.once('close', () => relay.close());
  await relay.exit;
  context.closed();
}

/** Waits for the relay's first stderr line: connected, or refused / ended / timed out. */
function connected(relay: ExecProcess): Promise<boolean> {
  return new Promise((resolve) => {
    let seen = '';
    const done = (ok: boolean) => {
      clearTimeout(timer);
      relay.stderr.off('data', onData);
      relay.stderr.off('end', onEnd);
      relay.stderr.pause();
      resolve(ok);
    };
    const onData = (chunk: Buffer) => {
      seen += chunk.toString('utf8');
      const line = seen.indexOf('\n');
      if (line !== -1) done(seen.slice(0, line) === RELAY_CONNECTED);
      else if (seen.length > MAX_STATUS_BYTES) done(false);
    };
    const onEnd = () => done(false);
    const timer = setTimeout(() => done(false), CONNECT_TIMEOUT_MS);
    relay.stderr.on('data', onData);
    relay.stderr.once('end', onEnd);
  });
}
