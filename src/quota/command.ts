/**
 * Running the filesystem tools of the hard quota backends (xfs_quota, setfattr, getfattr) on the
 * hub: without a shell (arguments are passed as they are), with a timeout, never blocking the
 * event loop. A failure says which command failed and what the tool said, since the usual cause
 * is a filesystem that does not support the quota or a tool that is not installed.
 */
import { execFile } from 'node:child_process';

export interface CommandResult {
  exitCode: number;
  /** stdout followed by stderr. */
  output: string;
}

/** Runs `file` with `args`; resolves with the exit code (127 when the tool is missing) and the output. */
export type CommandRunner = (file: string, args: readonly string[], timeoutMs: number) => Promise<CommandResult>;

/** The command as an admin would type it, each argument quoted where a shell would need it. */
export function commandLine(file: string, args: readonly string[]): string {
  const quote = (a: string) => (/^[A-Za-z0-9_./=:,@%+-]+$/.test(a) ? a : `'${a.replaceAll("'", `'\\''`)}'`);
  return [file, ...args].map(quote).join(' ');
}

/** A quota command that failed or could not run; its message names the command. */
export class QuotaCommandError extends Error {
  constructor(
    readonly command: string,
    readonly exitCode: number,
    readonly output: string,
  ) {
    const said = output.trim().split('\n').filter(Boolean).slice(0, 2).join(' / ').slice(0, 300);
    const why = exitCode === 127 ? 'the tool is not installed on the hub' : `it exited with ${exitCode}`;
    super(`\`${command}\` failed: ${why}${said ? `: ${said}` : ''}`);
    this.name = 'QuotaCommandError';
  }
}

/** Runs a command and returns its output, or throws a QuotaCommandError. */
export async function runChecked(run: CommandRunner, file: string, args: readonly string[], timeoutMs: number): Promise<string> {
  const result = await run(file, args, timeoutMs);
  if (result.exitCode !== 0) throw new QuotaCommandError(commandLine(file, args), result.exitCode, result.output);
  return result.output;
}

/** The real runner: child_process.execFile, no shell. */
export const execRunner: CommandRunner = (file, args, timeoutMs) =>
  new Promise((resolve) => {
    execFile(file, [...args], { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024, encoding: 'utf8' }, (err, stdout, stderr) => {
      const output = `${stdout}${stderr}`;
      if (!err) return resolve({ exitCode: 0, output });
      const e = err as NodeJS.ErrnoException & { code?: number | string; killed?: boolean };
      if (e.code === 'ENOENT') return resolve({ exitCode: 127, output: `${file}: not found` });
      if (e.killed) return resolve({ exitCode: 124, output: `${output}(killed after ${timeoutMs} ms)` });
      resolve({ exitCode: typeof e.code === 'number' ? e.code : 1, output: output || e.message });
    });
  });
