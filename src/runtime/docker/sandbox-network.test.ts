import { describe, expect, it } from 'vitest';
import { networkCreateOptions, unsuitableBecause } from './sandbox-network.js';

const network = { name: 'shiva-sandboxes', bridge: 'shiva-sandboxes' };

describe('the sandbox network', () => {
  it('is made as a labelled bridge with inter-container traffic off, a fixed interface name and NAT out', () => {
    expect(networkCreateOptions(network)).toMatchObject({
      Name: 'shiva-sandboxes',
      Driver: 'bridge',
      CheckDuplicate: true,
      Internal: false,
      Labels: { 'org.shiva.network': 'sandboxes' },
      Options: {
        'com.docker.network.bridge.enable_icc': 'false',
        'com.docker.network.bridge.name': 'shiva-sandboxes',
        'com.docker.network.bridge.enable_ip_masquerade': 'true',
      },
    });
  });

  it('accepts a network made that way, by this hub or another', () => {
    expect(unsuitableBecause({ Driver: 'bridge', Options: networkCreateOptions(network).Options }, network)).toBeNull();
  });

  it.each([
    [{ Driver: 'overlay', Options: networkCreateOptions(network).Options }, /overlay driver/],
    [{ Driver: 'bridge', Options: { 'com.docker.network.bridge.name': 'shiva-sandboxes' } }, /reach each other/],
    [{ Driver: 'bridge', Options: { 'com.docker.network.bridge.enable_icc': 'false' } }, /chosen by the engine, not shiva-sandboxes/],
    [{ Driver: 'bridge', Options: null }, /reach each other/],
  ])('refuses a network of that name made otherwise (%#)', (found, why) => {
    expect(unsuitableBecause(found, network)).toMatch(why);
  });
});
