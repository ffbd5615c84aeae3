/**
 * A throwaway local account, for tests of what another person with a shell on the machine can
 * reach: made with useradd, used through `runuser`, deleted by close() (call it in afterAll).
 * Needs root.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';

export interface LocalUser {
  name: string;
  uid: number;
  /** Runs argv as this account; never throws, whatever the exit status. */
  run(argv: string[]): { status: number | null; stdout: string; stderr: string };
  close(): void;
}

/** Why a throwaway account cannot be made here, or null when it can. */
export function localUserUnavailableReason(): string | null {
  if (process.getuid?.() !== 0) return 'making a local account needs root';
  for (const tool of ['useradd', 'userdel', 'runuser']) {
    try {
      execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'pipe' });
    } catch {
      return `${tool} is not installed`;
    }
  }
  return null;
}

/**
 * Makes `shiva-test-<random>`, without a home; with `uid`, an account that shares that uid and
 * gid (useradd -o), as the account of a person who happens to have the sandbox user's ids
 * would. The kernel lets a process be inspected only by one with the same uid and gid
 * (ptrace_may_access), so both must match.
 */
export function makeLocalUser(options: { uid?: number } = {}): LocalUser {
  const name = `shiva-test-${randomBytes(3).toString('hex')}`;
  let group: string | null = null;
  let idArgs = ['-N'];
  if (options.uid !== undefined) {
    const id = String(options.uid);
    if (spawnSync('getent', ['group', id]).status !== 0) {
      group = name;
      execFileSync('groupadd', ['-o', '-g', id, group], { stdio: 'pipe' });
    }
    idArgs = ['-o', '-u', id, '-g', id];
  }
  execFileSync('useradd', ['-M', '-s', '/bin/sh', ...idArgs, name], { stdio: 'pipe' });
  const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }).trim());
  return {
    name,
    uid,
    run(argv) {
      const result = spawnSync('runuser', ['-u', name, '--', ...argv], { encoding: 'utf8', timeout: 30_000 });
      return { status: result.status, stdout: result.stdout, stderr: result.stderr };
    },
    close() {
      spawnSync('userdel', [name], { stdio: 'pipe' });
      if (group) spawnSync('groupdel', [group], { stdio: 'pipe' });
    },
  };
}
