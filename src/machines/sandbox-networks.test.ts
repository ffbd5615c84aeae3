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
    debug: () => undefined,
    info: () => undefined,
    warn: (fields: object, message?: string) => void warnings.push({ fields: { ...fields }, message: message ?? '' }),
    error: () => undefined,
  };
  return { log, warnings };
}

describe('protecting a machine\'s host from its sandboxes', () => {
  it('installs the rules itself as root beside a local engine, and says nothing', async () => {
    const calls: string[] = [];
    const iptables = (forwardRules: string): Iptables => async (args) => {
      calls.push(args.join(' '));
      if (args[0] === '-S') return { ok: true, stdout: forwardRules, stderr: '' };
      return { ok: args[0] === '-N' || args[0] === '-A' || args[0] === '-I', stdout: '', stderr: '' };
    };
    const { log, warnings } = recorder();
    await prepareSandboxNetwork(machine(true), { root: true, iptables: iptables('-A FORWARD -i shiva-sandboxes -o shiva-sandboxes -j DROP\n') }, log);
    expect(calls).toContain('-I INPUT 1 -i shiva-sandboxes -j SHIVA-SANDBOXES');
    expect(warnings).toEqual([]);
  });

  it('warns when the engine writes no rule keeping sandboxes on the bridge apart (--iptables=false)', async () => {
    const { log, warnings } = recorder();
    const iptables: Iptables = async (args) => ({ ok: args[0] !== '-C' && args[0] !== '-L', stdout: '-A FORWARD -i docker0 -o docker0 -j ACCEPT\n', stderr: '' });
    await prepareSandboxNetwork(machine(true), { root: true, iptables }, log);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.message).toContain('does not keep sandboxes apart');
    expect(warnings[0]!.message).toContain('--iptables=false');
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
