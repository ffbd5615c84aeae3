/** A random password an admin hands on: 18 characters from an alphabet without look-alikes. */
const ALPHABET = 'abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';

export function generatePassword(length = 18): string {
  const bytes = new Uint8Array(length);
  crypto.getRandomValues(bytes);
  // 256 is not a multiple of the alphabet's size; the slight bias costs well under a bit.
  return Array.from(bytes, (b) => ALPHABET[b % ALPHABET.length]).join('');
}
