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
    const setCookie = login.headers.getSetCookie().find((c) => c.startsWith('shiva_session='))!;
    expect(login.headers.getSetCookie().find((c) => c.startsWith('shiva_csrf='))).not.toContain('HttpOnly');
    expect(setCookie).toContain('HttpOnly');
    expect(setCookie).toContain('SameSite=Lax');
    const cookie = setCookie.split(';')[0]!;
    const me = await fetch(`${t.url}/api/me`, { headers: { cookie } });
    expect(((await me.json()) as { user: { username: string } }).user.username).toBe('admin');
    const csrf = /shiva_csrf=([^;]+)/.exec(login.headers.getSetCookie().join('\n'))![1]!;
    // Without the CSRF token a cookie cannot change anything; with a bearer token none is needed.
    const forged = await fetch(`${t.url}/api/auth/logout`, { method: 'POST', headers: { cookie } });
    expect(forged.status).toBe(403);
    expect(((await forged.json()) as ErrorBody).error.code).toBe('CSRF_FAILED');
    const launch = await fetch(`${t.url}/api/sandboxes`, { method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body: '{"name":"forged"}' });
    expect(launch.status).toBe(403);
    expect((await fetch(`${t.url}/api/me`, { headers: { cookie } })).status).toBe(200);
    await fetch(`${t.url}/api/auth/logout`, { method: 'POST', headers: { cookie, 'x-csrf-token': csrf } });
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
    const users = await t.api<{ items: Array<{ username: string }>; total: number }>(t.adminToken, 'GET', '/api/users');
    expect(users.body.items.map((u) => u.username)).toEqual(['admin', 'alice', 'bob', 'carol']);
    expect(users.body.total).toBe(4);
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
      ['more GPUs than one sandbox may have', { gpus: 9 }, 400, 'INVALID_RESOURCES'],
      ['a GPU on a hub without GPUs', { gpus: 1 }, 409, 'NO_CAPACITY'],
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
        expect((await t.api<{ items: unknown[] }>(alice, 'GET', '/api/sandboxes?ended=true')).body.items).toEqual([]);
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
    expect((await t.api<{ items: unknown[] }>(alice, 'GET', '/api/sandboxes')).body.items).toHaveLength(1);
    expect((await t.api<ErrorBody>(bob, 'GET', `/api/sandboxes/${first.body.id}`)).body.error.code).toBe('SANDBOX_NOT_FOUND');
    await t.hub.sandboxes.settle();
    const stopped = await t.api<{ state: string }>(alice, 'DELETE', `/api/sandboxes/${first.body.id}`);
    expect(stopped.body.state).toBe('stopped');
  });

  describe('administering users', () => {
    type U = { id: number; username: string; admin: boolean; disabled: boolean };
    const find = async (name: string) => (await t.api<{ items: U[] }>(t.adminToken, 'GET', '/api/users')).body.items.find((u) => u.username === name)!;

    it('disables a user: their token and sessions stop working at once and their sandboxes stop; enabling lets them sign in again but brings no token back', async () => {
      const frank = await t.user('frank');
      const launched = await t.api<{ id: string }>(frank, 'POST', '/api/sandboxes', { name: 'busy' });
      await t.hub.sandboxes.settle();
      expect((await t.api(frank, 'GET', '/api/me')).status).toBe(200);
      const signedIn = await fetch(`${t.url}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'frank', password: 'frank-password-123' }),
      });
      const cookie = signedIn.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
      expect((await fetch(`${t.url}/api/me`, { headers: { cookie } })).status).toBe(200);
      const id = (await find('frank')).id;
      const res = await t.api<U>(t.adminToken, 'PATCH', `/api/users/${id}`, { disabled: true });
      expect(res.body.disabled).toBe(true);
      expect((await t.api(frank, 'GET', '/api/me')).status).toBe(401);
      expect((await fetch(`${t.url}/user/frank/busy/`, { headers: { authorization: `Bearer ${frank}` } })).status).toBe(401);
      expect((await fetch(`${t.url}/api/me`, { headers: { cookie } })).status).toBe(401);
      expect((await fetch(`${t.url}/user/frank/busy/`, { headers: { cookie } })).status).toBe(401);
      expect((await t.api<{ state: string }>(t.adminToken, 'GET', `/api/sandboxes/${launched.body.id}`)).body.state).toBe('stopped');
      const login = await fetch(`${t.url}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'frank', password: 'frank-password-123' }),
      });
      expect(login.status).toBe(401);
      await t.api(t.adminToken, 'PATCH', `/api/users/${id}`, { disabled: false });
      // Disabling revoked the token for good; the password signs in again.
      expect((await t.api(frank, 'GET', '/api/me')).status).toBe(401);
      const again = await fetch(`${t.url}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'frank', password: 'frank-password-123' }),
      });
      expect(again.status).toBe(200);
    });

    it('makes a user admin and back, resets a password, and never drops the last admin', async () => {
      const gina = await t.user('gina');
      const id = (await find('gina')).id;
      expect((await t.api<U>(t.adminToken, 'PATCH', `/api/users/${id}`, { admin: true })).body.admin).toBe(true);
      // Her old token was made without the admin scope; a new one gets it.
      expect((await t.api(gina, 'GET', '/api/users')).status).toBe(403);
      const asAdmin = await t.user('gina');
      expect((await t.api(asAdmin, 'GET', '/api/users')).status).toBe(200);
      expect((await t.api<U>(t.adminToken, 'PATCH', `/api/users/${id}`, { admin: false })).body.admin).toBe(false);
      expect((await t.api(asAdmin, 'GET', '/api/users')).status).toBe(403);
      await t.api(t.adminToken, 'PATCH', `/api/users/${id}`, { password: 'brand-new-password' });
      expect((await t.api(`Basic ${Buffer.from('gina:brand-new-password').toString('base64')}`, 'POST', '/api/tokens', { name: 'x' })).status).toBe(201);
      const admin = (await find('admin')).id;
      const last = await t.api<ErrorBody>(t.adminToken, 'PATCH', `/api/users/${admin}`, { disabled: true });
      expect(last.status).toBe(409);
      expect(last.body.error.code).toBe('LAST_ADMIN');
      expect((await t.api<ErrorBody>(t.adminToken, 'PATCH', '/api/users/99999', { admin: true })).body.error.code).toBe('USER_NOT_FOUND');
      expect((await t.api<ErrorBody>(t.adminToken, 'PATCH', `/api/users/${id}`, {})).body.error.code).toBe('VALIDATION_FAILED');
      expect((await t.api<ErrorBody>(gina, 'PATCH', `/api/users/${id}`, { admin: true })).body.error.code).toBe('FORBIDDEN');
    });
  });

  it('changes your own password only with the current one', async () => {
    const hank = await t.user('hank');
    const wrong = await t.api<ErrorBody>(hank, 'PUT', '/api/me/password', { currentPassword: 'nope', newPassword: 'another-password' });
    expect(wrong.body.error.code).toBe('INVALID_CREDENTIALS');
    expect((await t.api(hank, 'PUT', '/api/me/password', { currentPassword: 'hank-password-123', newPassword: 'another-password' })).status).toBe(204);
    expect((await t.api(`Basic ${Buffer.from('hank:another-password').toString('base64')}`, 'POST', '/api/tokens', { name: 'x' })).status).toBe(201);
  });

  it('shows admins the recent events of every sandbox, newest first, and nobody else', async () => {
    const events = await t.api<{ entries: Array<{ id: number; user: string; name: string; state: string }> }>(t.adminToken, 'GET', '/api/events?limit=5');
    expect(events.status).toBe(200);
    expect(events.body.entries.length).toBeGreaterThan(0);
    expect(events.body.entries.length).toBeLessThanOrEqual(5);
    expect(events.body.entries[0]!.id).toBeGreaterThan(events.body.entries.at(-1)!.id);
    expect(events.body.entries[0]).toHaveProperty('user');
    // Each coded event keeps its code and values through the response schema.
    const all = await t.api<{ entries: Array<{ code: string | null; params: Record<string, unknown> | null; message: string }> }>(t.adminToken, 'GET', '/api/events?limit=100');
    const queued = all.body.entries.find((e) => e.code === 'queued');
    expect(queued?.params).toMatchObject({ machine: expect.any(String), gpus: expect.any(String) });
    expect(queued?.message).toContain(`Queued on ${String(queued?.params?.machine)}`);
    const ready = all.body.entries.find((e) => e.code === 'ready');
    expect(ready?.params?.seconds).toEqual(expect.any(Number));
    expect((await t.api(alice, 'GET', '/api/events')).status).toBe(403);
  });

  it("reports each machine's capacity, what sandboxes were given, and who is on it", async () => {
    const sandbox = await t.api<{ id: string }>(alice, 'POST', '/api/sandboxes', { name: 'onmachine', cpus: 1.5, memoryGiB: 1 });
    const machines = await t.api<Array<{ name: string; status: string; cpus: number; allocated: { cpus: number; memoryBytes: number }; sandboxes: Array<{ user: string; name: string; cpus: number; cpuRequest: number }> }>>(alice, 'GET', '/api/machines');
    expect(machines.body[0]).toMatchObject({ name: 'local', status: 'up', cpus: 8 });
    // A machine holds the CPU request (a quarter of the limit by default), not the limit.
    expect(machines.body[0]!.allocated.cpus).toBe(0.375);
    expect(machines.body[0]!.sandboxes).toEqual([expect.objectContaining({ cpus: 1.5, cpuRequest: 0.375 })]);
    expect(machines.body[0]!.allocated.memoryBytes).toBe(1024 ** 3);
    expect(machines.body[0]!.sandboxes).toEqual([expect.objectContaining({ user: 'alice', name: 'onmachine' })]);
    await t.hub.sandboxes.settle();
    await t.api(alice, 'DELETE', `/api/sandboxes/${sandbox.body.id}`);
  });

  it('answers unknown API paths with NOT_FOUND as JSON', async () => {
    const res = await t.api<ErrorBody>(alice, 'GET', '/api/nothing-here');
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('NOT_FOUND');
  });
});
