import { describe, expect, it } from 'vitest';
import type { DatasetEntry } from '../config/schema.js';
import { DatasetConflict, datasetMounts, datasetsFor, mayUseDataset } from './datasets.js';
import { failureReason } from './failure-reason.js';

const dataset = (extra: Partial<DatasetEntry> = {}): DatasetEntry => ({
  name: 'imagenet',
  hostPath: '/cephfs/datasets/imagenet',
  containerPath: '/datasets/imagenet',
  readOnly: true,
  description: '',
  ...extra,
});
const alice = { username: 'alice', admin: false };
const bob = { username: 'bob', admin: false };
const root = { username: 'root-admin', admin: true };

describe('who gets a dataset', () => {
  it('gives one without users or admins to everyone', () => {
    for (const user of [alice, bob, root]) expect(mayUseDataset(dataset(), user)).toBe(true);
  });

  it('gives one with users to those users only, admins included only with admins: true', () => {
    const listed = dataset({ users: ['alice'] });
    expect([alice, bob, root].map((u) => mayUseDataset(listed, u))).toEqual([true, false, false]);
    const withAdmins = dataset({ users: ['alice'], admins: true });
    expect([alice, bob, root].map((u) => mayUseDataset(withAdmins, u))).toEqual([true, false, true]);
    const adminsOnly = dataset({ admins: true });
    expect([alice, bob, root].map((u) => mayUseDataset(adminsOnly, u))).toEqual([false, false, true]);
  });

  it('lists the datasets of a user in configuration order', () => {
    const all = [dataset({ name: 'a' }), dataset({ name: 'b', users: ['bob'] }), dataset({ name: 'c' })];
    expect(datasetsFor(all, alice).map((d) => d.name)).toEqual(['a', 'c']);
    expect(datasetsFor(all, bob).map((d) => d.name)).toEqual(['a', 'b', 'c']);
  });
});

describe('the mounts of a launch', () => {
  it('mounts each dataset as configured, named for messages', () => {
    expect(datasetMounts([dataset(), dataset({ name: 'scratch', hostPath: '/cephfs/s', containerPath: '/scratch', readOnly: false })], '/home/shiva')).toEqual([
      { hostPath: '/cephfs/datasets/imagenet', containerPath: '/datasets/imagenet', readOnly: true, what: 'the dataset imagenet' },
      { hostPath: '/cephfs/s', containerPath: '/scratch', readOnly: false, what: 'the dataset scratch' },
    ]);
  });

  it("fails with the hub's own words when a dataset overlaps the home an image's label names", () => {
    for (const home of ['/datasets', '/datasets/imagenet', '/datasets/imagenet/me']) {
      expect(() => datasetMounts([dataset()], home)).toThrow(DatasetConflict);
    }
    const err = (() => {
      try {
        datasetMounts([dataset()], '/datasets');
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(failureReason(err, { imageRef: 'x', machine: 'm' })).toBe(
      "The dataset imagenet is mounted at /datasets/imagenet, which overlaps this image's home /datasets; an admin must move the dataset's containerPath.",
    );
    expect(datasetMounts([dataset()], '/datasets-home')).toHaveLength(1);
  });
});
