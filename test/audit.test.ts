/** Every privileged action leaves exactly one audit entry with the right actor and result. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeRuntime } from '../src/runtime/fake/fake-runtime.js';
import { ADMIN_PASSWORD, startTestHub, type TestHub } from './support/hub.js';

interface Entry {
  id: number;
  actor: string | null;
  action: string;
  target: string | null;
  result: string;
  address: string | null;
  details: Record<string, unknown> | null;
}

describe('the audit log', () => {
  let t: TestHub;
  let runtime: FakeRuntime;

  beforeAll(async () => {
    runtime = new FakeRuntime();
    t = await startTestHub({ makeRuntime: () => runtime });
  });
  afterAll(async () => {
    await t.close();
    await runtime.closeAll();
  });

  /** The entries written while `action` ran. */
  async function during(action: () => Promise<unknown>): Promise<Entry[]> {
    const newest = async () => (await t.api<{ entries: Entry[] }>(t.adminToken, 'GET', '/api/audit?limit=1')).body.entries[0]?.id ?? 0;
    const before = await newest();
    await action();
    const all = (await t.api<{ entries: Entry[] }>(t.adminToken, 'GET', '/api/audit?limit=50')).body.entries;
    return all.filter((e) => e.id > before).reverse();
  }

  const login = (username: string, password: string) =>
    fetch(`${t.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });

  it('records sign-ins and refused sign-ins, with the address', async () => {
    const entries = await during(async () => {
      await login('admin', ADMIN_PASSWORD);
      await login('admin', 'wrong');
      await login('nobody', 'wrong');
      // A name no account can have is not recorded as an actor: it could pass for the hub's own.
      await login('hub:reconciler', 'wrong');
    });
    expect(entries.map((e) => [e.action, e.actor, e.result])).toEqual([
      ['auth.login', 'admin', 'ok'],
      ['auth.login', 'admin', 'refused'],
      ['auth.login', 'nobody', 'refused'],
      ['auth.login', null, 'refused'],
    ]);
    expect(entries[3]!.details).toMatchObject({ attempted: 'hub:reconciler', error: 'INVALID_CREDENTIALS' });
    expect(entries[1]!.details).toMatchObject({ error: 'INVALID_CREDENTIALS' });
    expect(entries[0]!.address).toBe('127.0.0.1');
  });

  it('records user creation and changes by the admin who made them, never the password', async () => {
    let id = 0;
    const entries = await during(async () => {
      id = (await t.api<{ id: number }>(t.adminToken, 'POST', '/api/users', { username: 'ivy', password: 'ivy-password-1' })).body.id;
      await t.api(t.adminToken, 'POST', '/api/users', { username: 'ivy' });
      await t.api(t.adminToken, 'PATCH', `/api/users/${id}`, { admin: true, password: 'secret-password-2' });
    });
    expect(entries.map((e) => [e.action, e.actor, e.target, e.result])).toEqual([
      ['user.create', 'admin', 'ivy', 'ok'],
      ['user.create', 'admin', 'ivy', 'refused'],
      ['user.update', 'admin', 'ivy', 'ok'],
    ]);
    expect(JSON.stringify(entries)).not.toContain('secret-password-2');
    expect(entries[2]!.details).toMatchObject({ admin: true, passwordReset: true });
  });

  it('records token creation (also by HTTP Basic) and revocation', async () => {
    const basic = `Basic ${Buffer.from('ivy:secret-password-2').toString('base64')}`;
    let created = { id: '', token: '' };
    const entries = await during(async () => {
      created = (await t.api<{ id: string; token: string }>(basic, 'POST', '/api/tokens', { name: 'ci' })).body;
      await t.api(created.token, 'DELETE', `/api/tokens/${created.id}`);
      await t.api(`Basic ${Buffer.from('ivy:wrong').toString('base64')}`, 'POST', '/api/tokens', { name: 'x' });
    });
    expect(entries.map((e) => [e.action, e.actor, e.target, e.result])).toEqual([
      ['token.create', 'ivy', 'ci', 'ok'],
      ['token.revoke', 'ivy', created.id, 'ok'],
      ['token.create', 'ivy', 'x', 'refused'],
    ]);
  });

  it('records launches, refused launches and stops', async () => {
    const jo = await t.user('jo');
    let id = '';
    const entries = await during(async () => {
      id = (await t.api<{ id: string }>(jo, 'POST', '/api/sandboxes', { name: 'lab', cpus: 1 })).body.id;
      await t.api(jo, 'POST', '/api/sandboxes', { name: 'lab' });
      await t.hub.sandboxes.settle();
      await t.api(jo, 'DELETE', `/api/sandboxes/${id}`);
    });
    const mine = entries.filter((e) => e.actor === 'jo');
    expect(mine.map((e) => [e.action, e.target, e.result])).toEqual([
      ['sandbox.launch', 'jo/lab', 'ok'],
      ['sandbox.launch', 'jo/lab', 'refused'],
      ['sandbox.stop', id, 'ok'],
    ]);
    expect(mine[0]!.details).toMatchObject({ cpus: 1 });
    expect(mine[1]!.details).toMatchObject({ error: 'SANDBOX_NAME_TAKEN' });
  });

  it('names the sandbox a launch without a name got, and says none was given when it is refused', async () => {
    const kit = await t.user('kit');
    const ids: string[] = [];
    const entries = await during(async () => {
      ids.push((await t.api<{ id: string }>(kit, 'POST', '/api/sandboxes', { cpus: 1 })).body.id);
      ids.push((await t.api<{ id: string }>(kit, 'POST', '/api/sandboxes', { cpus: 1 })).body.id);
      await t.api(kit, 'POST', '/api/sandboxes', { cpus: 10_000 });
      await t.hub.sandboxes.settle();
      for (const id of ids) await t.api(kit, 'DELETE', `/api/sandboxes/${id}`);
    });
    const launches = entries.filter((e) => e.actor === 'kit' && e.action === 'sandbox.launch');
    expect(launches.map((e) => [e.target, e.result])).toEqual([
      ['kit/main', 'ok'],
      ['kit/main-2', 'ok'],
      ['kit/(no name given)', 'refused'],
    ]);
  });

  it('filters and pages, and is for admins only', async () => {
    const refused = await t.api<{ entries: Entry[] }>(t.adminToken, 'GET', '/api/audit?result=refused&action=auth.login');
    expect(refused.body.entries.length).toBe(3);
    expect((await t.api<{ entries: Entry[] }>(t.adminToken, 'GET', '/api/audit?actor=hub:reconciler')).body.entries).toEqual([]);
    const page1 = await t.api<{ entries: Entry[]; nextBefore: number | null }>(t.adminToken, 'GET', '/api/audit?limit=3');
    expect(page1.body.entries).toHaveLength(3);
    const page2 = await t.api<{ entries: Entry[] }>(t.adminToken, 'GET', `/api/audit?limit=3&before=${page1.body.nextBefore}`);
    expect(page2.body.entries[0]!.id).toBeLessThan(page1.body.entries[2]!.id);
    const jo = await t.user('jo');
    expect((await t.api(jo, 'GET', '/api/audit')).status).toBe(403);
    expect((await t.api(t.adminToken, 'GET', '/api/audit?limit=0')).status).toBe(400);
  });
});
