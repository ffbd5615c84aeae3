/**
 * What the SSH gateway costs against the engine's own door, on the real engine, with the hub as
 * its own process (`shiva serve`) and the real OpenSSH client. Prints, with medians:
 *
 * - time from starting `ssh -tt` to the shell's first prompt, against `docker exec -it … bash -l`
 *   of the same container (both under script(1), so both get a terminal; RUNS_PROMPT each);
 * - a 1 GiB file copied in with scp through the gateway, against `docker cp` of the same file
 *   (RUNS_COPY each);
 * - the hub's resident memory before, and with 50 SSH sessions open at once.
 *
 *   npm run bench:ssh
 *
 * Needs the notebook image (scripts/build-images.sh notebook) and Docker; takes about 3 minutes.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../test/support/hub.js';
import { createAdminToken } from '../test/support/hub-api.js';
import { run, spawnHub, waitForHealth } from '../test/support/process.js';

const RUNS_PROMPT = 10;
const RUNS_COPY = 3;
const SESSIONS = 50;
const MIB = 1024 * 1024;
const GIB = 1024 * MIB;
const PASSWORD = 'bench-admin-password';

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const ms = (v: number) => `${v.toFixed(0)} ms`;

/** Milliseconds from starting `command` (under script(1), with a terminal) to a prompt ending in "$ ". */
function timeToPrompt(command: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn('script', ['-qfc', command, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let seen = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no prompt from ${command}: ${seen}`));
    }, 30_000);
    child.stdout.on('data', (c: Buffer) => {
      seen += c.toString();
      if (/\$ $/.test(seen)) {
        const took = performance.now() - started;
        clearTimeout(timer);
        child.stdin.write('exit\n');
        child.once('close', () => resolve(took));
        setTimeout(() => child.kill('SIGKILL'), 5000).unref();
      }
    });
  });
}

async function api<T>(url: string, token: string, method: string, urlPath: string, body?: unknown): Promise<T> {
  const res = await fetch(`${url}${urlPath}`, {
    method,
    headers: { authorization: token.startsWith('Basic ') ? token : `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  if (!res.ok) throw new Error(`${method} ${urlPath}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

const rssOf = (pid: number): number => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'shiva-bench-ssh-'));
  const [port, sshPort] = [await freePort(), await freePort()];
  const config = path.join(dir, 'shiva.yaml');
  writeFileSync(
    config,
    [
      `hub: { host: 127.0.0.1, port: ${port} }`,
      `ssh: { port: ${sshPort} }`,
      'images: { default: notebook, catalogue: [{ name: notebook, image: "shiva/notebook:latest" }] }',
      'sandboxes: { defaults: { cpus: 1, memoryGiB: 2 } }',
      'log: { level: warn }',
    ].join('\n'),
  );
  const hub = spawnHub({ SHIVA_CONFIG: config, SHIVA_DATA_DIR: path.join(dir, 'data'), SHIVA_ADMIN_PASSWORD: PASSWORD });
  const url = `http://127.0.0.1:${port}`;
  const open: ChildProcess[] = [];
  let container = '';
  try {
    await waitForHealth(hub, url, 60_000);
    const admin = await createAdminToken(url, PASSWORD, 'bench');
    await api(url, admin, 'POST', '/api/users', { username: 'alice', password: 'alice-bench-password' });
    const alice = (await api<{ token: string }>(url, `Basic ${Buffer.from('alice:alice-bench-password').toString('base64')}`, 'POST', '/api/tokens', { name: 'bench' })).token;
    const keyFile = path.join(dir, 'id_ed25519');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', keyFile]);
    await api(url, alice, 'POST', '/api/ssh-keys', { publicKey: readFileSync(`${keyFile}.pub`, 'utf8') });
    const hostKey = (await api<{ hostKey: { publicKey: string } }>(url, alice, 'GET', '/api/ssh')).hostKey.publicKey;
    const known = path.join(dir, 'known_hosts');
    writeFileSync(known, `[127.0.0.1]:${sshPort} ${hostKey}\n`);
    const options = ['-F', '/dev/null', '-o', `Port=${sshPort}`, '-i', keyFile, '-o', 'IdentitiesOnly=yes', '-o', 'IdentityAgent=none', '-o', 'BatchMode=yes', '-o', `UserKnownHostsFile=${known}`, '-o', 'LogLevel=ERROR'];
    const launched = await api<{ id: string }>(url, alice, 'POST', '/api/sandboxes', { name: 'main' });
    for (let i = 0; ; i++) {
      const s = await api<{ state: string }>(url, alice, 'GET', `/api/sandboxes/${launched.id}`);
      if (s.state === 'running') break;
      if (i > 600) throw new Error(`the sandbox is ${s.state}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    container = execFileSync('docker', ['ps', '-q', '--filter', `label=org.shiva.sandbox=${launched.id}`], { encoding: 'utf8' }).trim();
    const user = execFileSync('docker', ['inspect', '-f', '{{.Config.User}}', container], { encoding: 'utf8' }).trim();
    console.log(`engine ${execFileSync('docker', ['version', '-f', '{{.Server.Version}}'], { encoding: 'utf8' }).trim()}; hub pid ${hub.child.pid}; ${os.cpus().length} CPUs\n`);

    const ssh = `ssh -tt ${options.join(' ')} alice@127.0.0.1`;
    const dockerExec = `docker exec -it -u ${user} -w /home/shiva ${container} bash -l`;
    const viaSsh: number[] = [];
    const viaDocker: number[] = [];
    for (let i = 0; i < RUNS_PROMPT; i++) {
      viaSsh.push(await timeToPrompt(ssh));
      viaDocker.push(await timeToPrompt(dockerExec));
    }
    console.log(`first prompt (median of ${RUNS_PROMPT}): ssh through the gateway ${ms(median(viaSsh))}, docker exec -it ${ms(median(viaDocker))}, ratio ${(median(viaSsh) / median(viaDocker)).toFixed(2)}`);

    const file = path.join(dir, 'one-gib.bin');
    execFileSync('sh', ['-c', `head -c ${GIB} /dev/urandom > '${file}'`]);
    const scpTimes: number[] = [];
    const cpTimes: number[] = [];
    for (let i = 0; i < RUNS_COPY; i++) {
      let started = performance.now();
      const scp = await run('scp', [...options, file, 'alice@127.0.0.1:bench-scp.bin'], { timeoutMs: 600_000 });
      if (scp.status !== 0) throw new Error(`scp: ${scp.stderr}`);
      scpTimes.push(performance.now() - started);
      started = performance.now();
      const cp = await run('docker', ['cp', file, `${container}:/home/shiva/bench-cp.bin`], { timeoutMs: 600_000 });
      if (cp.status !== 0) throw new Error(`docker cp: ${cp.stderr}`);
      cpTimes.push(performance.now() - started);
    }
    const rate = (t: number) => `${(GIB / MIB / (t / 1000)).toFixed(0)} MiB/s`;
    console.log(`1 GiB in (median of ${RUNS_COPY}): scp ${rate(median(scpTimes))} (${ms(median(scpTimes))}), docker cp ${rate(median(cpTimes))} (${ms(median(cpTimes))}), ratio ${(median(scpTimes) / median(cpTimes)).toFixed(2)}`);
    rmSync(file);

    const idle = rssOf(hub.child.pid!);
    for (let i = 0; i < SESSIONS; i++) open.push(spawn('ssh', [...options, 'alice@127.0.0.1', 'sleep 60'], { stdio: 'ignore' }));
    for (let i = 0; ; i++) {
      const metrics = await (await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${admin}` } })).text();
      if (Number(/^shiva_ssh_sessions (\d+)/m.exec(metrics)?.[1]) >= SESSIONS) break;
      if (i > 1200) throw new Error('the sessions did not all open');
      await new Promise((r) => setTimeout(r, 100));
    }
    const busy = rssOf(hub.child.pid!);
    console.log(`hub RSS: ${(idle / MIB).toFixed(0)} MiB with no session, ${(busy / MIB).toFixed(0)} MiB with ${SESSIONS} open (${((busy - idle) / SESSIONS / 1024).toFixed(0)} KiB each)`);
  } finally {
    for (const child of open) child.kill();
    hub.child.kill('SIGTERM');
    await hub.exited;
    if (container) execFileSync('docker', ['rm', '-f', container], { stdio: 'ignore' });
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
