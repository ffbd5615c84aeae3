/**
 * The README's walk-throughs run as written. Every ```sh block that follows the marker
 * `<!-- readme-test: run -->` is run with bash, top to bottom, against a real hub started from
 * the built `dist/` on a free port with a fresh data directory, with the real `shiva` command on
 * PATH and the real notebook image. Only the variables the README documents are set from
 * outside: HUB (the README's default is http://127.0.0.1:8000), SHIVA_ADMIN_PASSWORD, and
 * SHIVA_DATA_DIR for the password-recovery block (`<!-- readme-test: recovery -->`), which runs
 * last because it changes the password the other blocks sign in with.
 */
import { execFile, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeDocker, NOTEBOOK_IMAGE } from './support/docker.js';
import { freePort } from './support/hub.js';
import { kill, waitForHealth, type HubProcess } from './support/process.js';

const root = path.resolve(import.meta.dirname, '..');
const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
const ADMIN_PASSWORD = 'readme-admin-password';
const execFileAsync = promisify(execFile);

/** The ```sh blocks that follow `<!-- readme-test: <kind> -->`, in the README's order. */
function markedBlocks(markdown: string, kind: string): string[] {
  const pattern = new RegExp(`<!-- readme-test: ${kind} -->\\n\`\`\`sh\\n([\\s\\S]*?)\\n\`\`\`\\n`, 'g');
  return [...markdown.matchAll(pattern)].map((m) => m[1]!);
}

interface BlockRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

describe('the README', () => {
  it('marks the curl and the CLI walk-throughs to be run, and one recovery block', () => {
    const run = markedBlocks(readme, 'run');
    expect(run).toHaveLength(2);
    expect(run[0]).toContain('curl ');
    expect(run[1]).toContain('shiva login');
    expect(markedBlocks(readme, 'recovery')).toHaveLength(1);
  });

  it('shows the real default address and says how to set the admin password', () => {
    for (const block of markedBlocks(readme, 'run')) expect(block).toContain('HUB=${HUB:-http://127.0.0.1:8000}');
    expect(readme).toContain('npm ci && npm start ');
    expect(readme).toMatch(/export SHIVA_ADMIN_PASSWORD='[^']+'` before `npm start`/);
    expect(readme).toContain('npm start -- --port');
  });
});

