/**
 * Public keys users add to sign in over SSH: one OpenSSH `authorized_keys` line each
 * (`<type> <base64> [comment]`, sshd(8) AUTHORIZED_KEYS FILE FORMAT, without options).
 *
 * Accepted: ssh-ed25519, ecdsa-sha2-nistp256/384/521, and ssh-rsa of at least 2048 bits (NIST
 * SP 800-131A; OpenSSH 9 refuses smaller ones too), whose signatures must then be SHA-2
 * (RFC 8332) at sign-in. DSA (gone from OpenSSH 9.8) and security-key types are refused by name.
 * The fingerprint is OpenSSH's: `SHA256:` and the unpadded base64 of the key blob's SHA-256
 * (what `ssh-keygen -lf` prints), so users can match it against their own.
 */
import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import ssh2, { type ParsedKey } from 'ssh2';
import { ShivaError } from '../contract/errors.js';
import { SSH_PUBLIC_KEY_MAX_LENGTH } from '../contract/ssh.js';

// ssh2 is CommonJS: Node's ESM loader gives its exports as the default only.
const { utils } = ssh2;

export const ACCEPTED_KEY_TYPES = ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'ssh-rsa'] as const;
export const MIN_RSA_BITS = 2048;

export interface PublicKey {
  /** The key type, as the line names it (`ssh-ed25519`, …). */
  algorithm: string;
  /** `SHA256:…`, as `ssh-keygen -lf` prints it. */
  fingerprint: string;
  /** `<type> <base64>`: the line without its comment, as stored. */
  line: string;
  /** The comment after the key, trimmed; '' when none. */
  comment: string;
}

/** OpenSSH's SHA-256 fingerprint of a key blob. */
export function fingerprintOf(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/**
 * Reads one public key line. Throws ShivaError INVALID_SSH_KEY, saying why in words a user can
 * act on, for anything else: a private key, several lines, an unknown or refused type, a short
 * RSA key, a malformed blob.
 */
export function parsePublicKey(text: string): PublicKey {
  const trimmed = text.trim();
  const refuse = (why: string): never => {
    throw new ShivaError('INVALID_SSH_KEY', `This is not a public key Shiva accepts: ${why}`);
  };
  if (trimmed.length === 0) refuse('it is empty.');
  if (trimmed.length > SSH_PUBLIC_KEY_MAX_LENGTH) refuse(`it is longer than ${SSH_PUBLIC_KEY_MAX_LENGTH} characters.`);
  if (/PRIVATE KEY/.test(trimmed)) refuse('it is a private key. Paste the .pub file, and keep the private key to yourself.');
  if (/[\r\n]/.test(trimmed)) refuse('give one key, on one line.');
  const [type = '', data = '', ...rest] = trimmed.split(/[ \t]+/);
  if (type.startsWith('sk-')) refuse('security-key (FIDO) keys are not supported; use an ed25519 key.');
  if (type === 'ssh-dss') refuse('DSA keys are too weak; use an ed25519 key (ssh-keygen -t ed25519).');
  if (!(ACCEPTED_KEY_TYPES as readonly string[]).includes(type)) refuse(`the key type must be one of ${ACCEPTED_KEY_TYPES.join(', ')}.`);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(data)) refuse('its key part is not base64.');
  const parsed = utils.parseKey(`${type} ${data}`);
  if (parsed instanceof Error || Array.isArray(parsed)) return refuse('its key part is malformed.');
  const key = parsed as ParsedKey;
  if (key.type !== type) refuse('its key part is of another type than the line says.');
  if (type === 'ssh-rsa') {
    const bits = createPublicKey(key.getPublicPEM()).asymmetricKeyDetails?.modulusLength ?? 0;
    if (bits < MIN_RSA_BITS) refuse(`an RSA key needs at least ${MIN_RSA_BITS} bits; this one has ${bits}.`);
  }
  const blob = key.getPublicSSH();
  // One key, one encoding: an RSA key whose integers carry extra leading zeros is the same key
  // under another fingerprint, which would let two users hold it.
  if (!blob.equals(canonicalBlob(type, createPublicKey(key.getPublicPEM())))) refuse('its key part is not in the standard encoding (RFC 4253 section 6.6).');
  return { algorithm: type, fingerprint: fingerprintOf(blob), line: `${type} ${blob.toString('base64')}`, comment: rest.join(' ').slice(0, 200) };
}

/** The key's SSH encoding (RFC 4253 section 6.6, RFC 5656 section 3.1, RFC 8709 section 4), built from its numbers. */
function canonicalBlob(type: string, key: KeyObject): Buffer {
  const jwk = key.export({ format: 'jwk' });
  const bytes = (b64url: string | undefined) => Buffer.from(b64url ?? '', 'base64url');
  const string = (b: Buffer | string) => {
    const data = typeof b === 'string' ? Buffer.from(b) : b;
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    return Buffer.concat([length, data]);
  };
  const mpint = (b: Buffer) => {
    let i = 0;
    while (i < b.length && b[i] === 0) i++;
    const digits = b.subarray(i);
    return string(digits.length > 0 && digits[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), digits]) : digits);
  };
  if (type === 'ssh-rsa') return Buffer.concat([string(type), mpint(bytes(jwk.e)), mpint(bytes(jwk.n))]);
  if (type === 'ssh-ed25519') return Buffer.concat([string(type), string(bytes(jwk.x))]);
  const curve = type.slice('ecdsa-sha2-'.length);
  return Buffer.concat([string(type), string(curve), string(Buffer.concat([Buffer.from([4]), bytes(jwk.x), bytes(jwk.y)]))]);
}
