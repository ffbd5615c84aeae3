/**
 * The SSH gateway under load, with the real OpenSSH client: a gigabyte through `cat` in the
 * sandbox (both ways at once) with the hub's memory bounded, since every hop waits for the next
 * to drain; and fifty sessions at once. The hub runs in this process, so its resident memory is
 * this process's.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeDocker, TINY_IMAGE } from './support/docker.js';
import { startTestHub, type TestHub } from './support/hub.js';
import { run } from './support/process.js';
import { sshClient, type SshClient, type SshKeyPair } from './support/ssh-client.js';
import { waitFor, waitForState } from './support/wait.js';

const GIB = 1024 * 1024 * 1024;
const MIB = 1024 * 1024;

describeDocker('the SSH gateway under load', [TINY_IMAGE], () => {
  let t: TestHub;
  let client: SshClient;
  let key: SshKeyPair;

  beforeAll(async () => {
    t = await startTestHub({ config: { ssh: { port: 0 } } });
    const alice = await t.user('alice');
    client = await sshClient(t, alice);
    key = client.key('alice');
    expect((await t.api(alice, 'POST', '/api/ssh-keys', { publicKey: key.publicKey })).status).toBe(201);
    const launched = await t.api<{ id: string }>(alice, 'POST', '/api/sandboxes', { name: 'main' });
    await waitForState(t, alice, launched.body.id, 'running');
  }, 180_000);

  afterAll(async () => {
    client?.close();
    await t?.close();
  }, 60_000);

  it('carries 1 GiB through cat in the sandbox and back, every byte, with the hub growing by less than 200 MiB', async () => {
    global.gc?.();
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
    const started = performance.now();
    const counted = await new Promise<{ bytes: number; status: number | null }>((resolve) => {
      // head -c 1G /dev/zero | ssh alice cat | wc -c, with Node as wc.
      const ssh = spawn('sh', ['-c', `head -c ${GIB} /dev/zero | ssh ${client.options(key).map((o) => `'${o}'`).join(' ')} alice@127.0.0.1 cat`], { stdio: ['ignore', 'pipe', 'inherit'] });
      let bytes = 0;
      ssh.stdout.on('data', (c: Buffer) => (bytes += c.length));
      ssh.on('close', (status) => resolve({ bytes, status }));
    });
    clearInterval(sampler);
    const seconds = (performance.now() - started) / 1000;
    console.log(`1 GiB through ssh cat: ${seconds.toFixed(1)} s (${(GIB / MIB / seconds).toFixed(0)} MiB/s each way); hub process RSS ${(before / MIB).toFixed(0)} MiB before, ${(peak / MIB).toFixed(0)} MiB at most`);
    expect(counted).toEqual({ bytes: GIB, status: 0 });
    expect(peak - before).toBeLessThan(200 * MIB);
  }, 300_000);

  it('serves 50 sessions at once, each with its own output and exit status', async () => {
    const sessions = Array.from({ length: 50 }, (_, i) => client.ssh(key, 'alice', [`sleep 1; echo session-${i}; exit ${i % 7}`], undefined, 120_000));
    const ended = await Promise.all(sessions);
    ended.forEach((s, i) => {
      expect(s.stdout, s.stderr).toBe(`session-${i}\n`);
      expect(s.status).toBe(i % 7);
    });
    console.log(`50 sessions: hub process RSS ${(process.memoryUsage().rss / MIB).toFixed(0)} MiB after`);
  }, 180_000);

  it('lets go of everything a session held when its client goes away mid-command: the process, the engine connections, the gauge', async () => {
    const gauge = async () => {
      const metrics = await (await fetch(`${t.url}/metrics`, { headers: { authorization: `Bearer ${t.adminToken}` } })).text();
      return Number(/^shiva_ssh_sessions (\d+)/m.exec(metrics)?.[1]);
    };
    await waitFor(async () => (await gauge()) === 0, { timeoutMs: 20_000, what: 'no session open' });
    const descriptors = () => readdirSync('/proc/self/fd').length;
    const before = descriptors();
    for (let round = 0; round < 2; round++) {
      const clients = Array.from({ length: 10 }, () => client.spawnSsh(key, 'alice', ['echo started; sleep 600']));
      await Promise.all(clients.map((c) => new Promise<void>((resolve) => c.stdout!.once('data', () => resolve()))));
      // In the second round the clients also send input the command never reads: it sits in the
      // channel, which then never sees its own close.
      if (round === 1) {
        for (const c of clients) {
          c.stdin!.on('error', () => undefined);
          c.stdin!.write(Buffer.alloc(4 * 1024 * 1024));
        }
      }
      expect(await gauge()).toBe(10);
      for (const c of clients) c.kill('SIGKILL');
      await waitFor(async () => (await gauge()) === 0, { timeoutMs: 20_000, what: 'the sessions to be counted closed' });
    }
    const processes = `for p in /proc/[0-9]*; do tr '\\0' ' ' < $p/cmdline 2>/dev/null; echo; done`;
    await waitFor(async () => !(await client.ssh(key, 'alice', [processes])).stdout.includes('sleep 600'), { timeoutMs: 20_000, what: 'the sleeps to be hung up' });
    // Twenty sessions came and went; what stays open is not theirs (a few sockets of the engine's keep-alive pool).
    await waitFor(() => descriptors() <= before + 5, { timeoutMs: 20_000, what: `descriptors back near ${before} (now ${descriptors()})` });
  }, 120_000);

  it('keeps silent sockets from one address from shutting out the others', async () => {
    // 65 sockets from 127.0.0.2 that never send a byte: 64 may wait to sign in, the 65th is cut.
    const silent = await Promise.all(
      Array.from({ length: 65 }, () => new Promise<net.Socket>((resolve) => {
        const socket = net.connect({ host: '127.0.0.1', port: client.port, localAddress: '127.0.0.2' }, () => resolve(socket));
        socket.on('error', () => undefined);
      })),
    );
    try {
      await waitFor(() => silent.filter((s) => s.destroyed || s.readableEnded).length === 1, { timeoutMs: 10_000, what: 'one silent socket cut' });
      expect((await client.ssh(key, 'alice', ['echo in'])).stdout).toBe('in\n');
      const metrics = await (await fetch(`${t.url}/metrics`, { headers: { authorization: `Bearer ${t.adminToken}` } })).text();
      expect(Number(/^shiva_ssh_auth_failures_total\{reason="too_many_waiting"\} (\d+)/m.exec(metrics)?.[1])).toBe(1);
    } finally {
      for (const s of silent) s.destroy();
    }
  });

  it('gives one connection at most 10 sessions at once, as OpenSSH\'s MaxSessions, and more once some end', async () => {
    const socket = path.join(client.dir, 'control');
    const master = client.spawnSsh(key, 'alice', ['-N', '-o', 'ControlMaster=yes', '-o', `ControlPath=${socket}`]);
    try {
      await waitFor(() => existsSync(socket), { timeoutMs: 20_000, what: 'the control socket' });
      const over = (i: number) => run('ssh', ['-F', '/dev/null', '-o', `ControlPath=${socket}`, '-o', 'ControlMaster=no', '-o', 'LogLevel=ERROR', 'alice@127.0.0.1', `sleep 2; echo s${i}`]);
      const ended = await Promise.all(Array.from({ length: 12 }, (_, i) => over(i)));
      expect(ended.filter((e) => e.status === 0)).toHaveLength(10);
      expect(ended.filter((e) => e.status !== 0).every((e) => /Session open refused by peer/.test(e.stderr))).toBe(true);
      expect((await over(99)).stdout).toBe('s99\n');
    } finally {
      master.kill();
    }
  }, 120_000);
});
