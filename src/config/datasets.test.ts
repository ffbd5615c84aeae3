import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from './load.js';

const env = {} as NodeJS.ProcessEnv;
const base = { dataDir: '/srv/shiva', homes: { root: '/cephfs/homes' } };
const imagenet = { name: 'imagenet', hostPath: '/cephfs/datasets/imagenet', containerPath: '/datasets/imagenet' };
const load = (datasets: unknown[], extra: Record<string, unknown> = {}) => () => parseConfig({ ...base, storage: { datasets }, ...extra }, env);
const devicesMachine = {
  machines: [{ name: 'gpu1', docker: 'tcp://gpu1:2376', gpus: { mode: 'devices', driverLibraries: ['/opt/nvidia/lib'] } }],
};

describe('storage.datasets', () => {
  it('takes a dataset read-only for everyone unless told otherwise', () => {
    const config = parseConfig({ ...base, storage: { datasets: [imagenet, { name: 'scratch', hostPath: '/cephfs/scratch', containerPath: '/scratch', readOnly: false, users: ['alice'], admins: true }] } }, env);
    expect(config.storage.datasets[0]).toEqual({ ...imagenet, readOnly: true, description: '' });
    expect(config.storage.datasets[1]).toMatchObject({ readOnly: false, users: ['alice'], admins: true });
    expect(parseConfig({}, env).storage.datasets).toEqual([]);
  });

  it('refuses paths that are relative, hold ":" or "..", or a bad name, naming the key path', () => {
    const bad: Array<[unknown, RegExp]> = [
      [{ ...imagenet, hostPath: 'datasets/imagenet' }, /storage\.datasets\.imagenet\.hostPath: datasets\/imagenet must be absolute/],
      [{ ...imagenet, containerPath: 'imagenet' }, /storage\.datasets\.imagenet\.containerPath: imagenet must be absolute/],
      [{ ...imagenet, hostPath: '/cephfs/a:b' }, /storage\.datasets\.imagenet\.hostPath: \/cephfs\/a:b must not contain ":"/],
      [{ ...imagenet, containerPath: '/datasets/x:ro' }, /storage\.datasets\.imagenet\.containerPath: .* must not contain ":"/],
      [{ ...imagenet, hostPath: '/cephfs/datasets/../../srv/shiva' }, /storage\.datasets\.imagenet\.hostPath: .* must not contain "\.\."/],
      [{ ...imagenet, containerPath: '/datasets/../etc' }, /storage\.datasets\.imagenet\.containerPath: .* must not contain "\.\."/],
      [{ ...imagenet, name: 'ImageNet' }, /storage\.datasets\.0\.name/],
      [{ ...imagenet, readOnly: 'yes' }, /storage\.datasets\.0\.readOnly/],
      [{ ...imagenet, users: ['Bad Name'] }, /storage\.datasets\.0\.users\.0/],
      [{ ...imagenet, mode: 'ro' }, /storage\.datasets\.0\.mode/],
      [{ name: 'x', hostPath: '/cephfs/x' }, /storage\.datasets\.0\.containerPath/],
    ];
    for (const [dataset, message] of bad) {
      expect(load([dataset]), JSON.stringify(dataset)).toThrow(ConfigError);
      expect(load([dataset])).toThrow(message);
    }
  });

  it('refuses two datasets of one name or with overlapping container paths', () => {
    expect(load([imagenet, { ...imagenet, hostPath: '/cephfs/other', containerPath: '/other' }])).toThrow('configuration key storage.datasets has the name imagenet twice');
    expect(load([imagenet, { name: 'coco', hostPath: '/cephfs/coco', containerPath: '/datasets/imagenet/' }])).toThrow(
      'storage.datasets.coco.containerPath: /datasets/imagenet/ overlaps the containerPath /datasets/imagenet of the dataset imagenet',
    );
    expect(load([imagenet, { name: 'all', hostPath: '/cephfs/all', containerPath: '/datasets' }])).toThrow('storage.datasets.all.containerPath: /datasets overlaps');
    expect(load([imagenet, { name: 'coco', hostPath: '/cephfs/coco', containerPath: '/datasets/coco' }])).not.toThrow();
  });

  it('refuses a container path at, inside or above a home mount point: the default one and every catalogue image\'s', () => {
    for (const containerPath of ['/home/shiva', '/home/shiva/imagenet', '/home']) {
      expect(load([{ ...imagenet, containerPath }])).toThrow(`storage.datasets.imagenet.containerPath: ${containerPath} overlaps /home/shiva, the default home`);
    }
    const images = { images: { catalogue: [{ name: 'torch', image: 'corp/torch:2', home: '/workspace' }] } };
    expect(load([{ ...imagenet, containerPath: '/workspace/data' }], images)).toThrow(
      'storage.datasets.imagenet.containerPath: /workspace/data overlaps /workspace, the home of the image torch',
    );
  });

  it('refuses a host path at, inside or above the data directory or the homes', () => {
    expect(load([{ ...imagenet, hostPath: '/srv/shiva' }])).toThrow('storage.datasets.imagenet.hostPath: /srv/shiva overlaps dataDir (/srv/shiva)');
    expect(load([{ ...imagenet, hostPath: '/srv' }])).toThrow('storage.datasets.imagenet.hostPath: /srv overlaps dataDir');
    expect(load([{ ...imagenet, hostPath: '/srv/shiva/shiva.db' }])).toThrow('overlaps dataDir');
    expect(load([{ ...imagenet, hostPath: '/cephfs/homes/alice' }])).toThrow('storage.datasets.imagenet.hostPath: /cephfs/homes/alice overlaps homes.root (/cephfs/homes)');
    expect(load([{ ...imagenet, hostPath: '/cephfs' }])).toThrow('overlaps homes.root');
    // homes.root defaults to <dataDir>/homes, which is checked the same way.
    expect(() => parseConfig({ dataDir: '/srv/shiva', storage: { datasets: [{ ...imagenet, hostPath: '/srv/shiva/homes/bob' }] } }, env)).toThrow('overlaps dataDir');
  });

  it("refuses the engine's socket, the GPU driver mounts and system folders", () => {
    expect(load([{ ...imagenet, hostPath: '/mnt/run-docker' }], { machines: [{ name: 'm', docker: 'unix:///mnt/run-docker/engine.sock' }] })).toThrow(
      "storage.datasets.imagenet.hostPath: /mnt/run-docker would expose the engine's socket /mnt/run-docker/engine.sock",
    );
    expect(load([{ ...imagenet, hostPath: '/opt/nvidia' }], devicesMachine)).toThrow('storage.datasets.imagenet.hostPath: /opt/nvidia overlaps /opt/nvidia/lib, which machine gpu1 mounts for its GPUs');
    expect(load([{ ...imagenet, containerPath: '/opt/nvidia/lib/data' }], devicesMachine)).toThrow(
      'storage.datasets.imagenet.containerPath: /opt/nvidia/lib/data overlaps /opt/nvidia/lib, which machine gpu1 mounts for its GPUs',
    );
    // The same folder on a machine that gets its GPUs another way is not mounted, hence free.
    expect(load([{ ...imagenet, hostPath: '/opt/nvidia' }], { machines: [{ name: 'gpu1', docker: 'tcp://gpu1:2376', gpus: { driverLibraries: ['/opt/nvidia/lib'] } }] })).not.toThrow();
    for (const containerPath of ['/', '/proc', '/sys/fs', '/dev/shm', '/etc', '/usr/share/data', '/tmp', '/opt', '/var/lib/data', '/root']) {
      expect(load([{ ...imagenet, containerPath }]), containerPath).toThrow(new RegExp(`storage\\.datasets\\.imagenet\\.containerPath: ${containerPath} is or lies inside the system folder`));
    }
    for (const hostPath of ['/', '/etc', '/var/lib/docker', '/proc/1', '/root/data', '/run']) {
      expect(load([{ ...imagenet, hostPath }]), hostPath).toThrow(/storage\.datasets\.imagenet\.hostPath: .*(system folder|overlaps)/);
    }
    expect(load([{ ...imagenet, containerPath: '/opt/datasets/imagenet', hostPath: '/tmp/imagenet' }])).not.toThrow();
  });

  it('refuses a dataset that nobody would get', () => {
    expect(load([{ ...imagenet, users: [] }])).toThrow('storage.datasets.imagenet.users is empty and admins is not true: nobody would get the dataset');
    expect(load([{ ...imagenet, admins: false }])).toThrow('storage.datasets.imagenet.admins is false and users is not set');
    expect(load([{ ...imagenet, users: [], admins: true }])).not.toThrow();
  });
});
