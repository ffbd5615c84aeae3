/**
 * Lists a page at a time (src/contract/paging.ts) over real HTTP, with the fake runtime: every
 * row exactly once while rows are added, search that finds in any case and takes LIKE's
 * wildcards literally, and a search that never reaches past what the caller may list.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeRuntime } from '../src/runtime/fake/fake-runtime.js';
import { startTestHub, type TestHub } from './support/hub.js';

interface Page<T> {
  items: T[];
  total: number;
  next: string | null;
}
type UserItem = { id: number; username: string; email: string | null };
type SandboxItem = { id: string; name: string; user: string; createdAt: string };
type ErrorBody = { error: { code: string; message?: string } };

describe('lists a page at a time', () => {
  let t: TestHub;
  let runtime: FakeRuntime;
  let alice: string;
  let bob: string;

  beforeAll(async () => {
    runtime = new FakeRuntime();
    t = await startTestHub({ makeRuntime: () => runtime });
    alice = await t.user('alice');
    bob = await t.user('bob');
    // Accounts made straight in the store: hashing 240 passwords would only slow the test.
    for (let i = 0; i < 240; i++) await t.hub.users.create({ username: `user${String(i).padStart(3, '0')}`, passwordHash: null, role: 'user' });
    await t.hub.db.updateTable('users').set({ email: 'Jane.Smith@Example.com' }).where('username', '=', 'user123').execute();
    await t.hub.db.updateTable('users').set({ email: 'percent%sign@example.com' }).where('username', '=', 'user200').execute();
  });
  afterAll(async () => {
    await t.close();
    await runtime.closeAll();
  });

  /** Every row of a paged list, following `next` until the end; `between` runs after each page. */
  async function walk<T>(token: string, path: string, between: (page: number) => Promise<void> = async () => {}): Promise<T[]> {
    const rows: T[] = [];
    let cursor: string | null = null;
    for (let page = 0; ; page++) {
      const separator = path.includes('?') ? '&' : '?';
      const res: { status: number; body: Page<T> } = await t.api<Page<T>>(token, 'GET', `${path}${cursor ? `${separator}cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(res.status).toBe(200);
      rows.push(...res.body.items);
      cursor = res.body.next;
      if (cursor === null) return rows;
      await between(page);
    }
  }

  it('walks every user once, by name, a page at a time, with the total apart', async () => {
    const first = await t.api<Page<UserItem>>(t.adminToken, 'GET', '/api/users?limit=100');
    expect(first.body.items).toHaveLength(100);
    expect(first.body.total).toBe(243);
    const names = (await walk<UserItem>(t.adminToken, '/api/users?limit=100')).map((u) => u.username);
    expect(names).toHaveLength(243);
    expect(names).toEqual([...names].sort());
    expect(new Set(names).size).toBe(243);
  });

  it('neither repeats nor skips a user while accounts are made between pages', async () => {
    const made: string[] = [];
    const names = (
      await walk<UserItem>(t.adminToken, '/api/users?limit=50&sort=-created', async (page) => {
        // Newest first: accounts made now sort before every page still to come, so none of
        // them shows; with an offset, each would push an old account into the next page twice.
        const name = `late${page}`;
        made.push(name);
        await t.hub.users.create({ username: name, passwordHash: null, role: 'user' });
      })
    ).map((u) => u.username);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toHaveLength(243);
    expect(names.filter((n) => made.includes(n))).toEqual([]);
    const now = await t.api<Page<UserItem>>(t.adminToken, 'GET', '/api/users?sort=-created&limit=10');
    expect(now.body.total).toBe(243 + made.length);
    expect(now.body.items[0]!.username).toBe(made.at(-1));
  });

  it('searches names and emails in any case, with % and _ taken as themselves', async () => {
    const smith = await t.api<Page<UserItem>>(t.adminToken, 'GET', '/api/users?q=SMITH');
    expect(smith.body).toMatchObject({ total: 1, next: null, items: [{ username: 'user123', email: 'Jane.Smith@Example.com' }] });
    const percent = await t.api<Page<UserItem>>(t.adminToken, 'GET', `/api/users?q=${encodeURIComponent('%')}`);
    expect(percent.body.items.map((u) => u.username)).toEqual(['user200']);
    const underscore = await t.api<Page<UserItem>>(t.adminToken, 'GET', '/api/users?q=_');
    expect(underscore.body.total).toBe(0);
    // An exact name, not a part of one: user12 is in user120..user129 but is no account.
    expect((await t.api<Page<UserItem>>(t.adminToken, 'GET', '/api/users?username=user12')).body).toEqual({ items: [], total: 0, next: null });
    expect((await t.api<Page<UserItem>>(t.adminToken, 'GET', '/api/users?username=user012')).body.items.map((u) => u.username)).toEqual(['user012']);
  });

  it('finds no one for a search holding a NUL, which no name or email holds (SQLite ends a LIKE pattern there)', async () => {
    for (const q of ['\u0000', 'zzz\u0000', '\u0000zzz']) {
      const res = await t.api<Page<UserItem>>(t.adminToken, 'GET', `/api/users?q=${encodeURIComponent(q)}`);
      expect(res.status, JSON.stringify(q)).toBe(200);
      expect(res.body, JSON.stringify(q)).toEqual({ items: [], total: 0, next: null });
    }
  });

  it('refuses a cursor it did not give, one from another order, and a page over the cap, with stable codes', async () => {
    const byName = await t.api<Page<UserItem>>(t.adminToken, 'GET', '/api/users?limit=5');
    const foreign = await t.api<ErrorBody>(t.adminToken, 'GET', `/api/users?sort=created&cursor=${encodeURIComponent(byName.body.next!)}`);
    expect(foreign).toMatchObject({ status: 400, body: { error: { code: 'INVALID_CURSOR' } } });
    // A cursor of one search does not continue another (nor the whole list), where it would skip rows without a word.
    const searched = await t.api<Page<UserItem>>(t.adminToken, 'GET', '/api/users?q=user1&limit=5');
    expect(searched.body.next).not.toBeNull();
    for (const other of ['', '&q=user2', '&q=USER1x']) {
      const res = await t.api<ErrorBody>(t.adminToken, 'GET', `/api/users?limit=5${other}&cursor=${encodeURIComponent(searched.body.next!)}`);
      expect(res, other).toMatchObject({ status: 400, body: { error: { code: 'INVALID_CURSOR' } } });
    }
    expect((await t.api(t.adminToken, 'GET', `/api/users?limit=5&q=user1&cursor=${encodeURIComponent(searched.body.next!)}`)).status).toBe(200);
    for (const cursor of ['not-base64!', Buffer.from('["username",{"$gt":""}]').toString('base64url'), Buffer.from('["username"]').toString('base64url')]) {
      const res = await t.api<ErrorBody>(t.adminToken, 'GET', `/api/users?cursor=${encodeURIComponent(cursor)}`);
      expect(res, cursor).toMatchObject({ status: 400, body: { error: { code: 'INVALID_CURSOR' } } });
    }
    // Each refusal says in words what the parameter takes, not the schema's pattern.
    expect(await t.api<ErrorBody>(t.adminToken, 'GET', '/api/users?limit=501')).toMatchObject({
      status: 400,
      body: { error: { code: 'VALIDATION_FAILED', message: 'limit: a whole number of rows from 1 to 500.' } },
    });
    expect(await t.api<ErrorBody>(t.adminToken, 'GET', '/api/users?sort=password_hash')).toMatchObject({
      status: 400,
      body: { error: { code: 'VALIDATION_FAILED', message: 'sort: one of username, -username, created, -created.' } },
    });
    expect(await t.api<ErrorBody>(t.adminToken, 'GET', '/api/users?search=smith')).toMatchObject({
      status: 400,
      body: { error: { code: 'VALIDATION_FAILED', message: '"search": this request has no such parameter.' } },
    });
    expect((await t.api<ErrorBody & { error: { message: string } }>(t.adminToken, 'GET', '/api/audit?limit=1000')).body.error.message).toBe('limit: a whole number of entries from 1 to 999.');
    expect((await t.api<ErrorBody>(t.adminToken, 'GET', '/api/events?before=abc')).body.error.message).toBe('before: the nextBefore of an earlier answer, a whole number.');
    expect((await t.api<ErrorBody>(t.adminToken, 'GET', '/api/users?username=Bob')).body.error.message).toBe('username: a name of 1-32 lowercase letters, digits or dashes, starting with a letter.');
  });

  it('lets no one but admins list or search users', async () => {
    expect(await t.api<ErrorBody>(alice, 'GET', '/api/users?q=bob')).toMatchObject({ status: 403, body: { error: { code: 'FORBIDDEN' } } });
    expect(await t.api<ErrorBody>(null, 'GET', '/api/users?q=bob')).toMatchObject({ status: 401, body: { error: { code: 'UNAUTHENTICATED' } } });
  });

  describe('sandboxes', () => {
    beforeAll(async () => {
      for (const [token, name] of [
        [alice, 'alpha'],
        [alice, 'shared-name'],
        [bob, 'bobs-secret'],
        [bob, 'shared-name'],
      ] as const) {
        expect((await t.api(token, 'POST', '/api/sandboxes', { name })).status).toBe(202);
      }
      await t.hub.sandboxes.settle();
    });

    it("finds only the caller's own sandboxes, whatever the search or the all flag says", async () => {
      for (const path of ['/api/sandboxes?q=secret', '/api/sandboxes?all=true&q=secret', '/api/sandboxes?all=true&ended=true&q=bob', '/api/sandboxes?all=true&q=']) {
        const res = await t.api<Page<SandboxItem>>(alice, 'GET', path);
        expect(res.status, path).toBe(200);
        expect(res.body.items.every((s) => s.user === 'alice'), path).toBe(true);
        expect(res.body.items.map((s) => s.name), path).not.toContain('bobs-secret');
      }
      const shared = await t.api<Page<SandboxItem>>(alice, 'GET', '/api/sandboxes?all=true&q=shared');
      expect(shared.body).toMatchObject({ total: 1, items: [{ user: 'alice', name: 'shared-name' }] });
    });

    it('finds no sandbox for a search holding a NUL, the caller\'s own or everyone\'s', async () => {
      for (const [token, path] of [
        [alice, '/api/sandboxes?ended=true&q=%00'],
        [alice, '/api/sandboxes?q=zzz%00'],
        [t.adminToken, '/api/sandboxes?all=true&ended=true&q=%00'],
      ] as const) {
        const res = await t.api<Page<SandboxItem>>(token, 'GET', path);
        expect(res.status, path).toBe(200);
        expect(res.body, path).toEqual({ items: [], total: 0, next: null });
      }
    });

    it("finds everyone's sandboxes by name or owner for an admin", async () => {
      const byOwner = await t.api<Page<SandboxItem>>(t.adminToken, 'GET', '/api/sandboxes?all=true&q=BOB');
      expect(byOwner.body.items.map((s) => s.name).sort()).toEqual(['bobs-secret', 'shared-name']);
      const byName = await t.api<Page<SandboxItem>>(t.adminToken, 'GET', '/api/sandboxes?all=true&q=shared');
      expect(byName.body.items.map((s) => s.user).sort()).toEqual(['alice', 'bob']);
    });

    it('walks ended sandboxes newest first, each once, while new ones are launched between pages', async () => {
      const now = Date.now();
      const owner = (await t.hub.users.byName('alice'))!;
      // A history of 60 ended sandboxes, a minute apart, written as the hub writes ended ones.
      const insert = (id: string, at: string) =>
        t.hub.db
          .insertInto('sandboxes')
          .values({ id, user_id: owner.id, username: 'alice', name: id, image: 'tiny', image_ref: 'x', machine: 'local', cpus: 1, cpu_request: 1, memory_bytes: 2 ** 30, gpus: '[]', state: 'stopped', token: 't', created_at: at, started_at: at, stopped_at: at })
          .execute();
      for (let i = 0; i < 60; i++) await insert(`old${String(i).padStart(2, '0')}`, new Date(now - (60 - i) * 60_000).toISOString());
      let added = 0;
      const rows = await walk<SandboxItem>(alice, '/api/sandboxes?ended=true&limit=7', async () => {
        // Newer than every row walked so far: with an offset, each would push a row seen already into the next page.
        if (added < 3) await insert(`new${added++}`, new Date().toISOString());
      });
      const ids = rows.map((s) => s.id);
      expect(new Set(ids).size).toBe(ids.length);
      // Two live ones from before and the 60 ended; those added while walking are newer than the first page, so not in this walk.
      expect(ids.filter((id) => id.startsWith('old'))).toHaveLength(60);
      expect(ids.filter((id) => id.startsWith('new'))).toEqual([]);
      expect(rows).toHaveLength(62);
      expect(rows.map((s) => s.createdAt)).toEqual([...rows.map((s) => s.createdAt)].sort().reverse());
    });
  });
});
