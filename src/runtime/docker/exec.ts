/**
 * Runtime.exec on a Docker Engine: create an exec, start it over a hijacked connection (Docker
 * Engine API, "Start an exec instance": the connection becomes the process's stdin and output),
 * and read its exit status once the output ends.
 *
 * Without a terminal the engine interleaves stdout and stderr in frames of an 8-byte header
 * (stream id, 3 zero bytes, big-endian length) and the payload. dockerode's `demuxStream` writes
 * frames without waiting for the reader, so a fast producer read by a slow client would pile up
 * in the hub's memory; `FrameDemuxer` below waits for each target to drain before taking the
 * next chunk, so the engine's connection (and through it the process) is paced by the reader.
 *
 * The engine cannot signal an exec'd process, and dropping the connection leaves it running
 * (moby#9098): a shell whose client went away would live until the container stops. So each
 * command starts under `sh`, which first says its pid in the container (PID_LINE, on stderr, or
 * on the terminal), then `exec`s the command in its place; `close()` hangs it up as a closing
 * terminal does (SIGHUP to its process group, else to it) with one more exec. The pid line is
 * taken out of the output before anyone reads it.
 */
import { PassThrough, Transform, Writable, type Duplex, type TransformCallback } from 'node:stream';
import type Docker from 'dockerode';
import type { ExecExit, ExecProcess, ExecSpec } from '../exec.js';

/** How long to wait for the engine to mark an exec ended after its output closed (it may lag). */
const EXIT_POLL_MS = 50;
const EXIT_POLLS = 40;

/**
 * Starts `spec` in the running container `id`. Throws what dockerode throws (the caller
 * classifies it): 404 when the container is gone, 409 when it does not run.
 */
export async function startExec(docker: Docker, id: string, spec: ExecSpec, signal: AbortSignal): Promise<ExecProcess> {
  const exec = await docker.getContainer(id).exec({
    Cmd: ['/bin/sh', '-c', `echo "${PID_LINE}$$" >&2; exec "$@"`, 'sh', ...spec.command],
    AttachStdin: true,
    AttachStdout: true,
    AttachStderr: true,
    Tty: spec.tty,
    Env: Object.entries(spec.env ?? {}).map(([key, value]) => `${key}=${value}`),
    ...(spec.workingDir ? { WorkingDir: spec.workingDir } : {}),
    abortSignal: signal,
  } as Docker.ExecCreateOptions);
  const socket = (await exec.start({ hijack: true, stdin: true, Tty: spec.tty, abortSignal: signal } as Docker.ExecStartOptions)) as Duplex;
  const resize = async (cols: number, rows: number): Promise<void> => {
    if (!spec.tty) return;
    await exec.resize({ w: cols, h: rows }).catch(() => undefined);
  };
  if (spec.tty && spec.size) await resize(spec.size.cols, spec.size.rows);

  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const pidLine = new PidLine();
  // The client's input waits for the pid line: typed ahead into a terminal, it would be echoed
  // before the line, which would then be shown and lost (and the process never hung up).
  const stdin = new PassThrough();
  void pidLine.pid.then(() => stdin.pipe(socket));
  // Writes to a connection the engine or close() ended fail here, not in the caller.
  socket.on('error', () => undefined);
  if (spec.tty) {
    socket.pipe(pidLine).pipe(stdout);
    stderr.end();
  } else {
    const demuxed = new PassThrough();
    demuxed.pipe(pidLine).pipe(stderr);
    socket.pipe(new FrameDemuxer(stdout, demuxed));
  }
  // The engine closes the connection once the process has ended and its output is sent.
  let ended = false;
  let closing = false;
  let endOfOutput = false;
  socket.once('end', () => (endOfOutput = true));
  // A connection that closes without its end (dropped by close(), or by the engine) ends
  // nothing down the pipes: the readers' streams are destroyed, so they do not wait forever.
  socket.once('close', () => {
    if (endOfOutput) return;
    stdout.destroy();
    stderr.destroy();
  });
  const closed = new Promise<void>((resolve) => {
    const done = () => {
      ended = true;
      resolve();
    };
    socket.once('close', done);
    socket.once('end', done);
    socket.once('error', done);
  });
  const exit = closed.then(() => exitOf(exec));
  return {
    stdin,
    stdout,
    stderr,
    resize,
    exit,
    close: () => {
      if (closing) return;
      closing = true;
      if (ended) return void socket.destroy();
      // The pid line may still be on its way (a close right after the start): wait for it a while.
      const giveUp = setTimeout(() => socket.destroy(), PID_WAIT_MS);
      void pidLine.pid.then(async (pid) => {
        clearTimeout(giveUp);
        socket.destroy();
        if (pid !== null) await hangUp(docker, id, exec, pid);
      });
    },
  };
}

