// @vitest-environment happy-dom
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError, request, setUnauthenticatedHandler, signInPath } from './client';
import { connection } from './connection';

const answer = (status: number, body: unknown, type = 'application/json') =>
  vi.fn(async (_url: string, _init?: RequestInit) => new Response(typeof body === 'string' ? body : JSON.stringify(body), { status, headers: { 'content-type': type } }));

afterEach(() => {
  vi.unstubAllGlobals();
  connection.markReachable();
});

describe('request', () => {
  it('sends JSON with the session cookie and returns the answer', async () => {
    const fetch = answer(200, { ok: true });
    vi.stubGlobal('fetch', fetch);
    expect(await request('/api/sandboxes', { method: 'POST', body: { name: 'main' } })).toEqual({ ok: true });
    expect(fetch).toHaveBeenCalledWith(
      '/api/sandboxes',
      expect.objectContaining({ method: 'POST', credentials: 'same-origin', body: '{"name":"main"}', headers: expect.objectContaining({ 'content-type': 'application/json' }) }),
    );
  });

  it("leaves the browser's cache mode alone, so a poll of an unchanged answer is revalidated with its ETag", async () => {
    const fetch = answer(200, []);
    vi.stubGlobal('fetch', fetch);
    await request('/api/machines');
    const init = fetch.mock.calls[0]![1]!;
    expect(init.cache).toBeUndefined();
    expect(new Headers(init.headers).has('cache-control')).toBe(false);
  });

  it("turns the hub's errors into ApiError with their code", async () => {
    vi.stubGlobal('fetch', answer(409, { error: { code: 'SANDBOX_NAME_TAKEN', message: 'taken' } }));
    const err = await request('/api/sandboxes').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 409, code: 'SANDBOX_NAME_TAKEN', message: 'taken' });
  });

  it('sends the person to sign in when the session is over, and not for a wrong password', async () => {
    const handler = vi.fn();
    setUnauthenticatedHandler(handler);
    vi.stubGlobal('fetch', answer(401, { error: { code: 'INVALID_CREDENTIALS', message: 'wrong' } }));
    await request('/api/auth/login').catch(() => undefined);
    expect(handler).not.toHaveBeenCalled();
    vi.stubGlobal('fetch', answer(401, { error: { code: 'UNAUTHENTICATED', message: 'sign in' } }));
    await request('/api/me').catch(() => undefined);
    expect(handler).toHaveBeenCalledTimes(1);
  });

  it('marks the hub unreachable when nothing answers, and reachable again when it does', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => Promise.reject(new TypeError('Failed to fetch'))));
    await expect(request('/api/me')).rejects.toMatchObject({ code: 'UNREACHABLE' });
    expect(connection.isReachable()).toBe(false);
    vi.stubGlobal('fetch', answer(200, []));
    await request('/api/me');
    expect(connection.isReachable()).toBe(true);
  });

  it('takes a gateway error page for an unreachable hub', async () => {
    vi.stubGlobal('fetch', answer(502, '<html>Bad Gateway</html>', 'text/html'));
    await expect(request('/api/me')).rejects.toMatchObject({ code: 'UNREACHABLE', status: 502 });
    expect(connection.isReachable()).toBe(false);
  });

  it('accepts an empty 204', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => new Response(null, { status: 204 })));
    expect(await request('/api/tokens/tok_1', { method: 'DELETE' })).toBeNull();
  });
});

describe('signInPath', () => {
  it('comes back to where the person was', () => {
    expect(signInPath({ pathname: '/machines', search: '?x=1' })).toBe('/login?next=%2Fmachines%3Fx%3D1');
    expect(signInPath({ pathname: '/', search: '' })).toBe('/login');
  });
});
