import { describe, expect, it } from 'vitest';
import { FIREWALL_CHAIN, LINK_LOCAL, engineIsolatesBridge, firewallScript, installHostFirewall, removeHostFirewall, type Iptables } from './host-firewall.js';

/** iptables' table as lists of rules per chain, answering -L, -N, -C, -A, -I and -D like the real one. */
function fakeIptables(): { iptables: Iptables; chains: Map<string, string[]> } {
  const chains = new Map<string, string[]>([
    ['INPUT', ['-i lo -j ACCEPT']],
    ['FORWARD', ['-j DOCKER-USER']],
    ['DOCKER-USER', ['-j RETURN']],
  ]);
  const iptables: Iptables = async (args) => {
    const [op, chain = '', ...rest] = args[0] === '-n' ? args.slice(1) : args;
    const rules = chains.get(chain);
    const text = (op === '-I' ? rest.slice(1) : rest).join(' ');
    switch (op) {
      case '-S':
        return { ok: true, stdout: [...chains].flatMap(([name, list]) => list.map((r) => `-A ${name} ${r}`)).join('\n') + '\n', stderr: '' };
      case '-L':
        return { ok: rules !== undefined, stdout: '', stderr: rules ? '' : 'No chain/target/match by that name.' };
      case '-N':
        if (rules) return { ok: false, stdout: '', stderr: 'Chain already exists.' };
        chains.set(chain, []);
        return { ok: true, stdout: '', stderr: '' };
      case '-C':
        return { ok: rules?.includes(text) ?? false, stdout: '', stderr: '' };
      case '-A':
        rules!.push(text);
        return { ok: true, stdout: '', stderr: '' };
      case '-I':
        rules!.splice(Number(rest[0]) - 1, 0, text);
        return { ok: true, stdout: '', stderr: '' };
      case '-D':
        rules!.splice(rules!.indexOf(text), 1);
        return { ok: true, stdout: '', stderr: '' };
      default:
        return { ok: false, stdout: '', stderr: `unexpected ${op}` };
    }
  };
  return { iptables, chains };
}

describe('the host firewall for sandboxes', () => {
  it('sends the bridge\'s INPUT first to a chain that lets replies in and rejects the rest', async () => {
    const { iptables, chains } = fakeIptables();
    await installHostFirewall('shiva-sandboxes', iptables);
    expect(chains.get('INPUT')).toEqual([`-i shiva-sandboxes -j ${FIREWALL_CHAIN}`, '-i lo -j ACCEPT']);
    expect(chains.get(FIREWALL_CHAIN)).toEqual([
      '-m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT',
      '-p tcp -j REJECT --reject-with tcp-reset',
      '-j REJECT --reject-with icmp-port-unreachable',
    ]);
  });

  it('refuses what sandboxes send to link-local addresses such as a cloud metadata service, in DOCKER-USER or else FORWARD', async () => {
    const { iptables, chains } = fakeIptables();
    await installHostFirewall('shiva-sandboxes', iptables);
    await installHostFirewall('shiva-sandboxes', iptables);
    expect(chains.get('DOCKER-USER')).toEqual([`-i shiva-sandboxes -d ${LINK_LOCAL} -j REJECT`, '-j RETURN']);
    expect(chains.get('FORWARD')).toEqual(['-j DOCKER-USER']);
    chains.delete('DOCKER-USER');
    await installHostFirewall('other0', iptables);
    expect(chains.get('FORWARD')).toEqual([`-i other0 -d ${LINK_LOCAL} -j REJECT`, '-j DOCKER-USER']);
    await removeHostFirewall('other0', iptables);
    expect(chains.get('FORWARD')).toEqual(['-j DOCKER-USER']);
  });

  it('adds nothing twice when installed again, by this hub or the next, and one jump per bridge', async () => {
    const { iptables, chains } = fakeIptables();
    await installHostFirewall('shiva-sandboxes', iptables);
    await installHostFirewall('shiva-sandboxes', iptables);
    await installHostFirewall('other0', iptables);
    expect(chains.get(FIREWALL_CHAIN)).toHaveLength(3);
    expect(chains.get('INPUT')).toEqual([`-i other0 -j ${FIREWALL_CHAIN}`, `-i shiva-sandboxes -j ${FIREWALL_CHAIN}`, '-i lo -j ACCEPT']);
    await removeHostFirewall('other0', iptables);
    expect(chains.get('INPUT')).toEqual([`-i shiva-sandboxes -j ${FIREWALL_CHAIN}`, '-i lo -j ACCEPT']);
  });

  it('fails with iptables\' own words when a rule cannot be added', async () => {
    const { iptables } = fakeIptables();
    const refusing: Iptables = async (args) => (args[0] === '-A' ? { ok: false, stdout: '', stderr: 'Permission denied (you must be root)' } : iptables(args));
    await expect(installHostFirewall('shiva-sandboxes', refusing)).rejects.toThrow(/Permission denied \(you must be root\)/);
  });

  it('tells whether the engine drops what the bridge forwards to itself, as Docker does unless run with --iptables=false', async () => {
    const { iptables, chains } = fakeIptables();
    chains.set('FORWARD', ['-i docker0 -o docker0 -j ACCEPT', '-i shiva-sandboxes -o shiva-sandboxes -j DROP']);
    expect(await engineIsolatesBridge('shiva-sandboxes', iptables)).toBe(true);
    expect(await engineIsolatesBridge('docker0', iptables)).toBe(false);
    expect(await engineIsolatesBridge('shiva-sandboxes-2', iptables)).toBe(false);
  });

  it('gives an operator the same rules as an idempotent script', () => {
    const script = firewallScript('shiva-sandboxes');
    expect(script).toContain(`iptables -w -N ${FIREWALL_CHAIN}`);
    expect(script).toContain(`iptables -w -C INPUT -i shiva-sandboxes -j ${FIREWALL_CHAIN} 2>/dev/null || iptables -w -I INPUT 1 -i shiva-sandboxes -j ${FIREWALL_CHAIN}`);
    expect(script).toContain('--ctstate ESTABLISHED,RELATED -j ACCEPT');
  });
});
