/**
 * Sandboxes are not each other's neighbours, nor the host's: from inside alice's real sandbox,
 * bob's sandbox and a service the host binds on all addresses do not answer, while "the
 * internet" (a network namespace standing in for a package mirror, see support/test-internet.ts)
 * does. A container on the engine's default bridge reaches the same host service, which shows
 * the probe can tell the difference.
 */
import { execFileSync } from 'node:child_process';
import net from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeDocker, TINY_IMAGE } from './support/docker.js';
import { startTestHub, type TestHub } from './support/hub.js';
import { startTestInternet, testInternetUnavailableReason, type TestInternet } from './support/test-internet.js';
import { waitForState } from './support/wait.js';

interface Sandbox {
  id: string;
  state: string;
  reason: string | null;
}

/** Run inside a container: tries each host:port (and the URL) and prints one JSON line of outcomes. */
const PROBE = `
import json, socket, sys, urllib.request
out = {}
for target in sys.argv[2:]:
    host, port = target.rsplit(":", 1)
    try:
        socket.create_connection((host, int(port)), timeout=2).close()
        out[target] = "open"
    except Exception as e:
        out[target] = type(e).__name__
try:
    out["url"] = urllib.request.urlopen(sys.argv[1], timeout=5).read().decode()
except Exception as e:
    out["url"] = type(e).__name__
print(json.dumps(out))
`;

describeDocker(
  'the sandbox network',
  [TINY_IMAGE],
  () => {
    let t: TestHub;
    let internet: TestInternet;
    let hostService: net.Server;
    let hostPort: number;
    let alice: string;
    let bob: string;

    const containerOf = (sandboxId: string) => execFileSync('docker', ['ps', '-q', '--filter', `label=org.shiva.sandbox=${sandboxId}`]).toString().trim();
    const probeFrom = (container: string, url: string, targets: string[]): Record<string, string> =>
      JSON.parse(execFileSync('docker', ['exec', container, 'python3', '-c', PROBE, url, ...targets], { timeout: 60_000 }).toString()) as Record<string, string>;
    const launch = async (token: string, name: string) => {
      const res = await t.api<Sandbox>(token, 'POST', '/api/sandboxes', { name });
      expect(res.status).toBe(202);
      await waitForState(t, token, res.body.id, 'running');
      return containerOf(res.body.id);
    };

    beforeAll(async () => {
      internet = await startTestInternet();
      hostService = net.createServer((socket) => socket.end('host service\n'));
      await new Promise<void>((resolve) => hostService.listen(0, '0.0.0.0', resolve));
      hostPort = (hostService.address() as net.AddressInfo).port;
      t = await startTestHub();
      alice = await t.user('alice');
      bob = await t.user('bob');
    }, 120_000);
    afterAll(async () => {
      await t?.close();
      hostService?.close();
      await internet?.close();
    }, 60_000);

    it('lets a sandbox reach the internet but neither another sandbox nor any address of the host', async () => {
      const aliceContainer = await launch(alice, 'net');
      const bobContainer = await launch(bob, 'net');
      const inspect = (c: string) =>
        JSON.parse(execFileSync('docker', ['inspect', c]).toString()) as [{ NetworkSettings: { Networks: Record<string, { IPAddress: string; Gateway: string }> } }];
      const bobNet = inspect(bobContainer)[0].NetworkSettings.Networks;
      expect(Object.keys(bobNet)).toEqual(['shiva-sandboxes']);
      const bobAddress = bobNet['shiva-sandboxes']!.IPAddress;
      const gateway = inspect(aliceContainer)[0].NetworkSettings.Networks['shiva-sandboxes']!.Gateway;
      // Every IPv4 address of the host but loopback: its LAN address, docker0, the test internet's end.
      const hostAddresses = execFileSync('ip', ['-4', '-o', 'addr', 'show'], { encoding: 'utf8' })
        .split('\n')
        .map((line) => /inet (\d+\.\d+\.\d+\.\d+)\//.exec(line)?.[1])
        .filter((a): a is string => a !== undefined && !a.startsWith('127.'));
      expect(hostAddresses).toContain(gateway);

      // The host itself reaches bob's server (that is how the proxy would, were it published there).
      await expect(new Promise((resolve, reject) => net.connect(8888, bobAddress, () => resolve('open')).on('error', reject))).resolves.toBe('open');

      const targets = [`${bobAddress}:8888`, ...hostAddresses.map((a) => `${a}:${hostPort}`)];
      const seen = probeFrom(aliceContainer, internet.url, targets);
      expect(seen.url).toBe(internet.body);
      for (const target of targets) expect(seen[target], target).not.toBe('open');
    }, 120_000);

    it('has the engine refuse what sandboxes send to link-local addresses (cloud metadata services)', () => {
      // No traffic is sent there from this machine: the rule itself is checked where the kernel keeps it.
      let chain = 'DOCKER-USER';
      try {
        execFileSync('iptables', ['-w', '-n', '-L', chain], { stdio: 'pipe' });
      } catch {
        chain = 'FORWARD';
      }
      expect(() => execFileSync('iptables', ['-w', '-C', chain, '-i', 'shiva-sandboxes', '-d', '169.254.0.0/16', '-j', 'REJECT'], { stdio: 'pipe' })).not.toThrow();
    });

    it('is a probe that can tell: from the engine\'s default bridge the same host service answers', () => {
      const container = execFileSync('docker', ['run', '-d', '--rm', '--network', 'bridge', '--entrypoint', 'sleep', TINY_IMAGE, '60']).toString().trim();
      try {
        const gateway = execFileSync('docker', ['inspect', '-f', '{{.NetworkSettings.Gateway}}', container]).toString().trim();
        const seen = probeFrom(container, internet.url, [`${gateway}:${hostPort}`]);
        expect(seen[`${gateway}:${hostPort}`]).toBe('open');
      } finally {
        execFileSync('docker', ['rm', '-f', container], { stdio: 'pipe' });
      }
    }, 60_000);
  },
  testInternetUnavailableReason,
);
