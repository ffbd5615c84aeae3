/**
 * The homes settings at the hub's start: a hub that cannot write its marker into homes.root
 * refuses to start with the way out, and `homes.check: none` checks nothing.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Machine } from '../src/contract/api.js';
import { FakeRuntime } from '../src/runtime/fake/fake-runtime.js';
import { startTestHub } from './support/hub.js';

describe('the homes settings at start', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'shiva-homes-config-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses to start when the marker cannot be written into homes.root, and says what to do', async () => {
    const file = path.join(dir, 'file');
    writeFileSync(file, '');
    const under = path.join(file, 'homes');
    const runtime = new FakeRuntime();
    await expect(startTestHub({ makeRuntime: () => runtime, config: { homes: { root: under } } })).rejects.toThrow(
      `cannot write the homes marker into homes.root ${under} (ENOTDIR): mount the shared homes on the hub, or set homes.check to none if the hub cannot see them`,
    );
  });

  it('checks nothing and leaves homes.root alone with homes.check none, and launches still make the home on the machine', async () => {
    const root = path.join(dir, 'homes');
    const runtime = new FakeRuntime();
    const t = await startTestHub({ makeRuntime: () => runtime, config: { homes: { root, check: 'none' } } });
    try {
      const [machine] = (await t.api<Machine[]>(t.adminToken, 'GET', '/api/machines')).body;
      expect(machine!.homes).toBeNull();
      // The hub did not make the root: the job finds it missing and the launch says so.
      const alice = await t.user('alice');
      const launched = await t.api<{ id: string }>(alice, 'POST', '/api/sandboxes', {});
      expect(launched.status).toBe(202);
      await t.hub.sandboxes.settle();
      const failed = await t.api<{ state: string; reason: string }>(alice, 'GET', `/api/sandboxes/${launched.body.id}`);
      expect(failed.body).toMatchObject({ state: 'failed', reason: `Your home could not be made ready: homes.root ${root} does not exist on local: the shared homes are not mounted there.` });
    } finally {
      await t.close();
      await runtime.closeAll();
    }
  });
});
