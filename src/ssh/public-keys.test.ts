import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import ssh2 from 'ssh2';

const { utils } = ssh2;
import { ShivaError } from '../contract/errors.js';
import { parsePublicKey } from './public-keys.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'shiva-keys-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A key pair from ssh-keygen, and the fingerprint it prints for it. */
let made = 0;
function keygen(type: string, bits?: number): { line: string; fingerprint: string } {
  const file = path.join(dir, `${type}-${bits ?? 0}-${++made}`);
  execFileSync('ssh-keygen', ['-q', '-t', type, ...(bits ? ['-b', String(bits)] : []), '-N', '', '-C', 'me@laptop', '-f', file]);
  const fingerprint = execFileSync('ssh-keygen', ['-lf', `${file}.pub`]).toString().split(' ')[1]!;
  return { line: readFileSync(`${file}.pub`, 'utf8'), fingerprint };
}

const refusal = (text: string): string => {
  try {
    parsePublicKey(text);
  } catch (err) {
    expect(err).toBeInstanceOf(ShivaError);
    expect((err as ShivaError).code).toBe('INVALID_SSH_KEY');
    return (err as ShivaError).message;
  }
  throw new Error('it was accepted');
};

describe('public keys users add', () => {
  it("reads ed25519, ecdsa and RSA keys with the fingerprint ssh-keygen -lf prints, keeping the comment apart", () => {
    for (const [type, bits] of [['ed25519'], ['ecdsa', 256], ['ecdsa', 521], ['rsa', 2048]] as const) {
      const made = keygen(type, bits);
      const key = parsePublicKey(made.line);
      expect(key.fingerprint, type).toBe(made.fingerprint);
      expect(key.comment).toBe('me@laptop');
      expect(key.line).toBe(made.line.trim().split(' ').slice(0, 2).join(' '));
    }
  });

  it('refuses private keys, short RSA keys, DSA and security keys, several lines and malformed ones, saying why', () => {
    expect(refusal(utils.generateKeyPairSync('ed25519').private)).toMatch(/private key/);
    expect(refusal(keygen('rsa', 1024).line)).toMatch(/at least 2048 bits; this one has 1024/);
    expect(refusal('ssh-dss AAAAB3NzaC1kc3M= old')).toMatch(/DSA/);
    expect(refusal('sk-ssh-ed25519@openssh.com AAAAGnNr x')).toMatch(/security-key/);
    const two = `${keygen('ed25519').line.trim()}\n${keygen('ed25519').line.trim()}`;
    expect(refusal(two)).toMatch(/one line/);
    expect(refusal('ssh-ed25519 AAAA')).toMatch(/malformed/);
    expect(refusal('ssh-ed25519 not*base64')).toMatch(/base64/);
    expect(refusal('')).toMatch(/empty/);
    // The same RSA key with a zero byte added in front of its modulus: another encoding, another fingerprint.
    const rsa = keygen('rsa', 2048).line.split(' ')[1]!;
    const blob = Buffer.from(rsa, 'base64');
    const eLength = blob.readUInt32BE(11);
    const nAt = 15 + eLength;
    const n = blob.subarray(nAt + 4, nAt + 4 + blob.readUInt32BE(nAt));
    const longer = Buffer.alloc(4);
    longer.writeUInt32BE(n.length + 1);
    const padded = Buffer.concat([blob.subarray(0, nAt), longer, Buffer.from([0]), n]);
    expect(refusal(`ssh-rsa ${padded.toString('base64')}`)).toMatch(/standard encoding|malformed/);
    // An ed25519 blob under an RSA name.
    expect(refusal(`ssh-rsa ${keygen('ed25519').line.split(' ')[1]}`)).toMatch(/malformed|another type/);
  });
});
