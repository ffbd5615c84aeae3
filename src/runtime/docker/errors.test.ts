import { describe, expect, it } from 'vitest';
import { RuntimeError } from '../types.js';
import {
  NO_CDI_MESSAGE,
  NO_NVIDIA_RUNTIME_MESSAGE,
  classifyEngineError,
  classifyPullError,
  classifyRegistryFailure,
  engineMessage,
  isMissingNvidiaRuntime,
} from './errors.js';

const address = 'unix:///var/run/docker.sock';

/** An error shaped as docker-modem builds it from an engine answer. */
function engineError(statusCode: number, message: string, reason = 'unexpected'): Error {
  return Object.assign(new Error(`(HTTP code ${statusCode}) ${reason} - ${message} `), {
    statusCode,
    reason,
    json: { message },
  });
}

/** An error shaped as Node's net module builds it. */
function socketError(code: string, message = `connect ${code} /var/run/docker.sock`): Error {
  return Object.assign(new Error(message), { code, errno: -1, syscall: 'connect' });
}

describe('classifyEngineError', () => {
  it.each([
    ['ECONNREFUSED', 'connection refused'],
    ['ENOENT', 'no socket at that path'],
    ['EACCES', 'permission denied'],
    ['ETIMEDOUT', 'timed out'],
    ['ECONNRESET', 'reset'],
  ])('says the engine does not answer on %s', (code, reason) => {
    const err = classifyEngineError(socketError(code), { address });
    expect(err.kind).toBe('unavailable');
    expect(err.message).toMatch(new RegExp(`^the Docker Engine at ${address} does not answer: .*${reason}`));
  });

  it('says the engine does not answer when its ssh connection fails', () => {
    const ssh = Object.assign(new Error('All configured authentication methods failed'), { level: 'client-authentication' });
    const err = classifyEngineError(ssh, { address: 'ssh://ops@gpu4' });
    expect(err.kind).toBe('unavailable');
    expect(err.message).toContain('ssh: All configured authentication methods failed');
  });

  it('reads a 404 as a missing container, or a missing image where the call was about one', () => {
    const missing = engineError(404, 'No such container: abc', 'no such container');
    expect(classifyEngineError(missing, { address, subject: 'abc' })).toMatchObject({
      kind: 'not_found',
      message: 'No such container: abc',
    });
    const noImage = engineError(404, 'No such image: nope:1');
    expect(classifyEngineError(noImage, { address, notFound: 'image_not_found', subject: 'nope:1' })).toMatchObject({
      kind: 'image_not_found',
      message: 'the image nope:1 is not on this machine',
    });
  });

  it('reads a 409 as a conflict', () => {
    const err = engineError(409, 'Conflict. The container name "/x" is already in use by container "123".');
    expect(classifyEngineError(err, { address }).kind).toBe('conflict');
  });

  it("passes on the engine's own message for other failures, without dockerode's wrapping or a stack", () => {
    const err = classifyEngineError(engineError(500, 'driver failed programming external connectivity', 'server error'), { address });
    expect(err.kind).toBe('failed');
    expect(err.message).toBe('driver failed programming external connectivity');
    expect(err.message).not.toMatch(/HTTP code|\n\s+at /);
  });

  it('explains a CDI request on an engine that cannot resolve CDI devices', () => {
    for (const text of ['could not select device driver "cdi" with capabilities: []', 'unresolvable CDI devices nvidia.com/gpu=GPU-1']) {
      const err = classifyEngineError(engineError(500, text, 'server error'), { address: 'unix:///var/run/docker.sock' });
      expect(err.message).toBe(NO_CDI_MESSAGE);
      expect(err.kind).toBe('failed');
    }
  });

  it('explains a GPU request on an engine without the NVIDIA runtime', () => {
    const raw = engineError(500, 'could not select device driver "nvidia" with capabilities: [[gpu]]', 'server error');
    expect(isMissingNvidiaRuntime(raw)).toBe(true);
    const err = classifyEngineError(raw, { address });
    expect(err.kind).toBe('failed');
    expect(err.message).toBe(NO_NVIDIA_RUNTIME_MESSAGE);
    expect(err.message).toContain("this machine's Docker Engine has no NVIDIA runtime");
    expect(err.cause).toBe(raw);
    expect(isMissingNvidiaRuntime(engineError(500, 'something else'))).toBe(false);
  });

  it('lets a RuntimeError through unchanged', () => {
    const original = new RuntimeError('conflict', 'taken');
    expect(classifyEngineError(original, { address })).toBe(original);
  });

  it('keeps an unexpected library error generic and short', () => {
    const err = classifyEngineError(new TypeError('Cannot read properties of undefined'), { address });
    expect(err.kind).toBe('failed');
    expect(err.message).toContain('TypeError: Cannot read properties of undefined');
  });
});

