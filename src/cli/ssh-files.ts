/**
 * The user's own OpenSSH files, ~/.ssh/config and ~/.ssh/known_hosts: whether they already hold
 * what `shiva ssh-config` would add, and appending to them. Nothing here rewrites or reorders a
 * line the user wrote; an entry that is there already is left as it is.
 */
import { createHmac } from 'node:crypto';
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';

/** A file's text, or '' when it does not exist yet. */
export async function readIfExists(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw err;
  }
}

/**
 * Appends `text` as lines of their own (after a line break when the file does not end in one),
 * making the folder (0700) and the file (0600) as ssh wants them when they are missing.
 */
export async function appendLines(file: string, text: string): Promise<void> {
  const before = await readIfExists(file);
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const separator = before === '' || before.endsWith('\n') ? '' : '\n';
  await appendFile(file, `${separator}${text.endsWith('\n') ? text : `${text}\n`}`, { mode: 0o600 });
}

/**
 * Whether an ssh_config text has a `Host` line naming `host` among its patterns (`Host a b`,
 * `Host=a`, quoted or not). Files it Includes are not read.
 */
export function configHasHost(config: string, host: string): boolean {
  return config.split('\n').some((line) => {
    const m = /^\s*host(?:\s*=\s*|\s+)(.*)$/i.exec(line);
    return m !== null && m[1]!.split(/\s+/).some((pattern) => pattern.replace(/^"|"$/g, '') === host);
  });
}

/** Whether a known_hosts host field names `host`, plainly or hashed (`|1|salt|hash`, HashKnownHosts). */
function namesHost(field: string, host: string): boolean {
  return field.split(',').some((pattern) => {
    const hashed = /^\|1\|([^|]+)\|([^|]+)$/.exec(pattern);
    if (!hashed) return pattern === host;
    return createHmac('sha1', Buffer.from(hashed[1]!, 'base64')).update(host).digest('base64') === hashed[2];
  });
}

/**
 * What a known_hosts text says of `host` and the key `publicKey` (`<type> <base64>`): `present`
 * when a line trusts that key for it, `other-key` when its lines trust only other keys (ssh
 * would refuse to connect), `absent` when no line names it. Marked lines (@revoked,
 * @cert-authority) are not entries for a host.
 */
export function knownHostsEntry(knownHosts: string, host: string, publicKey: string): 'present' | 'other-key' | 'absent' {
  const [type, blob] = publicKey.trim().split(/\s+/);
  let named = false;
  for (const line of knownHosts.split('\n')) {
    const [field = '', lineType, lineBlob] = line.trim().split(/\s+/);
    if (field === '' || field.startsWith('#') || field.startsWith('@') || !namesHost(field, host)) continue;
    if (lineType === type && lineBlob === blob) return 'present';
    named = true;
  }
  return named ? 'other-key' : 'absent';
}
