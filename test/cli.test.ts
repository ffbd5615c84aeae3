/**
 * The `shiva` command against a real hub and Docker Engine: sign in, add a user, launch with
 * progress and a URL that opens the sandbox, list, stop, the machines, and --json for scripts.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runShiva } from './support/cli.js';
import { describeDocker, TINY_IMAGE } from './support/docker.js';
import { ADMIN_PASSWORD, startTestHub, type TestHub } from './support/hub.js';
import { hostRequest } from './support/sandbox-host.js';

describeDocker('the shiva command', [TINY_IMAGE], () => {
  let t: TestHub;
  let home: string;

  const shiva = (args: string[], input?: string) =>
    runShiva(args, { SHIVA_URL: t.url, SHIVA_CREDENTIALS: path.join(home, 'credentials.json'), SHIVA_TOKEN: '' }, input);

  beforeAll(async () => {
    t = await startTestHub();
    home = mkdtempSync(path.join(os.tmpdir(), 'shiva-cli-'));
  });
  afterAll(async () => {
    await t?.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('signs in with a password from stdin and keeps the token in a private file', async () => {
    const login = await shiva(['login', '--username', 'admin', '--password-stdin'], ADMIN_PASSWORD);
    expect(login.stderr).toBe('');
    expect(login.stdout).toContain('Signed in');
    const file = path.join(home, 'credentials.json');
    expect(statSync(file).mode & 0o077).toBe(0);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ url: t.url, username: 'admin' });
    const wrong = await shiva(['login', '--username', 'admin', '--password-stdin'], 'nope');
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('INVALID_CREDENTIALS');
  });

  it('signs in with a token from the dashboard, for company sign-in', async () => {
    const saved = await shiva(['login', '--token-stdin'], t.adminToken);
    expect(saved.stdout).toContain('as admin with your token');
    const bad = await shiva(['login', '--token-stdin'], 'shiva_not-a-token');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('UNAUTHENTICATED');
    await shiva(['login', '--username', 'admin', '--password-stdin'], ADMIN_PASSWORD);
  });

  it('adds a user as admin and prints the generated password once', async () => {
    const added = await shiva(['users', 'add', 'dana']);
    expect(added.stdout).toMatch(/Created user dana\.\nPassword \(shown only now\): \S{16,}/);
    const json = await shiva(['users', 'add', 'erin', '--admin', '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ username: 'erin', admin: true });
  });

  it('launches with progress and prints a URL that opens the sandbox, lists it, and stops it', async () => {
    const launch = await shiva(['launch', 'cli-box', '--cpus', '0.5', '--memory', '0.5']);
    expect(launch.code).toBe(0);
    expect(launch.stdout).toContain('Launching admin/cli-box');
    expect(launch.stdout).toMatch(/running\s+Ready in/);
    const url = /Ready: (\S+)/.exec(launch.stdout)![1]!;
    // The URL for a browser: the sandbox's own origin, which a token opens as well.
    expect(url).toBe(`http://cli-box--admin.localhost:${new URL(t.url).port}/user/admin/cli-box/`);
    const token = JSON.parse(readFileSync(path.join(home, 'credentials.json'), 'utf8')).token as string;
    const opened = await hostRequest(t, 'cli-box--admin.localhost', '/user/admin/cli-box/api/status', { headers: { authorization: `Bearer ${token}` } });
    expect(opened.status).toBe(200);

    const ls = await shiva(['ls']);
    expect(ls.stdout).toMatch(/cli-box\s+running/);
    const lsJson = JSON.parse((await shiva(['ls', '--json'])).stdout) as Array<{ name: string; state: string }>;
    expect(lsJson).toEqual([expect.objectContaining({ name: 'cli-box', state: 'running' })]);

    const stop = await shiva(['stop', 'cli-box']);
    expect(stop.stdout).toContain('Stopped admin/cli-box');
    expect((await hostRequest(t, 'cli-box--admin.localhost', '/user/admin/cli-box/api/status', { headers: { authorization: `Bearer ${token}` } })).status).toBe(503);
    // By name, a stopped sandbox is found and the hub says why it cannot be kept, not that it is unknown.
    const keep = await shiva(['keep', 'cli-box']);
    expect(keep.code).not.toBe(0);
    expect(keep.stderr).toContain('cli-box is stopped, not running');
  });

  it('ends quietly with 0 when the reader of its output has gone (shiva machines | head -1)', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.resolve(import.meta.dirname, '../src/main.ts'), 'machines'], {
      env: { ...process.env, SHIVA_URL: t.url, SHIVA_CREDENTIALS: path.join(home, 'credentials.json'), SHIVA_TOKEN: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // Closed before the command writes anything: each of its writes meets a closed pipe.
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });

  it('lists the machines with what sandboxes were given, and as JSON', async () => {
    // homes.root was made by the launch above; this hub's timers are off, so read it now.
    await t.hub.homesFilesystem.refresh();
    const table = await shiva(['machines']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^NAME\s+STATUS\s+CPUS RESERVED\s+MEMORY\s+GPUS\s+SANDBOXES\n/);
    expect(table.stdout).toMatch(/\nlocal\s+up\s+\d[\d.]*\/\d[\d.]*\s+\d[\d.]*\/\d[\d.]*G\s+\d+\/\d+\s+\d+\n/);
    expect(table.stdout).toMatch(/\n\nHomes filesystem: [\d.]+[MG] free of [\d.]+[MG] \(\d+% free\)\n$/);
    const json = JSON.parse((await shiva(['machines', '--json'])).stdout) as Array<{ name: string; status: string; capacity: { cpus: number } }>;
    expect(json).toEqual([expect.objectContaining({ name: 'local', status: 'up' })]);
    expect(json[0]!.capacity.cpus).toBeGreaterThan(0);
  });

  it('creates a scoped token, lists it with its last use, and revokes it', async () => {
    const created = await shiva(['tokens', 'create', 'ci', '--scope', 'sandboxes:read', '--json']);
    const token = JSON.parse(created.stdout) as { id: string; token: string; scopes: string[] };
    expect(token.scopes).toEqual(['sandboxes:read']);
    expect((await fetch(`${t.url}/api/sandboxes`, { headers: { authorization: `Bearer ${token.token}` } })).status).toBe(200);
    await t.hub.flush();
    const ls = await shiva(['tokens', 'ls']);
    expect(ls.stdout).toMatch(new RegExp(`${token.id}\\s+ci\\s+sandboxes:read\\s+never\\s+\\d+s ago\\s+127\\.0\\.0\\.1`));
    expect(ls.stdout).not.toContain(token.token);
    expect((await shiva(['tokens', 'revoke', token.id])).stdout).toContain(`Revoked ${token.id}`);
    expect((await fetch(`${t.url}/api/sandboxes`, { headers: { authorization: `Bearer ${token.token}` } })).status).toBe(401);
  });

  it('prints the reason and exits 1 when a launch fails, and a clear error for bad input', async () => {
    const failed = await shiva(['launch', 'bad', '--image', 'broken']);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toContain('tiny: failing at start as asked');
    const invalid = await shiva(['launch', 'Bad Name']);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toContain('INVALID_NAME');
    expect(invalid.stderr).not.toMatch(/\n\s+at /);
  });

  it('names the flag the user typed, not the API field, for a bad number or one the hub refuses', async () => {
    const notNumber = await shiva(['launch', 'flags', '--memory', 'abc']);
    expect(notNumber.code).toBe(1);
    expect(notNumber.stderr).toContain("option '--memory <GiB>' argument 'abc' is invalid. Give a number of GiB");
    const tooBig = await shiva(['launch', 'flags', '--memory', '100000']);
    expect(tooBig.code).toBe(1);
    expect(tooBig.stderr).toContain('--memory must be from');
    expect(tooBig.stderr).toContain('(INVALID_RESOURCES)');
    expect(tooBig.stderr).not.toContain('memoryGiB');
    const fractionalGpus = await shiva(['launch', 'flags', '--gpus', '0.5']);
    expect(fractionalGpus.stderr).toContain("option '--gpus <n>' argument '0.5' is invalid. Give a whole number of GPUs");
    expect((await shiva(['ls', '--json'])).stdout).not.toContain('"flags"');
  });

  it('signs out: revokes the token shiva login made and forgets it; a pasted token is forgotten with a warning', async () => {
    await shiva(['login', '--username', 'admin', '--password-stdin'], ADMIN_PASSWORD);
    const file = path.join(home, 'credentials.json');
    const saved = JSON.parse(readFileSync(file, 'utf8')) as { token: string; tokenId: string };
    expect(saved.tokenId).toMatch(/^tok_/);
    const out = await shiva(['logout']);
    expect(out.code).toBe(0);
    expect(out.stdout).toBe(`Signed out of ${t.url}; the token is revoked.\n`);
    expect(existsSync(file)).toBe(false);
    expect((await fetch(`${t.url}/api/me`, { headers: { authorization: `Bearer ${saved.token}` } })).status).toBe(401);
    expect((await shiva(['logout'])).stdout).toBe('Not signed in: nothing saved.\n');

    await shiva(['login', '--token-stdin'], t.adminToken);
    const pasted = await shiva(['logout']);
    expect(pasted.code).toBe(0);
    expect(pasted.stderr).toContain("stays valid until you revoke it in the dashboard's Tokens page");
    expect(existsSync(file)).toBe(false);
    expect((await fetch(`${t.url}/api/me`, { headers: { authorization: `Bearer ${t.adminToken}` } })).status).toBe(200);
    await shiva(['login', '--username', 'admin', '--password-stdin'], ADMIN_PASSWORD);
  });
});
