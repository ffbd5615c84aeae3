/**
 * A homes filesystem that fills, for real: a 64 MiB ext4 filesystem in a loop file is the hub's
 * homes.root, while its data directory (the database) stays on another filesystem. A sandbox
 * fills its home; the user gets ENOSPC inside, the hub and its database carry on, and launches
 * are refused with STORAGE_FULL until space is freed.
 */
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { HomesStorage, Sandbox, Storage } from '../src/contract/api.js';
import type { ErrorBody } from '../src/contract/errors.js';
import { DATA_FILES } from '../src/store/data-dir.js';
import { describeDocker, TINY_IMAGE } from './support/docker.js';
import { ADMIN_PASSWORD, startTestHub, type TestHub } from './support/hub.js';
import { loopFilesystemUnavailableReason, mountLoopFilesystem, type LoopFilesystem } from './support/loop-filesystem.js';
import { containersOf } from './support/sandbox-containers.js';
import { waitForState } from './support/wait.js';

/** df's own figures for `dir`, in bytes: what users may still write (Available) and the size. */
function df(dir: string): { freeBytes: number; sizeBytes: number } {
  const out = spawnSync('df', ['-B1', '--output=avail,size', dir], { encoding: 'utf8' }).stdout.trim().split('\n')[1]!.trim().split(/\s+/);
  return { freeBytes: Number(out[0]), sizeBytes: Number(out[1]) };
}

/** Runs `script` in the sandbox's container as its user; answers the exit status and what it printed. */
function inSandbox(sandboxId: string, script: string): { status: number | null; output: string } {
  const container = containersOf(sandboxId);
  const res = spawnSync('docker', ['exec', container, 'sh', '-c', script], { encoding: 'utf8', timeout: 120_000 });
  return { status: res.status, output: `${res.stdout}${res.stderr}` };
}

describeDocker(
  'a homes filesystem that fills',
  [TINY_IMAGE],
  () => {
    let loop: LoopFilesystem | undefined;
    let t: TestHub | undefined;
    let alice = '';
    let first: Sandbox;
    const hub = () => t!;

    beforeAll(async () => {
      loop = mountLoopFilesystem(64);
      t = await startTestHub({ config: { homes: { root: loop.dir }, storage: { minFreePercent: 5 } } });
      alice = await t.user('alice');
    }, 120_000);

    afterAll(async () => {
      try {
        await t?.close();
      } finally {
        loop?.remove();
      }
    }, 60_000);

    it('shows users the free and total bytes df shows, and admins also where the homes are', async () => {
      const figures = df(loop!.dir);
      const seen = await hub().api<Storage>(alice, 'GET', '/api/storage');
      expect(seen.status).toBe(200);
      expect(seen.body.homes).toEqual({ freeBytes: figures.freeBytes, sizeBytes: figures.sizeBytes, minFreePercent: 5, full: false, readAt: expect.any(String) });
      const admin = await hub().api<Storage>(hub().adminToken, 'GET', '/api/storage');
      expect(admin.body.homes).toMatchObject({ root: loop!.dir, problem: null, freeBytes: figures.freeBytes });
      expect((await hub().api(null, 'GET', '/api/storage')).status).toBe(401);
      const narrow = await hub().api<{ token: string }>(alice, 'POST', '/api/tokens', { name: 'narrow', scopes: ['sandboxes:read'] });
      expect((await hub().api(narrow.body.token, 'GET', '/api/storage')).status).toBe(403);
    });

    it('keeps the database on another filesystem than the homes', () => {
      expect(statSync(path.join(hub().dataDir, DATA_FILES.database)).dev).not.toBe(statSync(loop!.dir).dev);
    });

    it('gives the user "No space left on device" inside a sandbox that fills its home, and the hub keeps answering', async () => {
      const launched = await hub().api<Sandbox>(alice, 'POST', '/api/sandboxes', { name: 'filler' });
      expect(launched.status).toBe(202);
      first = await waitForState<Sandbox>(hub(), alice, launched.body.id, 'running');
      const fill = inSandbox(first.id, 'dd if=/dev/zero of="$HOME/fill" bs=1M');
      expect(fill.status).not.toBe(0);
      expect(fill.output).toContain('No space left on device');
      // Users may not write into the blocks ext4 keeps for root: those are still free (f_bfree),
      // but what users may write (f_bavail, the hub's figure) is gone.
      const [bfree, bavail, blocks] = spawnSync('stat', ['-f', '-c', '%f %a %b', loop!.dir], { encoding: 'utf8' }).stdout.trim().split(' ').map(Number);
      expect(bavail!).toBeLessThan(blocks! * 0.01);
      expect(bfree!).toBeGreaterThan(blocks! * 0.04);

      expect((await hub().api(null, 'GET', '/api/health')).status).toBe(200);
      expect((await hub().api<{ user: { username: string } }>(alice, 'GET', '/api/me')).body.user.username).toBe('alice');
    });

    it('leaves the database whole and writable', async () => {
      const basic = `Basic ${Buffer.from(`admin:${ADMIN_PASSWORD}`).toString('base64')}`;
      const token = await hub().api<{ token: string }>(basic, 'POST', '/api/tokens', { name: 'after-the-fill' });
      expect(token.status).toBe(201);
      expect((await hub().api(token.body.token, 'GET', '/api/me')).status).toBe(200);
      const check = await sql<{ integrity_check: string }>`PRAGMA integrity_check`.execute(hub().hub.db);
      expect(check.rows).toEqual([{ integrity_check: 'ok' }]);
    });

    it('refuses the next launch with 503 STORAGE_FULL, making nothing, and shows admins the alert', async () => {
      const refused = await hub().api<ErrorBody>(alice, 'POST', '/api/sandboxes', { name: 'second' });
      expect(refused.status).toBe(503);
      expect(refused.body.error.code).toBe('STORAGE_FULL');
      expect(refused.body.error.message).toMatch(/GiB free of 0\.0\d+ GiB .*below the 5% this hub keeps free/);
      expect(refused.body.error.message).not.toContain(loop!.dir);
      const mine = await hub().api<{ items: Sandbox[] }>(alice, 'GET', '/api/sandboxes');
      expect(mine.body.items.map((s) => s.name)).toEqual(['filler']);

      const seen = await hub().api<{ homes: HomesStorage }>(hub().adminToken, 'GET', '/api/storage');
      expect(seen.body.homes.full).toBe(true);
      const metrics = await fetch(`${hub().url}/metrics`, { headers: { authorization: `Bearer ${hub().adminToken}` } }).then((r) => r.text());
      const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(metrics)?.[1]);
      expect(value('shiva_homes_filesystem_size_bytes')).toBe(df(loop!.dir).sizeBytes);
      expect(value('shiva_homes_filesystem_free_bytes')).toBeLessThan(value('shiva_homes_filesystem_size_bytes') * 0.05);
      expect(value('shiva_homes_filesystem_min_free_percent')).toBe(5);
    });

    it('admits launches again once the space is freed', async () => {
      const freed = inSandbox(first.id, 'rm "$HOME/fill"');
      expect(freed.status).toBe(0);
      const again = await hub().api<Sandbox>(alice, 'POST', '/api/sandboxes', { name: 'second' });
      expect(again.status).toBe(202);
      expect((await hub().api<Storage>(alice, 'GET', '/api/storage')).body.homes.full).toBe(false);
    });
  },
  loopFilesystemUnavailableReason,
);
