import { describe, expect, it } from 'vitest';
import { DockerRuntime } from '../runtime/docker/docker-runtime.js';
import type { Iptables } from '../runtime/docker/host-firewall.js';
import type { Logger } from '../sandboxes/types.js';
import type { Machine } from './registry.js';
import { prepareSandboxNetwork } from './sandbox-networks.js';

/** A Docker runtime whose network is always ready: what is tested here is the firewall decision. */
class ReadyRuntime extends DockerRuntime {
  override ensureSandboxNetwork(): Promise<void> {
    return Promise.resolve();
  }
}

function machine(local: boolean): Pick<Machine, 'name' | 'local' | 'runtime'> {
  return { name: 'gpu1', local, runtime: new ReadyRuntime({ url: 'unix:///nowhere.sock', sandboxNetwork: { name: 'shiva-sandboxes', bridge: 'shiva-sandboxes' } }) };
}

function recorder(): { log: Logger; warnings: Array<{ fields: Record<string, unknown>; message: string }> } {
  const warnings: Array<{ fields: Record<string, unknown>; message: string }> = [];
  const log: Logger = {
    info: () => undefined,
    warn: (fields: object, message?: string) => void warnings.push({ fields: { ...fields }, message: message ?? '' }),
    error: () => undefined,
  };
  return { log, warnings };
}

describe('protecting a machine\'s host from its sandboxes', () => {
  it('installs the rules itself as root beside a local engine, and says nothing', async () => {
    const calls: string[] = [];
    const iptables: Iptables = async (args) => {
      calls.push(args.join(' '));
      return { ok: args[0] === '-N' || args[0] === '-A' || args[0] === '-I', stderr: '' };
    };
    const { log, warnings } = recorder();
    await prepareSandboxNetwork(machine(true), { root: true, iptables }, log);
    expect(calls).toContain('-I INPUT 1 -i shiva-sandboxes -j SHIVA-SANDBOXES');
    expect(warnings).toEqual([]);
  });

  it.each([
    ['its engine is on another host', false, true],
    ['the hub does not run as root', true, false],
  ])('warns with the commands to run when %s', async (why, local, root) => {
    const { log, warnings } = recorder();
    await prepareSandboxNetwork(machine(local), { root, iptables: () => Promise.reject(new Error('must not be called')) }, log);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.message).toContain(why);
    expect(warnings[0]!.fields).toMatchObject({ machine: 'gpu1', bridge: 'shiva-sandboxes' });
    expect(warnings[0]!.fields.run).toContain('iptables -w -I INPUT 1 -i shiva-sandboxes -j SHIVA-SANDBOXES');
  });

  it('warns with the commands when iptables is missing', async () => {
    const { log, warnings } = recorder();
    const missing: Iptables = () => Promise.reject(Object.assign(new Error('spawn iptables ENOENT'), { code: 'ENOENT' }));
    await prepareSandboxNetwork(machine(true), { root: true, iptables: missing }, log);
    expect(warnings[0]!.message).toContain('iptables is not installed');
  });
});
