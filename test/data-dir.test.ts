/**
 * The data directory on a real start: private modes on everything the hub writes there, user
 * homes inside it that still work for a real sandbox (the engine binds them as root, so the
 * sandbox's uid never needs to cross the 0700 directory), and `shiva serve` refusing a
 * directory or database others can read with the command that fixes it, not a stack trace.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeDocker, TINY_IMAGE } from './support/docker.js';
import { freePort, startTestHub, type TestHub } from './support/hub.js';
import { spawnHub } from './support/process.js';
import { waitForState } from './support/wait.js';

const modeOf = (p: string) => statSync(p).mode & 0o777;

describeDocker('the data directory of a running hub', [TINY_IMAGE], () => {
  let t: TestHub;
  let root: string;
  beforeAll(async () => {
    root = mkdtempSync(path.join(os.tmpdir(), 'shiva-data-'));
    // Made by the hub itself, under a permissive umask: the modes must not depend on it.
    const umask = process.umask(0);
    try {
      t = await startTestHub({ dataDir: path.join(root, 'data') });
    } finally {
      process.umask(umask);
    }
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('is 0700, and the database, its WAL and shared memory, the lock and pid files are 0600', async () => {
    await t.hub.flush();
    expect(modeOf(t.dataDir)).toBe(0o700);
    for (const file of ['shiva.db', 'shiva.db-wal', 'shiva.db-shm', 'hub.lock', 'hub.pid']) {
      expect(modeOf(path.join(t.dataDir, file)), file).toBe(0o600);
    }
  });

  it('keeps user homes inside it working for a real sandbox, which writes as its own uid', async () => {
    const alice = await t.user('alice');
    const launched = await t.api<{ id: string; state: string; reason: string | null }>(alice, 'POST', '/api/sandboxes', { name: 'home' });
    await waitForState(t, alice, launched.body.id, 'running');
    const container = execFileSync('docker', ['ps', '-q', '--filter', `label=org.shiva.sandbox=${launched.body.id}`]).toString().trim();
    execFileSync('docker', ['exec', container, 'sh', '-c', 'echo written-inside > "$HOME/probe.txt"']);
    const onHost = path.join(t.dataDir, 'homes', 'alice', 'probe.txt');
    expect(readFileSync(onHost, 'utf8')).toBe('written-inside\n');
    const me = await t.api<{ user: { uid: number } }>(alice, 'GET', '/api/me');
    expect(statSync(onHost).uid).toBe(me.body.user.uid);
  }, 60_000);
});

describe('shiva serve on a data directory others can use', () => {
  let root: string;
  beforeAll(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'shiva-loose-'));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  const serve = async (dataDir: string) => {
    const hub = spawnHub({ SHIVA_DATA_DIR: dataDir, SHIVA_ADMIN_PASSWORD: 'unused-password' }, ['--port', String(await freePort()), '--ssh-port', '0']);
    return { code: await hub.exited, output: hub.output() };
  };

  it('refuses a world-readable data directory, naming it and the chmod to run, without a stack trace', async () => {
    const dataDir = path.join(root, 'open');
    mkdirSync(dataDir);
    chmodSync(dataDir, 0o755);
    const { code, output } = await serve(dataDir);
    expect(code).toBe(2);
    expect(output).toContain(`shiva: readable or writable by group or others: ${dataDir} (a directory, mode 755)`);
    expect(output).toContain(`run: chmod 700 ${dataDir}`);
    expect(output).not.toMatch(/\n\s+at /);
    // Nothing was made in it.
    expect(execFileSync('ls', ['-A', dataDir]).toString()).toBe('');
  }, 30_000);

  it('refuses a world-readable database in a private directory the same way', async () => {
    const dataDir = path.join(root, 'leaky-db');
    mkdirSync(dataDir, { mode: 0o700 });
    writeFileSync(path.join(dataDir, 'shiva.db'), '');
    chmodSync(path.join(dataDir, 'shiva.db'), 0o644);
    const { code, output } = await serve(dataDir);
    expect(code).toBe(2);
    expect(output).toContain(`${dataDir}/shiva.db (a file, mode 644)`);
    expect(output).toContain(`run: chmod 600 ${dataDir}/shiva.db`);
    expect(output).not.toMatch(/\n\s+at /);
    expect(modeOf(path.join(dataDir, 'shiva.db'))).toBe(0o644);
  }, 30_000);
});
