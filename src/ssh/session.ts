/**
 * One SSH session channel (RFC 4254 section 6): a shell, a command or the SFTP subsystem, run
 * inside the sandbox by Runtime.exec and joined to the channel.
 *
 * - A `pty-req` gives the process a terminal of the client's size and TERM; `window-change`
 *   resizes it. Without one, stdout and stderr stay apart (extended data) and the end of the
 *   client's input reaches the process as end of file, as `ssh host cmd < file` needs.
 * - Only LANG and LC_* are taken from `env` requests (OpenSSH's own AcceptEnv default on
 *   Debian); the rest is refused, so a client cannot set LD_PRELOAD or PATH for the process.
 * - The exit status is sent once the output has been written, then EOF and close (RFC 4254
 *   section 6.10), so `ssh host 'exit 3'` exits 3 with all its output. An exec'd process's
 *   ending signal cannot be told apart from its status through the engine, so no `exit-signal`.
 * - Both directions go through pipes, so a slow reader on either side pauses the other (the
 *   channel's window toward the client, the exec connection toward the engine).
 */
import { finished } from 'node:stream/promises';
import type { PseudoTtyInfo, ServerChannel, Session } from 'ssh2';
import type { ExecProcess, ExecSpec } from '../runtime/exec.js';
import { sftpServerCommand, shellCommand } from './in-sandbox.js';
import type { ReachedSandbox, TargetResolution } from './target.js';

/** The client variables a session takes (sshd_config(5) AcceptEnv LANG LC_*, Debian's default). */
const ACCEPTED_ENV = /^(LANG|LC_[A-Z]+)$/;
const MAX_ENV_VALUE = 256;
const MAX_ENV_VARIABLES = 32;
/** The TERM a terminal gets when the client names none, and the longest name taken. */
const DEFAULT_TERM = 'xterm';
const MAX_TERM = 64;
/** Terminal sizes beyond this are a client's mistake; they are clamped. */
const MAX_CELLS = 10_000;

/** What a session needs from the gateway. */
export interface SessionContext {
  /** Which sandbox the connection reaches, decided now (it may have started since sign-in). */
  resolve(): Promise<TargetResolution>;
  /** Starts a process in the sandbox; rejects with a RuntimeError. */
  exec(sandbox: ReachedSandbox, spec: ExecSpec): Promise<ExecProcess>;
  /** Bytes went through (either way): the sandbox is in use. */
  touch(sandbox: ReachedSandbox): void;
  /** A session started or ended, for the gauge. */
  opened(): void;
  closed(): void;
  /** Why a process could not be started, in words for the log. */
  logFailure(sandbox: ReachedSandbox, err: unknown): void;
}

interface Terminal {
  term: string;
  cols: number;
  rows: number;
}

const cells = (n: number, fallback: number) => (Number.isInteger(n) && n > 0 ? Math.min(n, MAX_CELLS) : fallback);

/** Serves one accepted session channel until it closes. */
export function serveSession(session: Session, context: SessionContext): void {
  let terminal: Terminal | null = null;
  const env: Record<string, string> = {};
  let running: ExecProcess | null = null;
  let started = false;

  session.on('pty', (accept, reject, info: PseudoTtyInfo) => {
    if (started) return reject?.();
    const term = typeof info.term === 'string' && /^[A-Za-z0-9._+-]{1,64}$/.test(info.term) ? info.term.slice(0, MAX_TERM) : DEFAULT_TERM;
    terminal = { term, cols: cells(info.cols, 80), rows: cells(info.rows, 24) };
    accept?.();
  });
  session.on('window-change', (accept, _reject, info) => {
    if (terminal) {
      terminal.cols = cells(info.cols, terminal.cols);
      terminal.rows = cells(info.rows, terminal.rows);
      void running?.resize(terminal.cols, terminal.rows);
    }
    accept?.();
  });
  session.on('env', (accept, reject, info) => {
    const ok = !started && ACCEPTED_ENV.test(info.key) && typeof info.val === 'string' && info.val.length <= MAX_ENV_VALUE && !/[\0\n]/.test(info.val);
    if (ok && (info.key in env || Object.keys(env).length < MAX_ENV_VARIABLES)) {
      env[info.key] = info.val;
      accept?.();
    } else {
      reject?.();
    }
  });
  // No agent or X11 forwarding, no signals (the engine cannot deliver them to an exec'd process).
  session.on('auth-agent', (_accept, reject) => reject?.());
  session.on('x11', (_accept, reject) => reject?.());
  session.on('signal', (_accept, reject) => reject?.());

  // One process per session (RFC 4254 section 6.5: a second shell, exec or subsystem request on
  // a channel that has one is refused).
  const start = (accept: () => ServerChannel | undefined, reject: (() => void) | undefined, command: string[], tty: boolean) => {
    if (started) return reject?.();
    started = true;
    const channel = accept();
    if (!channel) return;
    void run(channel, command, tty).catch(() => channel.destroy());
  };
  session.on('shell', (accept, reject) => start(accept, reject, shellCommand(), terminal !== null));
  session.on('exec', (accept, reject, info) => start(accept, reject, shellCommand(info.command), terminal !== null));
  session.on('subsystem', (accept, reject, info) => {
    if (info.name !== 'sftp') return reject?.();
    start(accept, reject, sftpServerCommand(), false);
  });

  async function run(channel: ServerChannel, command: string[], tty: boolean): Promise<void> {
    // The client may go while the process is being started: known before it is.
    let closed = false;
    channel.once('close', () => (closed = true));
    const resolution = await context.resolve();
    if (!resolution.ok) return refuse(channel, resolution.message, tty);
    const sandbox = resolution.sandbox;
    const spec: ExecSpec = {
      command,
      tty,
      env: tty ? { ...env, TERM: terminal!.term } : { ...env },
      ...(tty ? { size: { cols: terminal!.cols, rows: terminal!.rows } } : {}),
    };
    let proc: ExecProcess;
    try {
      proc = await context.exec(sandbox, spec);
    } catch (err) {
      context.logFailure(sandbox, err);
      return refuse(channel, `sandbox ${sandbox.name} could not start the session: it may have just stopped; see the dashboard`, tty);
    }
    running = proc;
    context.opened();
    if (closed) proc.close();
    else channel.once('close', () => proc.close());
    const touch = () => context.touch(sandbox);
    channel.on('data', touch);
    proc.stdout.on('data', touch);
    // A terminal cannot be half-closed: its input ends with the session (Docker would end the
    // whole exec on a closed terminal input, output included).
    proc.stdin.on('error', () => undefined);
    channel.pipe(proc.stdin, { end: !tty });
    proc.stdout.pipe(channel, { end: false });
    proc.stderr.pipe(channel.stderr, { end: false });
    try {
      await Promise.all([finished(proc.stdout).catch(() => undefined), finished(proc.stderr).catch(() => undefined)]);
      const { code } = await proc.exit;
      if (!closed) {
        // The connection may have gone under a channel that never saw its close (see gateway.ts).
        try {
          if (code !== null) channel.exit(code);
          channel.end();
        } catch {
          channel.destroy();
        }
      }
    } finally {
      context.closed();
    }
  }
}

/** Tells the client why in its stderr (a terminal in raw mode needs the carriage return), exits 1, and ends the channel. */
function refuse(channel: ServerChannel, message: string, tty: boolean): void {
  channel.stderr.write(`${message}${tty ? '\r\n' : '\n'}`);
  channel.exit(1);
  channel.end();
}
