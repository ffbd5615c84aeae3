/**
 * The sandbox network on the real Docker Engine, under names of this run's own (the shared
 * shiva-sandboxes network is never touched here), removed afterwards.
 */
import { randomBytes } from 'node:crypto';
import Docker from 'dockerode';
import { afterAll, expect, it } from 'vitest';
import { TINY_IMAGE, describeDocker } from '../../../test/support/docker.js';
import { rejection } from '../../../test/support/rejection.js';
import { RuntimeError } from '../types.js';
import { DockerRuntime } from './docker-runtime.js';

const run = randomBytes(3).toString('hex');

describeDocker('the sandbox network on the real Docker Engine', [TINY_IMAGE], () => {
  const docker = new Docker();
  const made: string[] = [];
  afterAll(async () => {
    for (const name of made) await docker.getNetwork(name).remove().catch(() => undefined);
  });

  it('is made once by concurrent launches, with inter-container traffic off and its bridge named as asked', async () => {
    const network = { name: `shiva-t${run}`, bridge: `shvt${run}` };
    made.push(network.name);
    const runtime = new DockerRuntime({ sandboxNetwork: network });
    await Promise.all([runtime.ensureSandboxNetwork(), runtime.ensureSandboxNetwork(), new DockerRuntime({ sandboxNetwork: network }).ensureSandboxNetwork()]);
    const found = await docker.listNetworks({ filters: { name: [network.name] } });
    expect(found.map((n) => n.Name)).toEqual([network.name]);
    expect(found[0]!.Options).toMatchObject({ 'com.docker.network.bridge.enable_icc': 'false', 'com.docker.network.bridge.name': network.bridge });
    expect(found[0]!.Labels).toEqual({ 'org.shiva.network': 'sandboxes' });
  });

  it('refuses a network of that name that lets containers reach each other, saying how to fix it', async () => {
    const network = { name: `shiva-u${run}`, bridge: `shvu${run}` };
    made.push(network.name);
    await docker.createNetwork({ Name: network.name, Driver: 'bridge', Options: { 'com.docker.network.bridge.name': network.bridge } });
    const err = await rejection(new DockerRuntime({ sandboxNetwork: network }).ensureSandboxNetwork(), RuntimeError);
    expect(err.kind).toBe('failed');
    expect(err.message).toContain(`the network ${network.name}`);
    expect(err.message).toContain('lets containers reach each other');
    expect(err.message).toContain(`docker network rm ${network.name}`);
  });
});
