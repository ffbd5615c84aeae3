import { describe, expect, it } from 'vitest';
import { RuntimeError, type ContainerSpec } from '../types.js';
import {
  assertNoEngineSocket,
  createOptions,
  demuxLogs,
  infoFromInspect,
  infoFromListEntry,
  type InspectedContainer,
  type ListedContainer,
} from './containers.js';

const spec: ContainerSpec = {
  name: 'shiva-alice-main',
  image: 'shiva/tiny:latest',
  env: { JUPYTER_TOKEN: 't0k', SHIVA_BASE_URL: '/user/alice/main/' },
  labels: { 'org.shiva.deployment': 'd1', 'org.shiva.user': 'alice' },
  port: 8888,
  publishAddress: '127.0.0.1',
  cpus: 1.5,
  cpuRequest: 0.375,
  memoryBytes: 2 * 1024 ** 3,
  shmBytes: 1024 ** 3,
  pidsLimit: 512,
  home: { hostPath: '/srv/shiva/homes/alice', containerPath: '/home/shiva' },
  user: '1000:1000',
};

const NETWORK = 'shiva-sandboxes';

function frame(stream: 1 | 2, text: string): Buffer {
  const payload = Buffer.from(text);
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

describe('createOptions', () => {
  it('publishes the port on the given address with a port the engine picks', () => {
    const body = createOptions(spec, NETWORK);
    expect(body.ExposedPorts).toEqual({ '8888/tcp': {} });
    expect(body.HostConfig?.PortBindings).toEqual({ '8888/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] });
  });

  it('puts the sandbox on the sandbox network, never on the engine\'s default bridge', () => {
    expect(createOptions(spec, NETWORK).HostConfig?.NetworkMode).toBe('shiva-sandboxes');
  });

  it('carries the name, image, env, labels and user', () => {
    const body = createOptions(spec, NETWORK);
    expect(body).toMatchObject({ name: spec.name, Image: spec.image, Labels: spec.labels, User: '1000:1000' });
    expect(body.Env).toEqual(['JUPYTER_TOKEN=t0k', 'SHIVA_BASE_URL=/user/alice/main/']);
  });

  it('limits CPU, memory without extra swap, and processes, weighs CPU by the request, and sizes /dev/shm', () => {
    expect(createOptions(spec, NETWORK).HostConfig).toMatchObject({
      NanoCpus: 1_500_000_000,
      CpuShares: 384,
      Memory: 2 * 1024 ** 3,
      MemorySwap: 2 * 1024 ** 3,
      PidsLimit: 512,
      ShmSize: 1024 ** 3,
    });
  });

  it('hardens the container: no capabilities, no new privileges, not privileged, no restarts, bounded logs', () => {
    expect(createOptions(spec, NETWORK).HostConfig).toMatchObject({
      Mounts: [{ Type: 'bind', Source: '/srv/shiva/homes/alice', Target: '/home/shiva', ReadOnly: false }],
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
      Privileged: false,
      RestartPolicy: { Name: 'no' },
      Init: false,
      LogConfig: { Type: 'json-file', Config: { 'max-size': '10m', 'max-file': '2' } },
    });
    expect(createOptions(spec, NETWORK).HostConfig?.CapAdd).toBeUndefined();
  });

  it('gives a sudo sandbox only what apt and sudo need, without no-new-privileges, and keeps everything else', () => {
    const host = createOptions({ ...spec, sudo: true }, NETWORK).HostConfig!;
    expect(host.CapDrop).toEqual(['ALL']);
    expect(host.CapAdd).toEqual(['AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'SETFCAP', 'SETGID', 'SETUID']);
    expect(host.SecurityOpt ?? []).not.toContain('no-new-privileges');
    expect(host).toMatchObject({ Privileged: false, Memory: 2 * 1024 ** 3, PidsLimit: 512, NanoCpus: 1_500_000_000 });
    expect(host.Mounts).toEqual([{ Type: 'bind', Source: '/srv/shiva/homes/alice', Target: '/home/shiva', ReadOnly: false }]);
    // Nothing that reaches beyond the container: no SYS_ADMIN, NET_ADMIN, SYS_PTRACE, raw packets.
    for (const cap of ['SYS_ADMIN', 'NET_ADMIN', 'SYS_PTRACE', 'NET_RAW', 'SYS_MODULE', 'ALL']) expect(host.CapAdd).not.toContain(cap);
  });
});

describe('assertNoEngineSocket', () => {
  const withHome = (hostPath: string, containerPath = '/home/shiva'): ContainerSpec => ({
    ...spec,
    home: { hostPath, containerPath },
  });

  it('accepts an ordinary home directory', () => {
    expect(() => assertNoEngineSocket(spec, ['/var/run/docker.sock'])).not.toThrow();
  });

  it.each([
    ['/var/run/docker.sock'],
    ['/run/docker.sock'],
    ['/home/x/docker.sock'],
    ['/var/run'],
    ['/var/run/'],
    ['/run'],
    ['/var'],
    ['/'],
  ])('refuses to mount %s, which is or holds the Docker socket', (hostPath) => {
    expect(() => assertNoEngineSocket(withHome(hostPath))).toThrow(RuntimeError);
  });

  it("refuses the folder of this engine's own socket and a container path naming the socket", () => {
    expect(() => assertNoEngineSocket(withHome('/srv/engine'), ['/srv/engine/engine.sock'])).toThrow(/engine's socket/);
    expect(() => assertNoEngineSocket(withHome('/srv/h', '/var/run/docker.sock'))).toThrow(/Docker socket/);
  });

  it('refuses relative paths and paths with a colon', () => {
    expect(() => assertNoEngineSocket(withHome('homes/alice'))).toThrow(/absolute/);
    expect(() => assertNoEngineSocket(withHome('/srv/a:b'))).toThrow(/":"/);
  });
});

describe('infoFromInspect', () => {
  const inspect = (over: Partial<InspectedContainer>): InspectedContainer => ({
    Id: 'abc',
    Name: '/shiva-alice-main',
    Image: 'sha256:1',
    Config: { Image: 'shiva/tiny:latest', Labels: { a: 'b' } },
    State: { Status: 'running', StartedAt: '2026-01-01T00:00:00.1Z', ExitCode: 0 },
    NetworkSettings: {
      Ports: {
        '8888/tcp': [
          { HostIp: '0.0.0.0', HostPort: '49153' },
          { HostIp: '::', HostPort: '49153' },
        ],
        '9999/tcp': null,
      },
    },
    ...over,
  });

  it('gives a running container a loopback endpoint for a wildcard binding', () => {
    expect(infoFromInspect(inspect({}))).toEqual({
      id: 'abc',
      name: 'shiva-alice-main',
      image: 'shiva/tiny:latest',
      labels: { a: 'b' },
      state: 'running',
      endpoint: { host: '127.0.0.1', port: 49153 },
      startedAt: '2026-01-01T00:00:00.1Z',
      exitCode: null,
      oomKilled: false,
    });
  });

  it('says whether the kernel killed the container for memory', () => {
    const info = infoFromInspect(inspect({ State: { Status: 'exited', StartedAt: '2026-01-01T00:00:00.1Z', ExitCode: 137, OOMKilled: true } }));
    expect(info).toMatchObject({ state: 'exited', exitCode: 137, oomKilled: true, endpoint: null });
  });

  it('gives a created container no start time, no endpoint and no exit code', () => {
    const info = infoFromInspect(
      inspect({ State: { Status: 'created', StartedAt: '0001-01-01T00:00:00Z', ExitCode: 0 }, NetworkSettings: { Ports: {} } }),
    );
    expect(info).toMatchObject({ state: 'created', startedAt: null, endpoint: null, exitCode: null });
  });

  it('reports the exit code of an exited container', () => {
    const info = infoFromInspect(inspect({ State: { Status: 'exited', StartedAt: '2026-01-01T00:00:00Z', ExitCode: 3 } }));
    expect(info).toMatchObject({ state: 'exited', exitCode: 3, endpoint: null });
  });
});

describe('infoFromListEntry', () => {
  const entry = (over: Partial<ListedContainer>): ListedContainer => ({
    Id: 'abc',
    Names: ['/shiva-alice-main'],
    Image: 'shiva/tiny:latest',
    Labels: { a: 'b' },
    State: 'running',
    Status: 'Up 3 seconds',
    Ports: [
      { IP: '127.0.0.1', PrivatePort: 8888, PublicPort: 49160, Type: 'tcp' },
      { PrivatePort: 9999, Type: 'tcp' },
    ],
    ...over,
  });

  it('fills the endpoint of a running container from its published port', () => {
    expect(infoFromListEntry(entry({}))).toMatchObject({
      name: 'shiva-alice-main',
      state: 'running',
      endpoint: { host: '127.0.0.1', port: 49160 },
      exitCode: null,
    });
  });

  it("reads an exited container's exit code from its status", () => {
    const info = infoFromListEntry(entry({ State: 'exited', Status: 'Exited (3) 2 seconds ago', Ports: [] }));
    expect(info).toMatchObject({ state: 'exited', exitCode: 3, endpoint: null });
  });
});

describe('demuxLogs', () => {
  it('joins stdout and stderr frames in the order written', () => {
    const raw = Buffer.concat([frame(1, 'out one\n'), frame(2, 'err one\n'), frame(1, 'out two\n')]);
    expect(demuxLogs(raw)).toBe('out one\nerr one\nout two\n');
  });

  it('keeps a truncated last frame', () => {
    const raw = Buffer.concat([frame(1, 'complete\n'), frame(2, 'cut off here').subarray(0, 12)]);
    expect(demuxLogs(raw)).toBe('complete\ncut ');
  });

  it("passes a TTY container's unframed text through", () => {
    expect(demuxLogs(Buffer.from('plain tty output\n'))).toBe('plain tty output\n');
    expect(demuxLogs(Buffer.alloc(0))).toBe('');
  });
});

describe('GPU assignment', () => {
  it('asks the nvidia driver for exactly the given ids', () => {
    const body = createOptions({ ...spec, gpus: { mode: 'deviceRequests', ids: ['GPU-aaa', 'GPU-bbb'] } }, NETWORK);
    expect(body.HostConfig?.DeviceRequests).toEqual([{ Driver: 'nvidia', DeviceIDs: ['GPU-aaa', 'GPU-bbb'], Capabilities: [['gpu']] }]);
    expect(body.HostConfig?.Devices).toBeUndefined();
  });

  it('names CDI devices for the cdi driver', () => {
    const body = createOptions({ ...spec, gpus: { mode: 'cdi', devices: ['nvidia.com/gpu=GPU-aaa'] } }, NETWORK);
    expect(body.HostConfig?.DeviceRequests).toEqual([{ Driver: 'cdi', DeviceIDs: ['nvidia.com/gpu=GPU-aaa'] }]);
  });

  it('passes device nodes through and mounts the driver read-only', () => {
    const body = createOptions({
      ...spec,
      gpus: {
        mode: 'devices',
        devices: [
          { hostPath: '/dev/nvidia3', containerPath: '/dev/nvidia3' },
          { hostPath: '/dev/nvidiactl', containerPath: '/dev/nvidiactl' },
        ],
        readOnlyMounts: ['/usr/lib/x86_64-linux-gnu/libcuda.so.1'],
      },
    }, NETWORK);
    expect(body.HostConfig?.Devices).toEqual([
      { PathOnHost: '/dev/nvidia3', PathInContainer: '/dev/nvidia3', CgroupPermissions: 'rwm' },
      { PathOnHost: '/dev/nvidiactl', PathInContainer: '/dev/nvidiactl', CgroupPermissions: 'rwm' },
    ]);
    expect(body.HostConfig?.Mounts).toContainEqual({
      Type: 'bind',
      Source: '/usr/lib/x86_64-linux-gnu/libcuda.so.1',
      Target: '/usr/lib/x86_64-linux-gnu/libcuda.so.1',
      ReadOnly: true,
    });
    expect(body.HostConfig?.Binds).toBeUndefined();
    expect(body.HostConfig?.DeviceRequests).toBeUndefined();
    expect(body.HostConfig?.Privileged).toBe(false);
  });

  it('asks for nothing when no GPU was given', () => {
    const body = createOptions({ ...spec, gpus: { mode: 'deviceRequests', ids: [] } }, NETWORK);
    expect(body.HostConfig?.DeviceRequests).toBeUndefined();
    expect(body.HostConfig?.Devices).toBeUndefined();
  });

  it('refuses driver mounts that would expose the engine socket or break the bind syntax', () => {
    const withMount = (path: string): ContainerSpec => ({ ...spec, gpus: { mode: 'devices', devices: [], readOnlyMounts: [path] } });
    expect(() => assertNoEngineSocket(withMount('/var/run'))).toThrow(/driver mount \/var\/run would expose/);
    expect(() => assertNoEngineSocket(withMount('/usr/lib/a:b'))).toThrow(/must not contain ":"/);
    expect(() => assertNoEngineSocket(withMount('lib/relative'))).toThrow(/must be absolute/);
    expect(() => assertNoEngineSocket(withMount('/usr/lib/x86_64-linux-gnu/libcuda.so.1'))).not.toThrow();
  });
});
