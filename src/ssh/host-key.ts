/**
 * The SSH gateway's host key: ed25519, made once and kept in the data directory with the
 * database's permissions (0600 in a 0700 folder), so clients' known_hosts entries hold across
 * restarts and upgrades. Written to a temporary file and renamed, so a crash leaves either no
 * key or a whole one.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import ssh2, { type ParsedKey } from 'ssh2';
import { DATA_FILES, PRIVATE_FILE_MODE } from '../store/data-dir.js';
import { fingerprintOf } from './public-keys.js';

// ssh2 is CommonJS: Node's ESM loader gives its exports as the default only.
const { utils } = ssh2;

export interface HostKey {
  /** The private key in OpenSSH's format, as ssh2's server takes it. */
  privateKey: string;
  /** `ssh-ed25519 <base64>`: what a known_hosts line holds after the host. */
  publicKey: string;
  /** `SHA256:…`, as OpenSSH shows it when it first connects. */
  fingerprint: string;
  /** `ssh-ed25519`. */
  algorithm: string;
}

/** Reads the data directory's host key, making it first when there is none. Throws when the file is not a private key. */
export function loadOrCreateHostKey(dataDir: string): HostKey {
  const file = path.join(dataDir, DATA_FILES.sshHostKey);
  if (!existsSync(file)) {
    const made = utils.generateKeyPairSync('ed25519');
    const temporary = `${file}.${process.pid}.tmp`;
    writeFileSync(temporary, made.private, { mode: PRIVATE_FILE_MODE, flag: 'wx' });
    renameSync(temporary, file);
  }
  const privateKey = readFileSync(file, 'utf8');
  const parsed = utils.parseKey(privateKey);
  if (parsed instanceof Error || Array.isArray(parsed) || !(parsed as ParsedKey).isPrivateKey()) {
    throw new Error(`${file} is not an SSH private key: move it away and the hub makes a new one (clients will then warn of a changed host key)`);
  }
  const key = parsed as ParsedKey;
  const blob = key.getPublicSSH();
  return { privateKey, publicKey: `${key.type} ${blob.toString('base64')}`, fingerprint: fingerprintOf(blob), algorithm: key.type };
}