/** What the wrapper says first: its pid in the container. */
const PID_LINE = 'shiva-exec-pid ';
/** How long a close waits for the pid line before it drops the connection without it. */
const PID_WAIT_MS = 2_000;
/** The most bytes read while looking for the pid line (it is the first thing written). */
const PID_LINE_MAX = 64;

/**
 * SIGHUP to the process group of `pid` in the container (a terminal's session leader heads
 * one), else to `pid` alone, unless the exec has ended meanwhile (its pid may be another's now).
 */
async function hangUp(docker: Docker, id: string, exec: Docker.Exec, pid: number): Promise<void> {
  try {
    if (!(await exec.inspect()).Running) return;
    const kill = await docker.getContainer(id).exec({ Cmd: ['/bin/sh', '-c', 'kill -HUP -- "-$1" 2>/dev/null || kill -HUP "$1"', 'sh', String(pid)], AttachStdout: false, AttachStderr: false });
    // A detached start still answers with a body: read to its end, or its connection stays open.
    const answer = (await kill.start({ Detach: true })) as unknown as { resume?: () => void } | undefined;
    answer?.resume?.();
  } catch {
    // The container stopped, or the engine went away: the process went with it, or will.
  }
}

/** Takes the wrapper's pid line off the front of a stream and passes the rest on. */
class PidLine extends Transform {
  /** The process's pid in the container; null when the stream did not start with the line. */
  readonly pid: Promise<number | null>;
  private resolvePid!: (pid: number | null) => void;
  private head: Buffer | null = Buffer.alloc(0);

  constructor() {
    super();
    this.pid = new Promise((resolve) => (this.resolvePid = resolve));
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    if (this.head === null) return done(null, chunk);
    this.head = Buffer.concat([this.head, chunk]);
    const newline = this.head.indexOf(0x0a);
    if (newline === -1 && this.head.length < PID_LINE_MAX) return done();
    const line = newline === -1 ? '' : this.head.subarray(0, newline).toString('latin1').replace(/\r$/, '');
    const match = line.startsWith(PID_LINE) ? /^\d+$/.exec(line.slice(PID_LINE.length)) : null;
    const rest = match ? this.head.subarray(newline + 1) : this.head;
    this.head = null;
    this.resolvePid(match ? Number(match[0]) : null);
    done(null, rest.length > 0 ? rest : undefined);
  }

  override _flush(done: TransformCallback): void {
    if (this.head !== null && this.head.length > 0) this.push(this.head);
    this.head = null;
    this.resolvePid(null);
    done();
  }
}

async function exitOf(exec: Docker.Exec): Promise<ExecExit> {
  for (let i = 0; i < EXIT_POLLS; i++) {
    try {
      const inspected = await exec.inspect();
      if (!inspected.Running) return { code: typeof inspected.ExitCode === 'number' ? inspected.ExitCode : null };
    } catch {
      return { code: null };
    }
    await new Promise((resolve) => setTimeout(resolve, EXIT_POLL_MS));
  }
  return { code: null };
}

/** Splits the engine's framed stream into stdout and stderr, waiting for each to drain. */
export class FrameDemuxer extends Writable {
  private pending: Buffer = Buffer.alloc(0);

  constructor(
    private readonly stdout: PassThrough,
    private readonly stderr: PassThrough,
  ) {
    super();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const waits: Promise<void>[] = [];
    while (this.pending.length >= 8) {
      const length = this.pending.readUInt32BE(4);
      if (this.pending.length < 8 + length) break;
      const target = this.pending[0] === 2 ? this.stderr : this.stdout;
      const payload = this.pending.subarray(8, 8 + length);
      this.pending = this.pending.subarray(8 + length);
      if (payload.length > 0 && !target.write(payload)) waits.push(drained(target));
    }
    if (waits.length === 0) done();
    else void Promise.all(waits).then(() => done());
  }

  override _final(done: (error?: Error | null) => void): void {
    this.stdout.end();
    this.stderr.end();
    done();
  }

  override _destroy(error: Error | null, done: (error?: Error | null) => void): void {
    this.stdout.end();
    this.stderr.end();
    done(error);
  }
}

/** Settles when `stream` wants more, or can take no more (its reader went away). */
function drained(stream: PassThrough): Promise<void> {
  return new Promise((resolve) => {
    const settle = () => {
      stream.off('drain', settle);
      stream.off('close', settle);
      resolve();
    };
    stream.once('drain', settle);
    stream.once('close', settle);
  });
}
