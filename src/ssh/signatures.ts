/**
 * Checking a public-key sign-in's signature (RFC 4252 section 7) with Node's crypto, against the
 * stored key and its stored type only:
 *
 * - the algorithm the client names must be the stored key's type (RFC 8332 section 3: for
 *   ssh-rsa, rsa-sha2-256 or rsa-sha2-512, which ssh2 reports as ssh-rsa with `hashAlgo`);
 * - the hash is fixed by the type (RFC 5656 section 6.2.1 for ecdsa, RFC 8709 for ed25519), never
 *   taken from the client except RSA's choice between SHA-256 and SHA-512; RSA with SHA-1
 *   (plain `ssh-rsa` signatures) is refused;
 * - only `true` from the verification passes: an error, whatever its cause, refuses.
 *
 * ssh2's own `ParsedKey.verify` is not used: it answers an Error object (truthy) rather than
 * false for a hash the key cannot take, and takes the hash from the client.
 */
import { createPublicKey, verify } from 'node:crypto';
import ssh2, { type ParsedKey } from 'ssh2';

// ssh2 is CommonJS: Node's ESM loader gives its exports as the default only.
const { utils } = ssh2;

/** The hash each key type signs with (null: the algorithm has its own, as Ed25519). */
const HASHES: Record<string, string | null> = {
  'ssh-ed25519': null,
  'ecdsa-sha2-nistp256': 'sha256',
  'ecdsa-sha2-nistp384': 'sha384',
  'ecdsa-sha2-nistp521': 'sha512',
};
const RSA_HASHES = new Set(['sha256', 'sha512']);

export interface SignedAttempt {
  /** The key algorithm as ssh2 reports it (rsa-sha2-* as ssh-rsa). */
  algo: string;
  /** For ssh-rsa: sha256 or sha512 from rsa-sha2-256/512; absent for a SHA-1 `ssh-rsa` signature. */
  hashAlgo?: string;
  /** What was signed: the session id and the request (ssh2 builds it). */
  blob: Buffer;
  /** The signature, as ssh2 hands it over (DER for RSA and ECDSA, raw for Ed25519). */
  signature: Buffer;
}

export type SignatureVerdict = 'valid' | 'invalid' | 'sha1';

/** Whether `attempt` is a valid signature by the stored key `publicKeyLine` of type `algorithm`. */
export function verifySignature(algorithm: string, publicKeyLine: string, attempt: SignedAttempt): SignatureVerdict {
  if (attempt.algo !== algorithm) return 'invalid';
  let hash: string | null;
  if (algorithm === 'ssh-rsa') {
    if (attempt.hashAlgo === undefined) return 'sha1';
    if (!RSA_HASHES.has(attempt.hashAlgo)) return 'invalid';
    hash = attempt.hashAlgo;
  } else if (algorithm in HASHES) {
    if (attempt.hashAlgo !== undefined) return 'invalid';
    hash = HASHES[algorithm]!;
  } else {
    return 'invalid';
  }
  const parsed = utils.parseKey(publicKeyLine);
  if (parsed instanceof Error || Array.isArray(parsed)) return 'invalid';
  try {
    const key = createPublicKey((parsed as ParsedKey).getPublicPEM());
    return verify(hash, attempt.blob, key, attempt.signature) === true ? 'valid' : 'invalid';
  } catch {
    return 'invalid';
  }
}
