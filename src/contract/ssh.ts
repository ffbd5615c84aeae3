/**
 * The SSH gateway's words shared by the hub, the CLI and the dashboard (docs/ssh.md): how an SSH
 * user name says whose sandbox, and how many keys a user may keep.
 */
import { isValidName } from './names.js';

/**
 * Joins a user and a sandbox name in an SSH user name: `alice.main`. A dot, because user and
 * sandbox names never hold one (names.ts), OpenSSH takes it in `User` and on the command line
 * unquoted, and VS Code's remote URIs (`ssh-remote+alice.main@host`) already use `+` and `@`.
 */
export const SSH_USER_SEPARATOR = '.';

/** The most public keys one user may keep: enough for every device, few enough to list. */
export const SSH_KEYS_MAX_PER_USER = 50;

/** The longest public key line accepted (an RSA key of 16384 bits is about 2,800 characters). */
export const SSH_PUBLIC_KEY_MAX_LENGTH = 8192;

/** Whose sandbox an SSH user name asks for: `sandbox` null means the user's only or default one. */
export interface SshTarget {
  username: string;
  sandbox: string | null;
}

/** Reads `alice` or `alice.main`; null when it is not one of these shapes. */
export function parseSshUser(user: string): SshTarget | null {
  const at = user.indexOf(SSH_USER_SEPARATOR);
  const username = at === -1 ? user : user.slice(0, at);
  const sandbox = at === -1 ? null : user.slice(at + 1);
  if (!isValidName(username)) return null;
  if (sandbox !== null && !isValidName(sandbox)) return null;
  return { username, sandbox };
}

/** The SSH user name of a user's sandbox. */
export function sshUser(username: string, sandbox: string | null): string {
  return sandbox === null ? username : `${username}${SSH_USER_SEPARATOR}${sandbox}`;
}
