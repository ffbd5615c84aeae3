/**
 * Each machine's sandbox network, and the firewall rule that keeps its sandboxes off the host's
 * own services. The hub sets the rule itself where it can: it runs as root on the machine whose
 * engine it reaches by a unix socket, with iptables at hand. Anywhere else it cannot touch that
 * machine's firewall, so it logs the exact commands to run there (docs/security.md says the same).
 */
import { DockerRuntime } from '../runtime/docker/docker-runtime.js';
import { engineIsolatesBridge, firewallScript, installHostFirewall, type Iptables } from '../runtime/docker/host-firewall.js';
import type { Logger } from '../sandboxes/types.js';
import type { Machine } from './registry.js';

export interface HostFirewallAccess {
  /** The hub runs as root (uid 0). */
  root: boolean;
  iptables?: Iptables;
}

/**
 * Bridges this process has protected already. Checking the rules costs a quarter of a second of
 * iptables runs, and nothing Shiva or Docker does removes them while the host is up.
 */
const protectedBridges = new Map<string, Promise<void>>();

function installOnce(bridge: string, iptables: Iptables | undefined): Promise<void> {
  // A fake iptables (tests) is never remembered: each call is its own world.
  if (iptables) return installHostFirewall(bridge, iptables);
  let done = protectedBridges.get(bridge);
  if (!done) {
    done = installHostFirewall(bridge).catch((err: unknown) => {
      protectedBridges.delete(bridge);
      throw err;
    });
    protectedBridges.set(bridge, done);
  }
  return done;
}

/** What the hub's own process may do, read once. */
export function hubFirewallAccess(): HostFirewallAccess {
  return { root: process.getuid?.() === 0 };
}

/**
 * Makes the machine's sandbox network (DockerRuntime.ensureSandboxNetwork) and protects its
 * host (installHostFirewall) or says how to. Never throws: a launch checks the network again
 * and fails with the reason; a missing rule is a warning, since the sandbox still demands its
 * secret and the hub cannot fix another host.
 */
export async function prepareSandboxNetwork(machine: Pick<Machine, 'name' | 'local' | 'runtime'>, access: HostFirewallAccess, log: Logger): Promise<void> {
  const runtime = machine.runtime;
  if (!(runtime instanceof DockerRuntime)) return;
  const { name, bridge } = runtime.sandboxNetwork;
  try {
    await runtime.ensureSandboxNetwork();
  } catch (err) {
    log.warn({ machine: machine.name, network: name, err: (err as Error).message }, 'the sandbox network is not usable; launches there will fail until it is');
    return;
  }
  const manual = (why: string, err?: string) =>
    log.warn(
      { machine: machine.name, bridge, ...(err ? { err } : {}), run: firewallScript(bridge) },
      `sandboxes on this machine can reach its own services (${why}); run these commands as root on that machine, and again after each reboot`,
    );
  if (!machine.local) return manual('its engine is on another host');
  if (!access.root) return manual('the hub does not run as root');
  try {
    await installOnce(bridge, access.iptables);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return manual(code === 'ENOENT' ? 'iptables is not installed' : 'setting the rule failed', (err as Error).message);
  }
  const isolates = await engineIsolatesBridge(bridge, access.iptables).catch(() => true);
  if (!isolates) {
    log.warn(
      { machine: machine.name, bridge },
      'this engine does not keep sandboxes apart: it wrote no rule dropping traffic between containers on the sandbox bridge (is it started with --iptables=false?); sandboxes here can reach each other\'s ports',
    );
  }
}
