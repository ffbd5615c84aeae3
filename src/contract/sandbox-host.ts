/**
 * The DNS label a sandbox is served under: `<label>.<sandboxDomain>`, or `<label>.localhost`
 * when the hub is on loopback. One label names one sandbox (`user/name`) and no other.
 *
 * - `<name>--<user>` when neither name holds `--` and the label fits in 63 characters
 *   (RFC 1035 §2.3.4). Names match NAME_PATTERN, so the label is lowercase letters, digits and
 *   dashes, and splitting at its one `--` gives the two names back.
 * - otherwise `s-` + the first 20 characters of base32(sha256("<user>/<name>")) (RFC 4648 §6,
 *   lowercase, 100 bits). It never holds `--`, so it cannot be read as the first form.
 */
import { createHash } from 'node:crypto';
import { isValidName } from './names.js';

/** RFC 1035 §2.3.4: a label is at most 63 octets. */
export const MAX_LABEL_LENGTH = 63;
const SEPARATOR = '--';
const HASHED_PREFIX = 's-';
const HASHED_LENGTH = 20;

/** A sandbox's own DNS label, e.g. `main--alice`. */
export function sandboxLabel(user: string, name: string): string {
  const direct = `${name}${SEPARATOR}${user}`;
  if (!user.includes(SEPARATOR) && !name.includes(SEPARATOR) && direct.length <= MAX_LABEL_LENGTH) return direct;
  return HASHED_PREFIX + base32(createHash('sha256').update(`${user}/${name}`).digest()).slice(0, HASHED_LENGTH);
}

/**
 * The `user/name` a label of the first form spells; null for a hashed label (only the route
 * table or the database can answer those) or anything that is not a label at all.
 */
export function parseDirectLabel(label: string): { user: string; name: string } | null {
  const at = label.indexOf(SEPARATOR);
  if (at === -1 || label.indexOf(SEPARATOR, at + 1) !== -1 || label.length > MAX_LABEL_LENGTH) return null;
  const name = label.slice(0, at);
  const user = label.slice(at + SEPARATOR.length);
  return isValidName(user) && isValidName(name) ? { user, name } : null;
}

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

/** RFC 4648 §6 base32 without padding, in lowercase (DNS names are compared without case). */
export function base32(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += ALPHABET[(buffer << (5 - bits)) & 31];
  return out;
}
