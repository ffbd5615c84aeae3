import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RuntimeError } from '../types.js';
import { DEFAULT_ENGINE_URL, parseEngineUrl, sameFingerprint } from './engine-url.js';

function failure(fn: () => unknown): RuntimeError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(RuntimeError);
    return err as RuntimeError;
  }
  throw new Error('expected parseEngineUrl to throw');
}

function pemFiles(): { ca: string; cert: string; key: string } {
  const dir = mkdtempSync(join(tmpdir(), 'shiva-engine-url-'));
  for (const name of ['ca.pem', 'cert.pem', 'key.pem']) writeFileSync(join(dir, name), `-----${name}-----\n`);
  return { ca: join(dir, 'ca.pem'), cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem') };
}

describe('parseEngineUrl', () => {
  it('uses the local socket when neither a URL nor DOCKER_HOST is given', () => {
    const endpoint = parseEngineUrl(undefined, undefined, {});
    expect(DEFAULT_ENGINE_URL).toBe('unix:///var/run/docker.sock');
    expect(endpoint.options.socketPath).toBe('/var/run/docker.sock');
    expect(endpoint.socketPath).toBe('/var/run/docker.sock');
    expect(endpoint.address).toBe('unix:///var/run/docker.sock');
  });

  it('treats an empty DOCKER_HOST as unset', () => {
    expect(parseEngineUrl(undefined, undefined, { DOCKER_HOST: '' }).socketPath).toBe('/var/run/docker.sock');
  });

  it('follows DOCKER_HOST when no URL is given', () => {
    const endpoint = parseEngineUrl(undefined, undefined, { DOCKER_HOST: 'tcp://engine.lan:2375' });
    expect(endpoint.options).toMatchObject({ host: 'engine.lan', port: 2375, protocol: 'http' });
  });

  it('prefers an explicit URL over DOCKER_HOST, and shadows the host dockerode would read from it', () => {
    const endpoint = parseEngineUrl('unix:///run/user/1000/docker.sock', undefined, { DOCKER_HOST: 'tcp://other:2375' });
    expect(endpoint.options.socketPath).toBe('/run/user/1000/docker.sock');
    expect('host' in endpoint.options && endpoint.options.host === undefined).toBe(true);
  });

  it('reads tcp:// as plain HTTP on 2375 by default', () => {
    expect(parseEngineUrl('tcp://10.0.0.5', undefined, {}).options).toMatchObject({
      host: '10.0.0.5',
      port: 2375,
      protocol: 'http',
    });
  });

  it('speaks TLS on the TLS port 2376', () => {
    const endpoint = parseEngineUrl('tcp://gpu1:2376', undefined, {});
    expect(endpoint.options.protocol).toBe('https');
    expect(endpoint.address).toBe('tcp+tls://gpu1:2376');
  });

  it('loads the TLS files given with a tcp:// address and defaults the port to 2376', () => {
    const files = pemFiles();
    const endpoint = parseEngineUrl('tcp://gpu1', files, {});
    expect(endpoint.options).toMatchObject({ host: 'gpu1', port: 2376, protocol: 'https' });
    expect(String(endpoint.options.ca)).toContain('ca.pem');
    expect(String(endpoint.options.cert)).toContain('cert.pem');
    expect(String(endpoint.options.key)).toContain('key.pem');
  });

  it('takes TLS files from DOCKER_CERT_PATH only with the address from DOCKER_HOST', () => {
    const files = pemFiles();
    const dir = files.ca.replace(/\/ca\.pem$/, '');
    const env = { DOCKER_HOST: 'tcp://gpu2:2376', DOCKER_CERT_PATH: dir };
    expect(String(parseEngineUrl(undefined, undefined, env).options.cert)).toContain('cert.pem');
    expect(parseEngineUrl('tcp://gpu3:2375', undefined, env).options.cert).toBeUndefined();
  });

  it('accepts IPv6 literals', () => {
    expect(parseEngineUrl('tcp://[::1]:2375', undefined, {}).options).toMatchObject({ host: '::1', port: 2375 });
  });

  it('reads ssh:// with its user and port, and uses the SSH agent', () => {
    const endpoint = parseEngineUrl('ssh://ops@gpu4:2222', undefined, { SSH_AUTH_SOCK: '/tmp/agent.sock' });
    expect(endpoint.options).toMatchObject({ host: 'gpu4', port: 2222, protocol: 'ssh', username: 'ops' });
    expect(endpoint.options.sshOptions).toEqual({ agent: '/tmp/agent.sock' });
    expect(endpoint.address).toBe('ssh://ops@gpu4:2222');
    expect(parseEngineUrl('ssh://gpu4', undefined, {}).options).toMatchObject({ port: 22, username: undefined });
  });

  it.each([
    ['localhost:2375', 'expected unix:///path'],
    ['gpu1', 'expected unix:///path'],
    ['unix://relative.sock', 'must be absolute'],
    ['tcp://', 'host is missing'],
    ['tcp://host:99999', 'not a valid URL'],
    ['tcp://host:2375/v1.41', 'path is not allowed'],
    ['tcp://admin@host:2375', 'take no user'],
    ['ssh://ops:secret@gpu4', 'no password'],
    ['http://host:2375', 'not supported'],
    ['npipe:////./pipe/docker_engine', 'not supported'],
  ])('refuses %s with a message naming the address', (url, why) => {
    const err = failure(() => parseEngineUrl(url, undefined, {}));
    expect(err.kind).toBe('unavailable');
    expect(err.message).toContain(`"${url}"`);
    expect(err.message).toContain(why);
  });

  it('refuses TLS files with a unix:// or ssh:// address', () => {
    const files = pemFiles();
    expect(failure(() => parseEngineUrl('unix:///var/run/docker.sock', files, {})).message).toContain('tcp:// addresses only');
    expect(failure(() => parseEngineUrl('ssh://gpu4', files, {})).message).toContain('tcp:// addresses only');
  });

  it('refuses a client cert without its key', () => {
    const { cert } = pemFiles();
    expect(failure(() => parseEngineUrl('tcp://gpu1', { cert }, {})).message).toContain('both a cert and a key');
  });

  it('names the TLS file it cannot read', () => {
    const err = failure(() => parseEngineUrl('tcp://gpu1', { ca: '/nonexistent/ca.pem' }, {}));
    expect(err.message).toContain('cannot read the TLS ca file /nonexistent/ca.pem (ENOENT)');
  });
});

describe('SSH host keys', () => {
  it('accepts only the pinned fingerprint, as ssh-keygen -lf prints it', () => {
    const key = Buffer.from('a host key blob');
    const fingerprint = `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
    expect(sameFingerprint(key, fingerprint)).toBe(true);
    expect(sameFingerprint(Buffer.from('another key'), fingerprint)).toBe(false);
    expect(sameFingerprint(key, 'SHA256:short')).toBe(false);
    const endpoint = parseEngineUrl('ssh://ops@gpu4', undefined, {}, { hostKey: fingerprint });
    const verify = (endpoint.options.sshOptions as { hostVerifier: (k: Buffer) => boolean }).hostVerifier;
    expect(verify(key)).toBe(true);
    expect(verify(Buffer.from('impostor'))).toBe(false);
  });

  it('says when the key file cannot be read', () => {
    expect(() => parseEngineUrl('ssh://gpu4', undefined, {}, { identityFile: '/nonexistent/id', hostKey: 'SHA256:x' })).toThrow(
      'cannot read the SSH key file /nonexistent/id (ENOENT)',
    );
  });
});

describe('plain TCP to another host', () => {
  it('is told apart from TLS, loopback, sockets and SSH', () => {
    const plain = (url: string) => parseEngineUrl(url, undefined, {}).plainRemote;
    expect(plain('tcp://10.0.0.5:2375')).toBe(true);
    expect(plain('tcp://gpu1')).toBe(true);
    expect(plain('tcp://gpu1:2376')).toBe(false);
    expect(plain('tcp://127.0.0.1:2375')).toBe(false);
    expect(plain('tcp://localhost:2375')).toBe(false);
    expect(plain('tcp://[::1]:2375')).toBe(false);
    expect(plain('unix:///var/run/docker.sock')).toBe(false);
    expect(plain('ssh://ops@gpu4')).toBe(false);
  });
});
