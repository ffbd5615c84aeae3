/**
 * The SSH gateway with the real OpenSSH client, a real hub and real sandboxes (the notebook
 * image): commands with their exit status and stderr apart, a terminal that follows its window,
 * scp in both modes, sftp, rsync, ssh -L and -D into the sandbox's own loopback, -R refused, and
 * VS Code Remote-SSH's sequence (bash without a terminal fed a script, then forwarding to the
 * server it started), replayed with OpenSSH.
 */
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeDocker, NOTEBOOK_IMAGE } from './support/docker.js';
import { freePort, startTestHub, type TestHub } from './support/hub.js';
import { run } from './support/process.js';
import { rshOf, sshClient, type SshClient, type SshKeyPair } from './support/ssh-client.js';
import { waitFor, waitForState } from './support/wait.js';

interface Me {
  user: { uid: number | null; gid: number | null };
}

describeDocker('the SSH gateway with OpenSSH', [NOTEBOOK_IMAGE], () => {
  let t: TestHub;
  let client: SshClient;
  let aliceKey: SshKeyPair;
  let aliceUid: number;
  let home: string;
  let aliceToken: string;
  let sandboxId: string;

  beforeAll(async () => {
    t = await startTestHub({ config: { ssh: { port: 0 }, sandboxes: { defaults: { cpus: 1, memoryGiB: 1 }, readinessTimeoutSeconds: 60 } } });
    const alice = await t.user('alice');
    client = await sshClient(t, alice);
    aliceKey = client.key('alice');
    expect((await t.api(alice, 'POST', '/api/ssh-keys', { publicKey: aliceKey.publicKey })).status).toBe(201);
    aliceUid = (await t.api<Me>(alice, 'GET', '/api/me')).body.user.uid!;
    const launched = await t.api<{ id: string }>(alice, 'POST', '/api/sandboxes', { name: 'main', image: 'notebook' });
    await waitForState(t, alice, launched.body.id, 'running');
    home = path.join(t.dataDir, 'homes', 'alice');
    aliceToken = alice;
    sandboxId = launched.body.id;
  }, 180_000);

  afterAll(async () => {
    client?.close();
    await t?.close();
  }, 60_000);

  it('runs a command: its stdout, its stderr apart, its exit status, and its input to the end; the sandbox counts it as use', async () => {
    const lastActivity = async () => Date.parse((await t.api<{ lastActivityAt: string }>(aliceToken, 'GET', `/api/sandboxes/${sandboxId}`)).body.lastActivityAt);
    const before = Date.now();
    const ran = await client.ssh(aliceKey, 'alice', ['echo $((6*7)); echo to-stderr >&2; exit 3']);
    expect(ran.stdout).toBe('42\n');
    expect(ran.stderr).toBe('to-stderr\n');
    expect(ran.status).toBe(3);
    expect(await lastActivity()).toBeGreaterThanOrEqual(before);
    const counted = await client.ssh(aliceKey, 'alice', ['wc -c'], 'x'.repeat(100_000));
    expect(counted.stdout.trim()).toBe('100000');
    expect(counted.status).toBe(0);
    // The same sandbox by its name, with the client's LANG and not its other variables, as the
    // sandbox's user in the home.
    const named = await run('ssh', [...client.options(aliceKey), '-o', 'SendEnv=LANG SHIVA_TEST_X', 'alice.main@127.0.0.1', 'echo "$LANG|$SHIVA_TEST_X|$(id -u)|$PWD"'], {
      env: { ...process.env, LANG: 'POSIX', SHIVA_TEST_X: 'not-for-the-sandbox' },
    });
    expect(named.stdout.trim()).toBe(`POSIX||${aliceUid}|/home/shiva`);
  });

  it('gives a terminal of the client\'s size that follows its window', async () => {
    // A terminal of 100x30 made by script(1); ssh -tt sends its size, then a SIGWINCH after stty
    // makes it 120x40, which the command in the sandbox sees. (ssh runs in the background of a
    // shell without job control, whose background input is /dev/null unless given the terminal.)
    const inner = [
      'stty cols 100 rows 30;',
      `ssh -tt ${client.options(aliceKey).map((o) => `'${o}'`).join(' ')} alice@127.0.0.1 'stty size; echo TERM=$TERM; sleep 3; stty size' </dev/tty &`,
      'pid=$!; sleep 1.5; stty cols 120 rows 40; kill -WINCH $pid; wait $pid',
    ].join(' ');
    const ran = await run('script', ['-qec', inner, '/dev/null'], { env: { ...process.env, TERM: 'xterm-256color' } });
    // (script(1) passes the end of its own input to the terminal, which the sandbox's echoes as ^@.)
    const text = ran.stdout.replace(/\r/g, '').replace(/\^@/g, '');
    expect(text).toMatch(/^30 100$/m);
    expect(text).toMatch(/^TERM=xterm-256color$/m);
    expect(text).toMatch(/^40 120$/m);
  });

  it('takes input typed before the shell is up, without showing the hub\'s own start-up line', async () => {
    for (let i = 0; i < 5; i++) {
      const typed = await run('ssh', [...client.options(aliceKey), '-tt', 'alice@127.0.0.1'], { input: `echo typed-ahead-${i}\nexit 4\n` });
      expect(typed.stdout).toContain(`typed-ahead-${i}`);
      expect(typed.stdout).not.toContain('shiva-exec-pid');
      expect(typed.status).toBe(4);
    }
  });

  it('copies files with scp in both its modes, and with sftp, into the home as its owner', async () => {
    const local = path.join(client.dir, 'data.bin');
    const bytes = Buffer.alloc(3 * 1024 * 1024 + 17, 7);
    writeFileSync(local, bytes);
    for (const mode of [[], ['-O']]) {
      const name = `scp${mode.length ? '-legacy' : ''}.bin`;
      const up = await run('scp', [...mode, ...client.options(aliceKey), local, `alice@127.0.0.1:${name}`]);
      expect(up.stderr).toBe('');
      expect(up.status).toBe(0);
      expect(statSync(path.join(home, name)).uid).toBe(aliceUid);
      expect(readFileSync(path.join(home, name)).equals(bytes)).toBe(true);
      const back = path.join(client.dir, `back-${name}`);
      const down = await run('scp', [...mode, ...client.options(aliceKey), `alice@127.0.0.1:${name}`, back]);
      expect(down.status).toBe(0);
      expect(readFileSync(back).equals(bytes)).toBe(true);
    }
    const batch = path.join(client.dir, 'batch');
    writeFileSync(batch, [`put ${local} via-sftp.bin`, 'ls -l via-sftp.bin', `get via-sftp.bin ${path.join(client.dir, 'got.bin')}`, 'rm via-sftp.bin', 'ls'].join('\n'));
    const sftp = await run('sftp', [...client.options(aliceKey), '-b', batch, 'alice@127.0.0.1']);
    expect(sftp.status).toBe(0);
    expect(sftp.stdout).toMatch(/via-sftp\.bin/);
    expect(readFileSync(path.join(client.dir, 'got.bin')).equals(bytes)).toBe(true);
    expect(() => statSync(path.join(home, 'via-sftp.bin'))).toThrow();
  });

  it('syncs a tree with rsync over ssh, and again only what changed', async () => {
    const tree = path.join(client.dir, 'tree');
    mkdirSync(path.join(tree, 'a', 'b'), { recursive: true });
    for (let i = 0; i < 20; i++) writeFileSync(path.join(tree, 'a', i % 2 ? 'b' : '', `f${i}.txt`), `file ${i}\n`.repeat(100));
    const sync = () => run('rsync', ['-a', '--stats', '-e', rshOf(client, aliceKey), `${tree}/`, 'alice@127.0.0.1:tree/']);
    const first = await sync();
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    expect(first.stdout).toMatch(/Number of regular files transferred: 20/);
    expect(readFileSync(path.join(home, 'tree', 'a', 'b', 'f1.txt'), 'utf8')).toBe('file 1\n'.repeat(100));
    expect(statSync(path.join(home, 'tree', 'a', 'b', 'f1.txt')).uid).toBe(aliceUid);
    writeFileSync(path.join(tree, 'a', 'f0.txt'), 'changed\n');
    expect((await sync()).stdout).toMatch(/Number of regular files transferred: 1\b/);
  });

  it('forwards ssh -L to a server bound to the sandbox\'s own 127.0.0.1, and refuses -R with a clear word', async () => {
    const started = await client.ssh(aliceKey, 'alice', ['mkdir -p served && echo inside-the-sandbox > served/hello.txt && cd served && (nohup python3 -m http.server 8765 --bind 127.0.0.1 >/dev/null 2>&1 &) && sleep 1']);
    expect(started.status).toBe(0);
    const local = await freePort();
    const tunnel = client.spawnSsh(aliceKey, 'alice', ['-N', '-o', 'ExitOnForwardFailure=yes', '-L', `${local}:localhost:8765`]);
    try {
      const body = await fetchWhenUp(`http://127.0.0.1:${local}/hello.txt`);
      expect(body).toBe('inside-the-sandbox\n');
      // A second connection through the same tunnel: each is its own relay.
      expect(await (await fetch(`http://127.0.0.1:${local}/hello.txt`)).text()).toBe('inside-the-sandbox\n');
    } finally {
      tunnel.kill();
    }
    const remote = await client.ssh(aliceKey, 'alice', ['-o', 'ExitOnForwardFailure=yes', '-R', '0:localhost:22', 'true']);
    expect(remote.status).toBe(255);
    expect(remote.stderr).toMatch(/remote port forwarding failed/);
    // Only the sandbox's own loopback: another host is refused by the gateway.
    const other = await freePort();
    // (OpenSSH says why a channel did not open at its INFO level.)
    const elsewhere = client.spawnSsh(aliceKey, 'alice', ['-N', '-L', `${other}:172.17.0.1:2375`], { logLevel: 'INFO' });
    try {
      await waitFor(() => portOpen(other), { timeoutMs: 20_000, what: 'the -L listener' });
      const refused = await new Promise<string>((resolve) => {
        let stderr = '';
        elsewhere.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
        const socket = net.connect(other, '127.0.0.1');
        socket.on('error', () => undefined);
        socket.on('close', () => setTimeout(() => resolve(stderr), 200));
      });
      expect(refused).toMatch(/open failed: connect failed/);
    } finally {
      elsewhere.kill();
    }
  });

  it("works through VS Code Remote-SSH's sequence: bash without a terminal runs the install script from stdin, then -D and -L reach the server it started", async () => {
    const script = [
      'set -e',
      'command -v tar curl >/dev/null',
      'mkdir -p ~/.vscode-server-test && cd ~/.vscode-server-test',
      'echo vscode-server-ok > index.html',
      '(nohup python3 -m http.server 8766 --bind 127.0.0.1 >/dev/null 2>&1 &)',
      'for i in $(seq 50); do python3 -c "import socket; socket.create_connection((\'127.0.0.1\', 8766))" 2>/dev/null && break; sleep 0.1; done',
      'echo "listeningOn==8766=="',
      'echo "exitCode==0=="',
    ].join('\n');
    const install = await client.ssh(aliceKey, 'alice', ['-T', '-o', 'RemoteCommand=none', 'bash'], `${script}\n`);
    expect(install.status).toBe(0);
    const port = Number(/listeningOn==(\d+)==/.exec(install.stdout)?.[1]);
    expect(port).toBe(8766);
    const socks = await freePort();
    const local = await freePort();
    const tunnel = client.spawnSsh(aliceKey, 'alice', ['-N', '-T', '-D', String(socks), '-L', `${local}:127.0.0.1:${port}`]);
    try {
      expect(await fetchWhenUp(`http://127.0.0.1:${local}/index.html`)).toBe('vscode-server-ok\n');
      const viaSocks = await run('curl', ['-s', '--socks5-hostname', `127.0.0.1:${socks}`, `http://127.0.0.1:${port}/index.html`]);
      expect(viaSocks.stdout).toBe('vscode-server-ok\n');
    } finally {
      tunnel.kill();
    }
  });
});

async function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** The body at `url`, once the forwarding listener is up (the client opens it after signing in). */
async function fetchWhenUp(url: string): Promise<string> {
  let body = '';
  await waitFor(
    async () => {
      try {
        body = await (await fetch(url, { signal: AbortSignal.timeout(5000) })).text();
        return true;
      } catch {
        return false;
      }
    },
    { timeoutMs: 30_000, what: url },
  );
  return body;
}
