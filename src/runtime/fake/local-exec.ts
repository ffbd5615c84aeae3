/**
 * How the fake runtime runs an exec: the command as a process on this host, as an engine here
 * would run it in the container (there is no container: it runs as the test process, in this
 * filesystem). Without a real terminal, a `tty` exec gets its stderr in its stdout, as a terminal
 * shows both, and `resize` is recorded only.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { constants } from 'node:os';
import type { ExecProcess, ExecSpec } from '../exec.js';

/** Starts `spec` here; `sizes` receives each size the terminal is given. */
export function execLocally(spec: ExecSpec, sizes: Array<{ cols: number; rows: number }> = []): ExecProcess {
  const [file, ...args] = spec.command;
  const child = spawn(file ?? '/bin/false', args, {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...spec.env },
    ...(spec.workingDir && existsSync(spec.workingDir) ? { cwd: spec.workingDir } : {}),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  if (spec.tty) {
    // One stream for both, ended once both are.
    child.stdout.pipe(stdout, { end: false });
    child.stderr.pipe(stdout, { end: false });
    let open = 2;
    const one = () => --open === 0 && stdout.end();
    child.stdout.once('end', one);
    child.stderr.once('end', one);
    stderr.end();
  } else {
    child.stdout.pipe(stdout);
    child.stderr.pipe(stderr);
  }
  if (spec.tty && spec.size) sizes.push(spec.size);
  const exit = new Promise<{ code: number | null }>((resolve) => {
    child.once('error', () => resolve({ code: 127 }));
    child.once('close', (code, signal) => {
      const number = signal ? (constants.signals as Record<string, number>)[signal] : undefined;
      resolve({ code: code ?? (number === undefined ? null : 128 + number) });
    });
  });
  // A command that does not exist fails at spawn; its input must not throw for the writer.
  child.stdin.on('error', () => undefined);
  return {
    stdin: child.stdin,
    stdout,
    stderr,
    resize: async (cols, rows) => {
      if (spec.tty) sizes.push({ cols, rows });
    },
    exit,
    close: () => {
      child.kill('SIGHUP');
    },
  };
}
