/**
 * A machine whose Docker Engine is reached over SSH, as `DOCKER_HOST=ssh://…` reaches one: a
 * real OpenSSH server on loopback in front of this machine's engine, a key file to sign in
 * with, and the host key pinned, so a host with another key is refused rather than trusted.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Machine, Sandbox } from '../src/contract/api.js';
import { describeDocker, TINY_IMAGE } from './support/docker.js';
import { startTestHub, type TestHub } from './support/hub.js';
import { sshdUnavailableReason, startSshd, type Sshd } from './support/sshd.js';
import { waitForState } from './support/wait.js';

describeDocker('a machine reached over SSH', [TINY_IMAGE], () => {
  let sshd: Sshd;
  let t: TestHub;

  beforeAll(async () => {
    sshd = await startSshd();
    const docker = `ssh://root@127.0.0.1:${sshd.port}`;
    t = await startTestHub({
      config: {
        machines: [
          { name: 'remote', docker, ssh: { identityFile: sshd.identityFile, hostKey: sshd.hostKey } },
          { name: 'impostor', docker, ssh: { identityFile: sshd.identityFile, hostKey: sshd.otherHostKey } },
        ],
      },
    });
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await sshd?.close();
  }, 60_000);

  it('launches through the SSH tunnel, and refuses a host whose key is not the pinned one', async () => {
    const machines = (await t.api<Machine[]>(t.adminToken, 'GET', '/api/machines')).body;
    expect(machines.map((m) => [m.name, m.status])).toEqual([
      ['remote', 'up'],
      ['impostor', 'down'],
    ]);
    expect(machines[0]!.engine?.version).toMatch(/^\d+\./);
    expect(machines[1]!.error).toMatch(/host denied|verification/i);

    const erin = await t.user('erin');
    const launched = await t.api<Sandbox>(erin, 'POST', '/api/sandboxes', { name: 'viassh' });
    expect(launched.body.machine).toBe('remote');
    await waitForState(t, erin, launched.body.id, 'running');
    const page = await fetch(`${t.url}/user/erin/viassh/`, { headers: { authorization: `Bearer ${erin}` } });
    expect(page.status).toBe(200);
    const stopped = await t.api<Sandbox>(erin, 'DELETE', `/api/sandboxes/${launched.body.id}`);
    expect(stopped.body.state).toBe('stopped');
  }, 120_000);
}, sshdUnavailableReason);