describe('engineMessage', () => {
  it('reads the engine message from JSON, text or a raw buffer, on one line', () => {
    expect(engineMessage({ json: { message: 'a\nb' } })).toBe('a b');
    expect(engineMessage({ json: 'plain text', message: 'x' })).toBe('plain text');
    expect(engineMessage({ json: Buffer.from('from buffer'), message: 'x' })).toBe('from buffer');
    expect(engineMessage(new Error('(HTTP code 500) server error - boom '))).toBe('boom');
  });
});

describe('classifyPullError', () => {
  const ref = 'shiva-test/does-not-exist:never';

  it.each([
    ['a 404', engineError(404, 'pull access denied for shiva-test/does-not-exist, repository does not exist or may require \'docker login\'')],
    ['"pull access denied"', engineError(500, 'pull access denied for x, repository does not exist')],
    ['"manifest unknown"', { message: 'manifest unknown: manifest unknown' }],
    ['"not found"', { message: 'manifest for shiva/x:never not found: manifest unknown' }],
  ])('reads %s as an image no registry has, in the registry\'s words', (_, raw) => {
    const err = classifyPullError(raw, ref, address);
    expect(err.kind).toBe('image_not_found');
    expect(err.message).toBe(`the image ${ref} is not in any registry this engine can reach: ${engineMessage(raw)}`);
  });

  it.each([
    'Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io on 10.255.255.53:53: no such host',
    'Get "https://registry.lan:5000/v2/": dial tcp 10.0.0.9:5000: connect: no route to host',
    'Get "https://registry.lan/v2/": net/http: request canceled (Client.Timeout exceeded while awaiting headers)',
  ])('reads a network failure as an image it cannot get, with the reason: %s', (message) => {
    const err = classifyPullError(engineError(500, message, 'server error'), ref, address);
    expect(err.kind).toBe('image_not_found');
    expect(err.message).toBe(`the image ${ref} could not be pulled: ${message}`);
  });

  it('reads a timeout reported inside the pull stream as the registry, not the engine, timing out', () => {
    const err = classifyRegistryFailure('net/http: TLS handshake timeout', null, ref);
    expect(err.kind).toBe('image_not_found');
    expect(err.message).toBe(`the image ${ref} could not be pulled: net/http: TLS handshake timeout`);
  });

  it('says so when the registry asks for credentials the pull did not bring', () => {
    const text = 'Head "http://127.0.0.1:5000/v2/shiva/ml/manifests/1": no basic auth credentials';
    const err = classifyRegistryFailure(text, null, ref);
    expect(err.kind).toBe('image_not_found');
    expect(err.message).toBe(`the image ${ref} could not be pulled: its registry asks for credentials the hub was not given (registry.username and registry.passwordEnv, docs/registry.md): ${text}`);
  });

  it('keeps an engine-side failure as failed', () => {
    const err = classifyPullError({ message: 'write /var/lib/docker/tmp/x: no space left on device' }, ref, address);
    expect(err.kind).toBe('failed');
    expect(err.message).toContain('no space left on device');
  });

  it('keeps an unreachable engine as unavailable', () => {
    expect(classifyPullError(socketError('ECONNREFUSED'), ref, address).kind).toBe('unavailable');
  });
});
