import { describe, expect, it } from 'vitest';
import { RuntimeError, type ContainerSpec } from '../types.js';
import { assertNoEngineSocket, createOptions } from './containers.js';
import { missingBindSource } from './errors.js';

const spec: ContainerSpec = {
  name: 'shiva-alice-main',
  image: 'shiva/tiny:latest',
  env: {},
  labels: {},
  port: 8888,
  publishAddress: '127.0.0.2',
  cpus: 1,
  cpuRequest: 0.25,
  memoryBytes: 2 * 1024 ** 3,
  shmBytes: 1024 ** 3,
  pidsLimit: 512,
  home: { hostPath: '/srv/shiva/homes/alice', containerPath: '/home/shiva' },
  user: '1000:1000',
};
const imagenet = { hostPath: '/cephfs/datasets/imagenet', containerPath: '/datasets/imagenet', readOnly: true, what: 'the dataset imagenet' };

describe("a sandbox's further mounts (shared datasets)", () => {
  it('binds each with Mounts, read-only as asked, and adds nothing without any', () => {
    const options = createOptions({ ...spec, mounts: [imagenet, { ...imagenet, hostPath: '/cephfs/scratch', containerPath: '/scratch', readOnly: false }] }, 'n');
    const home = { Type: 'bind', Source: '/srv/shiva/homes/alice', Target: '/home/shiva', ReadOnly: false };
    expect(options.HostConfig?.Mounts).toEqual([
      home,
      { Type: 'bind', Source: '/cephfs/datasets/imagenet', Target: '/datasets/imagenet', ReadOnly: true },
      { Type: 'bind', Source: '/cephfs/scratch', Target: '/scratch', ReadOnly: false },
    ]);
    // Never Binds, which would make a missing folder as an empty one.
    expect(options.HostConfig?.Binds).toBeUndefined();
    expect(createOptions(spec, 'n').HostConfig?.Mounts).toEqual([home]);
  });

  it("refuses a mount of the engine's socket or its folder, naming the mount", () => {
    for (const hostPath of ['/var/run', '/run/docker.sock', '/']) {
      expect(() => assertNoEngineSocket({ ...spec, mounts: [{ ...imagenet, hostPath }] }), hostPath).toThrow(RuntimeError);
      expect(() => assertNoEngineSocket({ ...spec, mounts: [{ ...imagenet, hostPath }] })).toThrow(/the dataset imagenet/);
    }
    expect(() => assertNoEngineSocket({ ...spec, mounts: [{ ...imagenet, hostPath: '/srv/engine' }] }, ['/srv/engine/d.sock'])).toThrow(/engine's socket/);
    expect(() => assertNoEngineSocket({ ...spec, mounts: [{ ...imagenet, containerPath: 'datasets' }] })).toThrow(/must be absolute/);
    expect(() => assertNoEngineSocket({ ...spec, mounts: [imagenet] })).not.toThrow();
  });

  it("reads the missing host folder from the engine's refusal, and nothing from other refusals", () => {
    const refusal = (message: string) => Object.assign(new Error(`(HTTP code 400) unexpected - ${message}`), { statusCode: 400, json: { message } });
    expect(missingBindSource(refusal('invalid mount config for type "bind": bind source path does not exist: /cephfs/datasets/imagenet'))).toBe('/cephfs/datasets/imagenet');
    expect(missingBindSource(refusal('No such image: x'))).toBeNull();
  });
});
