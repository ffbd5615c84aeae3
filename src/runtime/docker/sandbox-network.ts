/**
 * The network sandboxes run on, one per engine: a bridge with inter-container traffic off, so a
 * sandbox cannot reach another's ports (Docker's default bridge lets it), and with a fixed
 * interface name, so the host's firewall can single it out (host-firewall.ts). Every hub on an
 * engine shares it, so test runs do not use up the engine's address pools, and none removes it.
 */
import type Docker from 'dockerode';

/** Which network, and the Linux name of its bridge interface on the engine's host. */
export interface SandboxNetwork {
  /** The Docker network's name (config `sandboxes.network`). */
  name: string;
  /** The bridge interface (config `machines[].bridge`, default the network's name); at most 15 bytes. */
  bridge: string;
}

export const DEFAULT_SANDBOX_NETWORK: SandboxNetwork = { name: 'shiva-sandboxes', bridge: 'shiva-sandboxes' };

/** The label that marks a network as made by Shiva for sandboxes (no deployment: it is shared). */
export const NETWORK_LABEL = 'org.shiva.network';

/** The bridge driver's options (docs.docker.com, "Bridge network driver", options). */
export const BRIDGE_OPTIONS = {
  icc: 'com.docker.network.bridge.enable_icc',
  name: 'com.docker.network.bridge.name',
  masquerade: 'com.docker.network.bridge.enable_ip_masquerade',
} as const;

/** The body of `POST /networks/create` for the sandbox network. */
export function networkCreateOptions(network: SandboxNetwork): Docker.NetworkCreateOptions {
  return {
    Name: network.name,
    Driver: 'bridge',
    // Engines before API 1.44 allow two networks of one name unless asked not to.
    CheckDuplicate: true,
    Internal: false,
    Attachable: false,
    Labels: { [NETWORK_LABEL]: 'sandboxes' },
    Options: {
      [BRIDGE_OPTIONS.icc]: 'false',
      [BRIDGE_OPTIONS.name]: network.bridge,
      // Outbound traffic (pip, apt) leaves through NAT as on the default bridge.
      [BRIDGE_OPTIONS.masquerade]: 'true',
    },
  };
}

/** The fields of `GET /networks/{id}` read here. */
export interface InspectedNetwork {
  Name?: string;
  Driver?: string;
  Internal?: boolean;
  Options?: Record<string, string> | null;
}

/**
 * Why an existing network of that name must not carry sandboxes, or null when it may: one made
 * by hand with inter-container traffic on, or on another bridge than the firewall expects,
 * would silently undo the isolation.
 */
export function unsuitableBecause(found: InspectedNetwork, network: SandboxNetwork): string | null {
  const options = found.Options ?? {};
  if (found.Driver !== 'bridge') return `it uses the ${found.Driver ?? 'unknown'} driver, not bridge`;
  if (options[BRIDGE_OPTIONS.icc] !== 'false') return `it lets containers reach each other (${BRIDGE_OPTIONS.icc} is not false)`;
  if (options[BRIDGE_OPTIONS.name] !== network.bridge) {
    return `its bridge interface is ${options[BRIDGE_OPTIONS.name] ?? 'chosen by the engine'}, not ${network.bridge}`;
  }
  return null;
}
