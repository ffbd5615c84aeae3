/**
 * A container spec for the tiny image (images/tiny) that tests create straight on a runtime,
 * bypassing the core: the limits a small sandbox gets, the image's port, user and home.
 */
import type { ContainerSpec } from '../../src/runtime/types.js';
import { TINY_IMAGE } from './docker.js';

/** The tiny image's spec with `name`, the host folder mounted as its home, and whatever `over` sets. */
export function tinySpec(name: string, homeOnHost: string, over: Partial<ContainerSpec> = {}): ContainerSpec {
  return {
    name,
    image: TINY_IMAGE,
    env: {},
    labels: {},
    port: 8888,
    publishAddress: '127.0.0.1',
    cpus: 0.5,
    cpuRequest: 0.125,
    memoryBytes: 256 * 1024 * 1024,
    shmBytes: 64 * 1024 * 1024,
    pidsLimit: 128,
    home: { hostPath: homeOnHost, containerPath: '/home/shiva' },
    user: '1000:1000',
    ...over,
  };
}
