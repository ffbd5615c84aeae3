/** Tokens do what their scopes say and never more than their owner may. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeRuntime } from '../src/runtime/fake/fake-runtime.js';
import { startTestHub, type TestHub } from './support/hub.js';

type ErrorBody = { error: { code: string; message: string } };

describe('token scopes', () => {
  let t: TestHub;
  let runtime: FakeRuntime;
  let lee: string;
  let sandboxId: string;

  beforeAll(async () => {
    runtime = new FakeRuntime();
    t = await startTestHub({ makeRuntime: () => runtime });
    lee = await t.user('lee');
    sandboxId = (await t.api<{ id: string }>(lee, 'POST', '/api/sandboxes', { name: 'lab' })).body.id;
    await t.hub.sandboxes.settle();
  });
  afterAll(async () => {
    await t.close();
    await runtime.closeAll();
  });

  const tokenWith = async (owner: string, scopes?: string[]) => {
    const res = await t.api<{ token: string; scopes: string[] }>(owner, 'POST', '/api/tokens', { name: 'scoped', ...(scopes ? { scopes } : {}) });
    expect(res.status).toBe(201);
    return res.body;
  };

  it('gives a token everything its owner may by default, and admin only to admins', async () => {
    expect((await tokenWith(lee)).scopes).toEqual(['sandboxes:read', 'sandboxes:launch', 'sandboxes:access', 'machines:read', 'tokens:write', 'account:write', 'ssh-keys:write']);
    expect((await tokenWith(t.adminToken)).scopes).toContain('admin');
    const refused = await t.api<ErrorBody>(lee, 'POST', '/api/tokens', { name: 'x', scopes: ['admin'] });
    expect(refused.status).toBe(403);
    expect((await t.api<ErrorBody>(lee, 'POST', '/api/tokens', { name: 'x', scopes: ['root'] })).body.error.code).toBe('VALIDATION_FAILED');
  });

  it('lets a sandboxes:read token list and follow, but not launch, stop or open a sandbox', async () => {
    const { token } = await tokenWith(lee, ['sandboxes:read']);
    expect((await t.api(token, 'GET', '/api/sandboxes')).status).toBe(200);
    expect((await t.api(token, 'GET', `/api/sandboxes/${sandboxId}`)).status).toBe(200);
    const launch = await t.api<ErrorBody>(token, 'POST', '/api/sandboxes', { name: 'other' });
    expect(launch.status).toBe(403);
    expect(launch.body.error.message).toContain('sandboxes:launch');
    expect((await t.api(token, 'DELETE', `/api/sandboxes/${sandboxId}`)).status).toBe(403);
    expect((await t.api(token, 'GET', '/api/machines')).status).toBe(403);
    const open = await fetch(`${t.url}/user/lee/lab/api/status`, { headers: { authorization: `Bearer ${token}` } });
    expect(open.status).toBe(403);
    expect(await open.text()).toContain('sandboxes:access');
    const full = await fetch(`${t.url}/user/lee/lab/api/status`, { headers: { authorization: `Bearer ${lee}` } });
    expect(full.status).toBe(200);
  });

  it("makes a token unable to pass on scopes it lacks, and an admin's token without admin scope an ordinary user's", async () => {
    const { token } = await tokenWith(lee, ['sandboxes:read']);
    expect((await t.api(token, 'POST', '/api/tokens', { name: 'wider', scopes: ['sandboxes:launch'] })).status).toBe(403);
    const plain = await tokenWith(t.adminToken, ['sandboxes:read', 'sandboxes:access']);
    expect((await t.api(plain.token, 'GET', '/api/users')).status).toBe(403);
    const open = await fetch(`${t.url}/user/lee/lab/api/status`, { headers: { authorization: `Bearer ${plain.token}` } });
    expect(open.status).toBe(403);
  });
});
