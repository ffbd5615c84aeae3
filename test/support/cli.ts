/** The `shiva` command run as a user runs it: a separate Node process on src/main.ts. */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const main = path.resolve(import.meta.dirname, '../../src/main.ts');

/** What one run of the command printed, and its exit code (0 when it succeeded). */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `shiva` with `args`, this process's environment overlaid with `env`, and `input` written to
 * its standard input and closed (left open when undefined). A failing exit answers its code
 * rather than throwing.
 */
export async function runShiva(args: string[], env: Record<string, string>, input?: string): Promise<CliResult> {
  const child = run(process.execPath, ['--import', 'tsx', main, ...args], { env: { ...process.env, ...env } });
  if (input !== undefined) child.child.stdin!.end(input);
  try {
    const { stdout, stderr } = await child;
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}
