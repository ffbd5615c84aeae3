/**
 * Who the SSH gateway lets in, tried with the real OpenSSH client as other users would: a key
 * signs in only as its owner, to its owner's sandboxes; a removed key is refused and its open
 * session ends; an admin's key reaches no one else's sandbox unless the hub allows it; SHA-1
 * RSA signatures are refused; the client refuses a gateway whose host key is not the one it
 * knows, and the host key survives a restart of the hub. The keys API refuses what is not a
 * public key, a key already taken, another user's key id and tokens without ssh-keys:write.
 */
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeDocker, TINY_IMAGE } from './support/docker.js';
import { startTestHub, type TestHub } from './support/hub.js';
import { run } from './support/process.js';
import { sshClient, type SshClient, type SshKeyPair } from './support/ssh-client.js';
import { waitFor, waitForState } from './support/wait.js';

interface Key {
  id: string;
  fingerprint: string;
  name: string;
  lastUsedAt: string | null;
}

describeDocker('who the SSH gateway lets in', [TINY_IMAGE], () => {
  let t: TestHub;
  let client: SshClient;
  let alice: string;
  let bob: string;
  let aliceKey: SshKeyPair;
  let bobKey: SshKeyPair;
  let adminKey: SshKeyPair;
  let dataDir: string;
  let bobSandbox: string;

  const addKey = async (token: string, key: SshKeyPair, name?: string) => {
    const added = await t.api<Key>(token, 'POST', '/api/ssh-keys', { publicKey: key.publicKey, ...(name ? { name } : {}) });
    expect(added.status, JSON.stringify(added.body)).toBe(201);
    return added.body;
  };
  const launch = async (token: string, name: string) => {
    const launched = await t.api<{ id: string }>(token, 'POST', '/api/sandboxes', { name });
    await waitForState(t, token, launched.body.id, 'running');
    return launched.body.id;
  };

  beforeAll(async () => {
    t = await startTestHub({ config: { ssh: { port: 0 } } });
    dataDir = t.dataDir;
    alice = await t.user('alice');
    bob = await t.user('bob');
    client = await sshClient(t, alice);
    aliceKey = client.key('alice');
    bobKey = client.key('bob');
    adminKey = client.key('admin');
    await addKey(alice, aliceKey);
    await addKey(bob, bobKey);
    await addKey(t.adminToken, adminKey);
    [, bobSandbox] = await Promise.all([launch(alice, 'main'), launch(bob, 'main')]);
  }, 180_000);

  afterAll(async () => {
    client?.close();
    await t?.close();
  }, 60_000);

  it('lets a key in only as its owner: not bob\'s key as alice, not alice\'s into bob\'s sandbox, not an admin\'s without adminAccess', async () => {
    expect((await client.ssh(aliceKey, 'alice', ['id -un'])).status).toBe(0);
    for (const [key, user] of [
      [bobKey, 'alice'],
      [aliceKey, 'bob'],
      [aliceKey, 'bob.main'],
      [adminKey, 'alice'],
      [aliceKey, 'nobody'],
    ] as const) {
      const refused = await client.ssh(key, user, ['id -un']);
      expect(refused.status, `${path.basename(key.file)} as ${user}`).toBe(255);
      expect(refused.stderr).toMatch(/Permission denied \(publickey\)/);
      expect(refused.stdout).toBe('');
    }
    const metrics = await (await fetch(`${t.url}/metrics`, { headers: { authorization: `Bearer ${t.adminToken}` } })).text();
    expect(Number(/^shiva_ssh_auth_failures_total\{reason="wrong_user"\} (\d+)/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(3);
    expect(Number(/^shiva_ssh_auth_failures_total\{reason="unknown_key"\} (\d+)/m.exec(metrics)?.[1])).toBe(0);
  });

  it('says in words what to do when the sandbox asked for is not running', async () => {
    const missing = await client.ssh(aliceKey, 'alice.lab', ['true']);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toBe('sandbox lab is not there: start it on the dashboard or with shiva launch lab\n');
  });

  it('reaches through one connection only the sandbox its user name reached when it signed in', async () => {
    const socket = path.join(client.dir, 'control-lab');
    const master = client.spawnSsh(aliceKey, 'alice.lab', ['-N', '-o', 'ControlMaster=yes', '-o', `ControlPath=${socket}`]);
    try {
      await waitFor(() => existsSync(socket), { timeoutMs: 20_000, what: 'the control socket' });
      const lab = await launch(alice, 'lab');
      const through = await run('ssh', ['-F', '/dev/null', '-o', `ControlPath=${socket}`, '-o', 'ControlMaster=no', 'alice.lab@127.0.0.1', 'echo in-lab']);
      expect(through.status).toBe(1);
      expect(through.stderr).toBe('sandbox lab started after this connection was made: connect again to reach it\n');
      expect((await client.ssh(aliceKey, 'alice.lab', ['echo in-lab'])).stdout).toBe('in-lab\n');
      expect((await t.api(alice, 'DELETE', `/api/sandboxes/${lab}`)).status).toBe(200);
    } finally {
      master.kill();
    }
  });

  it('refuses a second command on a session channel that runs one, and keeps serving', async () => {
    const ran = await run(process.execPath, [
      path.join(import.meta.dirname, 'support/second-exec.cjs'),
      JSON.stringify({ port: client.port, username: 'alice', privateKeyFile: aliceKey.file, first: 'sleep 2', second: 'touch second-ran' }),
    ]);
    expect(ran.stdout).toBe('asked\nclosed\n');
    expect((await client.ssh(aliceKey, 'alice', ['ls second-ran 2>&1; echo still-serving'])).stdout).toMatch(/No such file[\s\S]*still-serving\n$/);
  });

  it('takes RSA keys of 3072 bits with SHA-2 signatures and ecdsa keys, and refuses SHA-1 signatures', async () => {
    const rsa = client.key('alice-rsa', 'rsa', 3072);
    const ecdsa = client.key('alice-ecdsa', 'ecdsa');
    await addKey(alice, rsa);
    await addKey(alice, ecdsa);
    expect((await client.ssh(rsa, 'alice', ['echo rsa'])).stdout).toBe('rsa\n');
    expect((await client.ssh(ecdsa, 'alice', ['echo ecdsa'])).stdout).toBe('ecdsa\n');
    const sha1 = await client.ssh(rsa, 'alice', ['-o', 'PubkeyAcceptedAlgorithms=ssh-rsa', 'echo sha1']);
    expect(sha1.status).toBe(255);
    expect(sha1.stdout).toBe('');
  });

  it("refuses a forged signature: another key type's algorithm name with garbage, or SHA-1 under any algorithm name", async () => {
    const forged = (over: Record<string, unknown>) =>
      run(process.execPath, [path.join(import.meta.dirname, 'support/forged-sign-in.cjs'), JSON.stringify({ port: client.port, username: 'alice', ...over })]);
    // bob knows alice's public key only, and names rsa-sha2-256 (a hash her ed25519 key cannot take).
    for (const algo of ['rsa-sha2-256', 'rsa-sha2-512', 'ssh-ed25519', 'ecdsa-sha2-nistp256']) {
      const ran = await forged({ publicKey: aliceKey.publicKey, privateKeyFile: bobKey.file, algo, sign: 'garbage' });
      expect(ran.stdout, algo).toMatch(/^refused: All configured authentication methods failed/);
    }
    // alice's own RSA key, signing with SHA-1 under names other than ssh-rsa.
    const rsa = client.key('alice-rsa-sha1', 'rsa', 2048);
    await addKey(alice, rsa);
    for (const algo of ['x', 'ssh-ed25519', 'rsa-sha2-256', 'ssh-rsa']) {
      const ran = await forged({ publicKey: rsa.publicKey, privateKeyFile: rsa.file, algo, sign: 'sha1' });
      expect(ran.stdout, algo).toMatch(/^refused: /);
    }
  });

  it('refuses what is not an acceptable public key, a key someone has already, another user\'s key id, and tokens without ssh-keys:write', async () => {
    const weak = client.key('weak', 'rsa', 1024);
    const refusals: Array<[unknown, number, string]> = [
      [{ publicKey: 'ssh-ed25519 AAAA' }, 400, 'INVALID_SSH_KEY'],
      [{ publicKey: '-----BEGIN OPENSSH PRIVATE KEY-----\nb3Blbn\n-----END OPENSSH PRIVATE KEY-----' }, 400, 'INVALID_SSH_KEY'],
      [{ publicKey: weak.publicKey }, 400, 'INVALID_SSH_KEY'],
      [{ publicKey: 'ssh-dss AAAAB3NzaC1kc3M=' }, 400, 'INVALID_SSH_KEY'],
      [{ publicKey: aliceKey.publicKey }, 409, 'SSH_KEY_IN_USE'],
      [{ publicKey: aliceKey.publicKey, extra: 1 }, 400, 'VALIDATION_FAILED'],
    ];
    for (const [body, status, code] of refusals) {
      const answer = await t.api<{ error: { code: string; message: string } }>(bob, 'POST', '/api/ssh-keys', body);
      expect([answer.status, answer.body.error.code], JSON.stringify(body)).toEqual([status, code]);
      expect(answer.body.error.message).not.toMatch(/at .*\.js|Error:/);
    }
    const weakAnswer = await t.api<{ error: { message: string } }>(bob, 'POST', '/api/ssh-keys', { publicKey: weak.publicKey });
    expect(weakAnswer.body.error.message).toMatch(/at least 2048 bits; this one has 1024/);
    const aliceKeys = (await t.api<Key[]>(alice, 'GET', '/api/ssh-keys')).body;
    expect((await t.api(bob, 'DELETE', `/api/ssh-keys/${aliceKeys[0]!.id}`)).status).toBe(404);
    expect((await t.api<Key[]>(alice, 'GET', '/api/ssh-keys')).body.map((k) => k.id)).toEqual(aliceKeys.map((k) => k.id));
    const readOnly = (await t.api<{ token: string }>(alice, 'POST', '/api/tokens', { name: 'ro', scopes: ['sandboxes:read'] })).body.token;
    expect((await t.api(readOnly, 'GET', '/api/ssh-keys')).status).toBe(403);
    expect((await t.api(readOnly, 'POST', '/api/ssh-keys', { publicKey: client.key('x').publicKey })).status).toBe(403);
    expect((await t.api(null, 'GET', '/api/ssh')).status).toBe(401);
  });

  it('records each connection, with its key, and when the key was last used', async () => {
    const fingerprint = (await t.api<Key[]>(alice, 'GET', '/api/ssh-keys')).body[0]!;
    expect(fingerprint.lastUsedAt).not.toBeNull();
    const audit = await t.api<{ entries: Array<{ action: string; actor: string; result: string; details: { key?: string } }> }>(t.adminToken, 'GET', '/api/audit?action=ssh.connect&limit=50');
    const mine = audit.body.entries.filter((e) => e.actor === 'alice' && e.result === 'ok');
    expect(mine.length).toBeGreaterThan(0);
    expect(mine.every((e) => e.details.key === fingerprint.fingerprint || e.details.key?.startsWith('SHA256:'))).toBe(true);
    await waitFor(async () => (await t.api<{ entries: unknown[] }>(t.adminToken, 'GET', '/api/audit?action=ssh.disconnect&limit=5')).body.entries.length > 0, {
      timeoutMs: 10_000,
      what: 'an ssh.disconnect entry',
    });
  });

  it('refuses a removed key and ends the session it had open', async () => {
    const laptop = client.key('laptop');
    const added = await addKey(alice, laptop, 'laptop');
    const open = client.spawnSsh(laptop, 'alice', ['echo started; sleep 120']);
    let out = '';
    open.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    const ended = new Promise<number | null>((resolve) => open.on('close', (code) => resolve(code)));
    await waitFor(() => out.includes('started'), { timeoutMs: 20_000, what: 'the session to start' });
    const before = Date.now();
    expect((await t.api(alice, 'DELETE', `/api/ssh-keys/${added.id}`)).status).toBe(204);
    expect(await ended).toBe(255);
    expect(Date.now() - before).toBeLessThan(10_000);
    const again = await client.ssh(laptop, 'alice', ['true']);
    expect(again.status).toBe(255);
    expect(again.stderr).toMatch(/Permission denied \(publickey\)/);
    // The session's process was hung up with it, not left running in the sandbox.
    const processes = `for p in /proc/[0-9]*; do tr '\\0' ' ' < $p/cmdline 2>/dev/null; echo; done`;
    await waitFor(async () => !(await client.ssh(aliceKey, 'alice', [processes])).stdout.includes('sleep 120'), { timeoutMs: 10_000, what: 'the session\'s sleep to end' });
  });

  it("ends the sessions into a sandbox that stops, and then says it is stopped", async () => {
    const open = client.spawnSsh(bobKey, 'bob', ['echo started; sleep 120']);
    let out = '';
    open.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    const ended = new Promise<number | null>((resolve) => open.on('close', (code) => resolve(code)));
    await waitFor(() => out.includes('started'), { timeoutMs: 20_000, what: 'the session to start' });
    expect((await t.api(bob, 'DELETE', `/api/sandboxes/${bobSandbox}`)).status).toBe(200);
    expect(await ended).toBe(255);
    const after = await client.ssh(bobKey, 'bob.main', ['true']);
    expect(after.status).toBe(1);
    expect(after.stderr).toBe('sandbox main is stopped: start it on the dashboard or with shiva launch main\n');
  });

  it('is refused by a client that knows another host key, and keeps its own across a restart of the hub, which records the end of a session it cut', async () => {
    const other = client.key('not-the-host');
    const wrongKnown = path.join(client.dir, 'wrong_known_hosts');
    writeFileSync(wrongKnown, `[127.0.0.1]:${client.port} ${other.publicKey.split(' ').slice(0, 2).join(' ')}\n`);
    const refused = await run('ssh', [...client.options(aliceKey, { knownHosts: wrongKnown }), 'alice@127.0.0.1', 'echo should-not-run']);
    expect(refused.status).toBe(255);
    expect(refused.stderr).toMatch(/REMOTE HOST IDENTIFICATION HAS CHANGED|Host key verification failed/);
    expect(refused.stdout).toBe('');

    // A session open while the hub stops: its end is written before the database closes, not lost.
    const open = client.spawnSsh(aliceKey, 'alice', ['echo started; sleep 600']);
    await new Promise<void>((resolve) => open.stdout!.on('data', (d: Buffer) => d.toString().includes('started') && resolve()));
    const disconnects = async () =>
      (await t.api<{ entries: unknown[] }>(t.adminToken, 'GET', '/api/audit?action=ssh.disconnect&actor=alice&limit=999')).body.entries.length;
    const endedBefore = await disconnects();

    const before = (await t.api<{ hostKey: { fingerprint: string } }>(alice, 'GET', '/api/ssh')).body.hostKey.fingerprint;
    await t.close({ keepData: true });
    open.kill();
    t = await startTestHub({ dataDir, config: { ssh: { port: client.port }, sandboxes: { adminAccess: true } } });
    alice = await t.user('alice');
    expect((await t.api<{ hostKey: { fingerprint: string } }>(alice, 'GET', '/api/ssh')).body.hostKey.fingerprint).toBe(before);
    expect(await disconnects()).toBe(endedBefore + 1);
    // The same known_hosts still holds, and alice's sandbox came back with the hub.
    await waitFor(async () => (await client.ssh(aliceKey, 'alice', ['echo back'])).stdout === 'back\n', { timeoutMs: 60_000, what: 'a session after the restart' });
  });

  it("lets an admin's key into another's sandbox only with adminAccess, audited as such and shown in the owner's events", async () => {
    // The hub runs with sandboxes.adminAccess: true since the restart above.
    const entered = await client.ssh(adminKey, 'alice', ['id -u; echo $HOME']);
    expect(entered.status).toBe(0);
    const audit = await t.api<{ entries: Array<{ actor: string; target: string; details: { asAdmin?: boolean } }> }>(t.adminToken, 'GET', '/api/audit?action=ssh.connect&actor=admin&limit=5');
    expect(audit.body.entries[0]).toMatchObject({ actor: 'admin', target: 'alice', details: { asAdmin: true } });
    const sandboxes = await t.api<{ items: Array<{ id: string; name: string }> }>(alice, 'GET', '/api/sandboxes');
    const id = sandboxes.body.items.find((b) => b.name === 'main')!.id;
    await waitFor(
      async () => (await (await fetch(`${t.url}/api/sandboxes/${id}/events`, { headers: { authorization: `Bearer ${alice}` } })).text()).includes('The admin admin opened this sandbox over SSH.'),
      { timeoutMs: 10_000, what: "the admin's entry in alice's events" },
    );
  });

  it('locks out a user name at an address after 10 failed connections, as web sign-ins, even for the right key', async () => {
    const carol = await t.user('carol');
    const carolKey = client.key('carol');
    await addKey(carol, carolKey);
    await launch(carol, 'main');
    for (let i = 0; i < 10; i++) expect((await client.ssh(bobKey, 'carol', ['true'])).status).toBe(255);
    const locked = await client.ssh(carolKey, 'carol', ['echo in']);
    expect(locked.status).toBe(255);
    expect(locked.stdout).toBe('');
    const metrics = await (await fetch(`${t.url}/metrics`, { headers: { authorization: `Bearer ${t.adminToken}` } })).text();
    expect(Number(/^shiva_ssh_auth_failures_total\{reason="rate_limited"\} (\d+)/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(1);
    // Others at the same address are not locked out of their own accounts.
    expect((await client.ssh(aliceKey, 'alice', ['echo in'])).stdout).toBe('in\n');
  });
});