describeDocker('the README, run as written against a fresh hub', [NOTEBOOK_IMAGE], () => {
  let work: string;
  let dataDir: string;
  let hubUrl: string;
  let port: number;
  let hub: HubProcess | undefined;
  let env: NodeJS.ProcessEnv;
  /** A token made before the blocks run, for looking and cleaning up after the password changes. */
  let token = '';

  const runBlock = (block: string, extra: NodeJS.ProcessEnv = {}, input = ''): Promise<BlockRun> =>
    new Promise((resolve) => {
      // -e and pipefail: a failing line fails the block, as it stops a reader.
      const child = spawn('bash', ['-e', '-o', 'pipefail', '-c', block], { cwd: root, env: { ...env, ...extra } });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.stdin.end(input);
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });

  const api = async <T>(token: string, p: string): Promise<T> => {
    const res = await fetch(`${hubUrl}${p}`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status, `${p}: ${res.status}`).toBe(200);
    return (await res.json()) as T;
  };

  const basicSignIn = (password: string) =>
    fetch(`${hubUrl}/api/tokens`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`admin:${password}`).toString('base64')}`, 'content-type': 'application/json' },
      body: '{"name":"readme test"}',
    });

  beforeAll(async () => {
    // The hub and the command as a user gets them: built into dist/ (skipped when up to date).
    await execFileAsync(process.execPath, [path.join(root, 'scripts/build-if-changed.mjs')], { cwd: root });
    work = mkdtempSync(path.join(os.tmpdir(), 'shiva-readme-'));
    dataDir = path.join(work, 'data');
    const bin = path.join(work, 'bin');
    mkdirSync(bin);
    // What `npm link` puts on PATH: a `shiva` that runs this clone's dist/main.js.
    writeFileSync(path.join(bin, 'shiva'), `#!/bin/sh\nexec "${process.execPath}" "${path.join(root, 'dist/main.js')}" "$@"\n`);
    chmodSync(path.join(bin, 'shiva'), 0o755);
    port = await freePort();
    hubUrl = `http://127.0.0.1:${port}`;
    env = {
      PATH: `${bin}:${process.env.PATH ?? ''}`,
      HOME: work,
      XDG_CONFIG_HOME: path.join(work, 'config'),
      HUB: hubUrl,
      SHIVA_ADMIN_PASSWORD: ADMIN_PASSWORD,
    };
    const child = spawn(process.execPath, [path.join(root, 'dist/main.js'), 'serve', '--port', String(port), '--ssh-port', '0'], {
      cwd: work,
      env: { ...process.env, SHIVA_DATA_DIR: dataDir, SHIVA_ADMIN_PASSWORD: ADMIN_PASSWORD, SHIVA_CONFIG: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    hub = { child, output: () => output, exited: new Promise((resolve) => child.on('exit', (code) => resolve(code))) };
    await waitForHealth(hub, hubUrl);
    const signedIn = await basicSignIn(ADMIN_PASSWORD);
    expect(signedIn.status).toBe(201);
    token = ((await signedIn.json()) as { token: string }).token;
  }, 300_000);

  afterAll(async () => {
    if (hub) {
      // The blocks stop what they launch; a failed run may leave a container: remove this hub's only.
      const sandboxes = token ? (await api<{ items: Array<{ id: string }> }>(token, '/api/sandboxes?all=true&ended=true').catch(() => ({ items: [] }))).items : [];
      await kill(hub, 'SIGTERM');
      for (const s of sandboxes) {
        const ids = (await execFileAsync('docker', ['ps', '-aq', '--filter', `label=org.shiva.sandbox=${s.id}`])).stdout.trim().split('\n').filter(Boolean);
        if (ids.length > 0) await execFileAsync('docker', ['rm', '-f', ...ids]).catch(() => undefined);
      }
    }
    rmSync(work, { recursive: true, force: true });
  });

  it('starts npm start without building again when no source changed, even if a file was touched', async () => {
    // beforeAll built dist/; a checkout or a copy changes modification times, not contents.
    const file = path.join(root, 'src/main.ts');
    const now = new Date();
    utimesSync(file, now, now);
    const { stdout } = await execFileAsync(process.execPath, [path.join(root, 'scripts/build-if-changed.mjs')], { cwd: root });
    expect(stdout).toContain('the hub is up to date in dist/');
    expect(stdout).toContain('the dashboard is up to date in dist/');
    expect(stdout).not.toContain('building');
  });

  it('builds the hub again when dist/ was rewritten by another build since npm start built it', async () => {
    // `npx tsc` or an older checkout's build leaves dist/ holding something else than the sources
    // say: its output is no longer the one recorded, whatever the sources' hash.
    const output = path.join(root, 'dist/main.js');
    const past = new Date(Date.now() - 60_000);
    utimesSync(output, past, past);
    const { stdout } = await execFileAsync(process.execPath, [path.join(root, 'scripts/build-if-changed.mjs')], { cwd: root });
    expect(stdout).toContain('building the hub');
    expect(stdout).toContain('the dashboard is up to date in dist/');
    const again = await execFileAsync(process.execPath, [path.join(root, 'scripts/build-if-changed.mjs')], { cwd: root });
    expect(again.stdout).toContain('the hub is up to date in dist/');
  }, 180_000);

  it('stops the curl walk-through at its first line, with the hub\'s message, when the admin password is wrong', async () => {
    const [curl] = markedBlocks(readme, 'run');
    const result = await runBlock(curl!, { SHIVA_ADMIN_PASSWORD: 'not-the-password' });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/jq: error .*: .+/);
    expect(result.stderr).not.toContain('null');
    // Nothing after the first line ran: no user was made.
    const users = (await api<{ items: Array<{ username: string }> }>(token, '/api/users')).items;
    expect(users.map((u) => u.username)).not.toContain('alice');
  });

  it('runs the curl walk-through: a token, a user, a launch whose events end at running, Jupyter through the proxy, a stop', async () => {
    const [curl] = markedBlocks(readme, 'run');
    const result = await runBlock(curl!);
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
    expect(result.stdout).toContain('"username":"alice"');
    // The stream ended by itself (the block went on), after the running event.
    expect(result.stdout).toMatch(/event: running\n/);
    expect(result.stdout.indexOf('event: running')).toBeLessThan(result.stdout.indexOf('"started":'));
    const [sandbox] = (await api<{ items: Array<{ name: string; state: string }> }>(token, '/api/sandboxes?ended=true')).items.filter((s) => s.name === 'from-curl');
    expect(sandbox?.state).toBe('stopped');
  }, 180_000);

  it('runs the CLI walk-through: sign in, add a user, launch with progress, list, stop, sign out', async () => {
    const [, cli] = markedBlocks(readme, 'run');
    const result = await runBlock(cli!, {}, `${ADMIN_PASSWORD}\n`);
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
    expect(result.stdout).toContain(`Signed in to ${hubUrl} as admin`);
    expect(result.stdout).toMatch(/Created user bob\.\nPassword \(shown only now\): \S{16,}/);
    expect(result.stdout).toMatch(/Launching admin\/from-cli on local \(1 CPU, 2 GiB\)/);
    expect(result.stdout).toMatch(/running\s+/);
    expect(result.stdout).toContain('Ready: http://from-cli--admin.localhost');
    expect(result.stdout).toContain('Stopped admin/from-cli.');
    expect(result.stdout).toContain(`Signed out of ${hubUrl}; the token is revoked.`);
    // Signed out for real: nothing saved, and the token the login made is gone from the hub.
    expect(existsSync(path.join(env.XDG_CONFIG_HOME!, 'shiva', 'credentials.json'))).toBe(false);
    const tokens = await api<Array<{ name: string }>>(token, '/api/tokens');
    expect(tokens.filter((t) => t.name.startsWith('cli on '))).toEqual([]);
  }, 180_000);

  it('ends the events stream at running as the README says; ?follow=true keeps it open until the sandbox stops', async () => {
    const headers = { authorization: `Bearer ${token}` };
    const launched = await fetch(`${hubUrl}/api/sandboxes`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'followed', cpus: 0.5, memoryGiB: 0.5 }),
    });
    expect(launched.status).toBe(202);
    const { id } = (await launched.json()) as { id: string };
    const follow = await fetch(`${hubUrl}/api/sandboxes/${id}/events?follow=true`, { headers, signal: AbortSignal.timeout(120_000) });
    // Read to the end: the plain stream ends by itself, and its last event is running.
    const plain = await (await fetch(`${hubUrl}/api/sandboxes/${id}/events`, { headers, signal: AbortSignal.timeout(120_000) })).text();
    expect([...plain.matchAll(/event: (\w+)/g)].map((m) => m[1]).at(-1)).toBe('running');
    // Resuming after the outcome ends at once, with nothing new to send.
    const lastId = [...plain.matchAll(/^id: (\d+)$/gm)].at(-1)![1]!;
    expect(await (await fetch(`${hubUrl}/api/sandboxes/${id}/events`, { headers: { ...headers, 'last-event-id': lastId } })).text()).toBe('');
    // The followed stream is still open after running; stopping the sandbox ends it.
    const reader = follow.body!.getReader();
    const decoder = new TextDecoder();
    let followed = '';
    while (!followed.includes('event: running\n')) followed += decoder.decode((await reader.read()).value, { stream: true });
    const stopped = await fetch(`${hubUrl}/api/sandboxes/${id}`, { method: 'DELETE', headers });
    expect(stopped.status).toBe(200);
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      followed += decoder.decode(value, { stream: true });
    }
    const states = [...followed.matchAll(/event: (\w+)/g)].map((m) => m[1]);
    expect(states.slice(states.indexOf('running'))).toEqual(['running', 'stopping', 'stopped']);
    const bad = await fetch(`${hubUrl}/api/sandboxes/${id}/events?follow=yes`, { headers });
    expect(bad.status).toBe(400);
  }, 180_000);

  it('resets the admin password with the recovery block while the hub runs, and the new one signs in', async () => {
    const [recovery] = markedBlocks(readme, 'recovery');
    const result = await runBlock(recovery!, { SHIVA_DATA_DIR: dataDir });
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
    const password = /Password \(shown only now\): (\S+)/.exec(result.stdout)?.[1];
    expect(password).toBeDefined();
    expect((await basicSignIn(password!)).status).toBe(201);
    expect((await basicSignIn(ADMIN_PASSWORD)).status).toBe(401);
  });
});
