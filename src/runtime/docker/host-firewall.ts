/**
 * The host's own services, shut off from sandboxes: traffic that comes in on the sandbox
 * network's bridge and is addressed to the host itself (its INPUT chain: the bridge's gateway
 * address, or any other address of the host) is rejected, except the replies of connections the
 * host opened, which is how the published ports' answers come back. Forwarded traffic (to the
 * internet through NAT) is not INPUT and stays open. The rules live in a chain of their own,
 * reached by one jump per bridge at the head of INPUT, and are added only when missing, so
 * starting many hubs leaves one copy. Docker adds nothing to INPUT (its rules are in FORWARD
 * and nat), so nothing of the engine's is undone.
 *
 * One forwarded destination is shut too: link-local addresses (169.254.0.0/16, RFC 3927), where
 * cloud machines answer with their instance's metadata and credentials (169.254.169.254). That
 * rule goes in DOCKER-USER, the chain Docker keeps for its users' rules ahead of its own, or in
 * FORWARD on an engine that made no such chain.
 */
import { execFile } from 'node:child_process';

export const FIREWALL_CHAIN = 'SHIVA-SANDBOXES';

/** Runs `iptables <args>` and says whether it exited 0, with what it printed; rejects only when it cannot be run at all. */
export type Iptables = (args: readonly string[]) => Promise<{ ok: boolean; stdout: string; stderr: string }>;

/** iptables(8) run with `-w` (wait for the xtables lock, which the engine takes too). */
export const runIptables: Iptables = (args) =>
  new Promise((resolve, reject) => {
    execFile('iptables', ['-w', ...args], { timeout: 10_000 }, (err, stdout, stderr) => {
      if (err && typeof err.code !== 'number') reject(err);
      else resolve({ ok: !err, stdout: String(stdout), stderr: String(stderr).trim() });
    });
  });

/** The chain's rules, the same for every bridge (the jump picks the bridge). */
const CHAIN_RULES: readonly (readonly string[])[] = [
  ['-m', 'conntrack', '--ctstate', 'ESTABLISHED,RELATED', '-j', 'ACCEPT'],
  ['-p', 'tcp', '-j', 'REJECT', '--reject-with', 'tcp-reset'],
  ['-j', 'REJECT', '--reject-with', 'icmp-port-unreachable'],
];

const jump = (bridge: string): string[] => ['-i', bridge, '-j', FIREWALL_CHAIN];

/** Link-local destinations (RFC 3927), cloud metadata services among them, refused to sandboxes. */
export const LINK_LOCAL = '169.254.0.0/16';
const linkLocalRule = (bridge: string): string[] => ['-i', bridge, '-d', LINK_LOCAL, '-j', 'REJECT'];

/**
 * The same rules as a shell script, for an operator to run as root on a machine where the hub
 * cannot (a remote engine, a hub that is not root): idempotent like installHostFirewall.
 */
export function firewallScript(bridge: string): string {
  const lines = [
    `iptables -w -n -L ${FIREWALL_CHAIN} >/dev/null 2>&1 || iptables -w -N ${FIREWALL_CHAIN}`,
    ...CHAIN_RULES.map((rule) => `iptables -w -C ${FIREWALL_CHAIN} ${rule.join(' ')} 2>/dev/null || iptables -w -A ${FIREWALL_CHAIN} ${rule.join(' ')}`),
    `iptables -w -C INPUT ${jump(bridge).join(' ')} 2>/dev/null || iptables -w -I INPUT 1 ${jump(bridge).join(' ')}`,
    `forward=DOCKER-USER; iptables -w -n -L DOCKER-USER >/dev/null 2>&1 || forward=FORWARD`,
    `iptables -w -C "$forward" ${linkLocalRule(bridge).join(' ')} 2>/dev/null || iptables -w -I "$forward" 1 ${linkLocalRule(bridge).join(' ')}`,
  ];
  return lines.join('\n');
}

/**
 * Installs the rules for `bridge` where they are missing. Throws an Error with iptables' own
 * words when a step fails (no permission, no conntrack module): the caller logs it with the
 * script to run by hand.
 */
export async function installHostFirewall(bridge: string, iptables: Iptables = runIptables): Promise<void> {
  const must = async (args: readonly string[]): Promise<void> => {
    const result = await iptables(args);
    if (!result.ok) throw new Error(`iptables ${args.join(' ')} failed: ${result.stderr || 'no reason given'}`);
  };
  if (!(await iptables(['-n', '-L', FIREWALL_CHAIN])).ok) {
    // Another hub may make it between the check and -N; the second check settles that.
    const made = await iptables(['-N', FIREWALL_CHAIN]);
    if (!made.ok && !(await iptables(['-n', '-L', FIREWALL_CHAIN])).ok) throw new Error(`iptables -N ${FIREWALL_CHAIN} failed: ${made.stderr}`);
  }
  for (const rule of CHAIN_RULES) {
    if (!(await iptables(['-C', FIREWALL_CHAIN, ...rule])).ok) await must(['-A', FIREWALL_CHAIN, ...rule]);
  }
  if (!(await iptables(['-C', 'INPUT', ...jump(bridge)])).ok) await must(['-I', 'INPUT', '1', ...jump(bridge)]);
  const forward = (await iptables(['-n', '-L', 'DOCKER-USER'])).ok ? 'DOCKER-USER' : 'FORWARD';
  if (!(await iptables(['-C', forward, ...linkLocalRule(bridge)])).ok) await must(['-I', forward, '1', ...linkLocalRule(bridge)]);
}

/** Removes the jump for `bridge` (every copy); the chain stays for other bridges. For tests and uninstalls. */
export async function removeHostFirewall(bridge: string, iptables: Iptables = runIptables): Promise<void> {
  while ((await iptables(['-C', 'INPUT', ...jump(bridge)])).ok) {
    if (!(await iptables(['-D', 'INPUT', ...jump(bridge)])).ok) return;
  }
  for (const forward of ['DOCKER-USER', 'FORWARD']) {
    while ((await iptables(['-C', forward, ...linkLocalRule(bridge)])).ok) {
      if (!(await iptables(['-D', forward, ...linkLocalRule(bridge)])).ok) break;
    }
  }
}

/**
 * Whether the engine enforces the network's inter-container isolation on `bridge`: Docker does
 * it with a rule dropping what the bridge forwards to itself (`-i <bridge> -o <bridge> -j
 * DROP`, in FORWARD or a chain of its own, by version). An engine started with
 * `--iptables=false` writes none, and then sandboxes on that bridge reach each other.
 */
export async function engineIsolatesBridge(bridge: string, iptables: Iptables = runIptables): Promise<boolean> {
  const listed = await iptables(['-S']);
  if (!listed.ok) throw new Error(`iptables -S failed: ${listed.stderr || 'no reason given'}`);
  const escaped = bridge.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^-A \\S+ -i ${escaped} -o ${escaped} -j DROP$`, 'm').test(listed.stdout);
}
