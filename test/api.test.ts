/**
 * The API over real HTTP, with the fake runtime: accounts, tokens, and bad input that must be
 * refused with a stable code and change nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeRuntime } from '../src/runtime/fake/fake-runtime.js';
import { ADMIN_PASSWORD, startTestHub, type TestHub } from './support/hub.js';

type ErrorBody = { error: { code: string; message: string } };

describe('the API', () => {
  let t: TestHub;
  let runtime: FakeRuntime;
  let alice: string;
  let bob: string;

  beforeAll(async () => {
    runtime = new FakeRuntime();
    t = await startTestHub({ makeRuntime: () => runtime });
    alice = await t.user('alice');
    bob = await t.user('bob');
  });
  afterAll(async () => {
    await t.close();
    await runtime.closeAll();
  });

  it('answers health without auth, and describes itself in OpenAPI', async () => {
    expect((await t.api(null, 'GET', '/api/health')).body).toMatchObject({ status: 'ok' });
    const doc = await t.api<{ openapi: string; paths: Record<string, unknown> }>(null, 'GET', '/api/openapi.json');
    expect(doc.body.openapi).toBe('3.1.0');
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining(['/api/sandboxes', '/api/sandboxes/{id}', '/api/sandboxes/{id}/events', '/api/tokens', '/api/users', '/api/machines', '/api/images', '/api/me']),
    );
  });

  it('signs in with a password into an HttpOnly, SameSite=Lax cookie that works on the API, and signs out', async () => {
    const login = await fetch(`${t.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
    });
    expect(login.status).toBe(200);
    const setCookie = login.headers.get('set-cookie')!;
    expect(setCookie).toMatch(/^shiva_session=/);
    expect(setCookie).toContain('HttpOnly');
    expect(setCookie).toContain('SameSite=Lax');
    const cookie = setCookie.split(';')[0]!;
    const me = await fetch(`${t.url}/api/me`, { headers: { cookie } });
    expect(((await me.json()) as { user: { username: string } }).user.username).toBe('admin');
    await fetch(`${t.url}/api/auth/logout`, { method: 'POST', headers: { cookie } });
    expect((await fetch(`${t.url}/api/me`, { headers: { cookie } })).status).toBe(401);
  });

  it('refuses a wrong password with INVALID_CREDENTIALS and no cookie', async () => {
    const res = await fetch(`${t.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: 'wrong' }),
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('set-cookie')).toBeNull();
    expect(((await res.json()) as ErrorBody).error.code).toBe('INVALID_CREDENTIALS');
  });

  it('stores tokens only as hashes, lists them without secrets, and revokes them at once', async () => {
    const created = await t.api<{ id: string; token: string }>(alice, 'POST', '/api/tokens', { name: 'laptop', expiresInDays: 1 });
    expect(created.status).toBe(201);
    const rows = await t.hub.db.selectFrom('tokens').selectAll().execute();
    expect(rows.some((r) => r.hash.includes(created.body.token) || JSON.stringify(r).includes(created.body.token))).toBe(false);
    const list = await t.api<Array<Record<string, unknown>>>(alice, 'GET', '/api/tokens');
    expect(JSON.stringify(list.body)).not.toContain(created.body.token);
    expect((await t.api(created.body.token, 'GET', '/api/me')).status).toBe(200);
    expect((await t.api(alice, 'DELETE', `/api/tokens/${created.body.id}`)).status).toBe(204);
    expect((await t.api(created.body.token, 'GET', '/api/me')).status).toBe(401);
    expect((await t.api<ErrorBody>(bob, 'DELETE', `/api/tokens/${created.body.id}`)).body.error.code).toBe('TOKEN_NOT_FOUND');
  });

  it('lets only admins list and create users, and refuses a taken user name', async () => {
    expect((await t.api<ErrorBody>(alice, 'GET', '/api/users')).body.error.code).toBe('FORBIDDEN');
    expect((await t.api<ErrorBody>(null, 'GET', '/api/users')).body.error.code).toBe('UNAUTHENTICATED');
    expect((await t.api<ErrorBody>(alice, 'POST', '/api/users', { username: 'eve' })).status).toBe(403);
    const created = await t.api<{ username: string; password: string }>(t.adminToken, 'POST', '/api/users', { username: 'carol' });
    expect(created.status).toBe(201);
    expect(created.body.password.length).toBeGreaterThanOrEqual(16);
    expect((await t.api<ErrorBody>(t.adminToken, 'POST', '/api/users', { username: 'carol' })).body.error.code).toBe('USER_EXISTS');
    const users = await t.api<Array<{ username: string }>>(t.adminToken, 'GET', '/api/users');
    expect(users.body.map((u) => u.username)).toEqual(['admin', 'alice', 'bob', 'carol']);
    expect(JSON.stringify(users.body)).not.toContain('scrypt');
  });

  describe('bad launch requests get a 4xx with a stable code and change nothing', () => {
    const cases: Array<[string, unknown, number, string]> = [
      ['an unknown image', { image: 'no-such-image' }, 400, 'IMAGE_NOT_FOUND'],
      ['zero CPUs', { cpus: 0 }, 400, 'INVALID_RESOURCES'],
      ['negative CPUs', { cpus: -2 }, 400, 'INVALID_RESOURCES'],
      ['huge CPUs', { cpus: 1e9 }, 400, 'INVALID_RESOURCES'],
      ['zero memory', { memoryGiB: 0 }, 400, 'INVALID_RESOURCES'],
      ['huge memory', { memoryGiB: 1e6 }, 400, 'INVALID_RESOURCES'],
      ['CPUs as a string', { cpus: '2' }, 400, 'INVALID_RESOURCES'],
      ['a GPU on a hub without GPUs', { gpus: 1 }, 400, 'INVALID_RESOURCES'],
      ['negative GPUs', { gpus: -1 }, 400, 'INVALID_RESOURCES'],
      ['an unknown machine', { machine: 'nowhere' }, 400, 'MACHINE_NOT_FOUND'],
      ['an unknown field', { name: 'ok', privileged: true }, 400, 'VALIDATION_FAILED'],
      ['a name with ../', { name: '../etc' }, 400, 'INVALID_NAME'],
      ['a name with /', { name: 'a/b' }, 400, 'INVALID_NAME'],
      ['a name with spaces', { name: 'my box' }, 400, 'INVALID_NAME'],
      ['a unicode name', { name: 'café' }, 400, 'INVALID_NAME'],
      ['an upper-case name', { name: 'Main' }, 400, 'INVALID_NAME'],
      ['a 200-character name', { name: 'a'.repeat(200) }, 400, 'INVALID_NAME'],
      ['an empty name', { name: '' }, 400, 'INVALID_NAME'],
      ['a JSON array', [1, 2], 400, 'VALIDATION_FAILED'],
      ['malformed JSON', '{"name": "x"', 400, 'BAD_REQUEST'],
    ];
    for (const [what, body, status, code] of cases) {
      it(`refuses ${what} with ${code}`, async () => {
        const res = await t.api<ErrorBody>(alice, 'POST', '/api/sandboxes', body);
        expect(res.status).toBe(status);
        expect(res.body.error.code).toBe(code);
        expect(res.body.error.message).not.toMatch(/\bat \w+ \(|node_modules/);
        expect((await t.api<unknown[]>(alice, 'GET', '/api/sandboxes?ended=true')).body).toEqual([]);
        expect(runtime.containers.size).toBe(0);
      });
    }

    it('refuses a 10 MB body with BODY_TOO_LARGE', async () => {
      const res = await t.api<ErrorBody>(alice, 'POST', '/api/sandboxes', JSON.stringify({ name: 'x', pad: 'x'.repeat(10 * 1024 * 1024) }));
      expect(res.status).toBe(413);
      expect(res.body.error.code).toBe('BODY_TOO_LARGE');
      expect(runtime.containers.size).toBe(0);
    });

    it('refuses a body that is not JSON with UNSUPPORTED_MEDIA_TYPE', async () => {
      const res = await fetch(`${t.url}/api/sandboxes`, {
        method: 'POST',
        headers: { authorization: `Bearer ${alice}`, 'content-type': 'text/plain' },
        body: 'name=x',
      });
      expect(res.status).toBe(415);
      expect(((await res.json()) as ErrorBody).error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    });

    it('refuses anonymous launches with UNAUTHENTICATED', async () => {
      const res = await t.api<ErrorBody>(null, 'POST', '/api/sandboxes', {});
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('UNAUTHENTICATED');
    });
  });

  it('launches, refuses a second sandbox with a taken name, and stops', async () => {
    const first = await t.api<{ id: string; state: string }>(alice, 'POST', '/api/sandboxes', { name: 'work' });
    expect(first.status).toBe(202);
    const again = await t.api<ErrorBody>(alice, 'POST', '/api/sandboxes', { name: 'work' });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('SANDBOX_NAME_TAKEN');
    expect((await t.api<unknown[]>(alice, 'GET', '/api/sandboxes')).body).toHaveLength(1);
    expect((await t.api<ErrorBody>(bob, 'GET', `/api/sandboxes/${first.body.id}`)).body.error.code).toBe('SANDBOX_NOT_FOUND');
    await t.hub.sandboxes.settle();
    const stopped = await t.api<{ state: string }>(alice, 'DELETE', `/api/sandboxes/${first.body.id}`);
    expect(stopped.body.state).toBe('stopped');
  });

  it('answers unknown API paths with NOT_FOUND as JSON', async () => {
    const res = await t.api<ErrorBody>(alice, 'GET', '/api/nothing-here');
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('NOT_FOUND');
  });
});
