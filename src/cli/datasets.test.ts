import { describe, expect, it } from 'vitest';
import { datasetLines } from './datasets.js';

describe('shiva datasets', () => {
  it('prints each dataset with where it appears and its mode, and the host folder only when the hub gave it', () => {
    const user = [
      { name: 'imagenet', containerPath: '/datasets/imagenet', readOnly: true, description: 'ILSVRC 2012' },
      { name: 'scratch', containerPath: '/scratch', readOnly: false, description: '' },
    ];
    expect(datasetLines(user)).toEqual([
      'NAME      PATH                MODE        DESCRIPTION',
      'imagenet  /datasets/imagenet  read-only   ILSVRC 2012',
      'scratch   /scratch            read-write',
    ]);
    expect(datasetLines([{ ...user[0]!, hostPath: '/cephfs/datasets/imagenet' }])).toEqual([
      'NAME      PATH                MODE       HOST FOLDER                DESCRIPTION',
      'imagenet  /datasets/imagenet  read-only  /cephfs/datasets/imagenet  ILSVRC 2012',
    ]);
  });
});
