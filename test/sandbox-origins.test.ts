/**
 * Sandbox origins end to end, with the real notebook image on a real Docker Engine: the sign-in
 * handshake through the hub, what the sandbox cookie opens and for how long, the two forms of a
 * sandbox's address, and Jupyter's own XSRF check staying on for cookie requests.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeDocker, NOTEBOOK_IMAGE } from './support/docker.js';
import { startTestHub, type TestHub } from './support/hub.js';
import { authorize, codeOf, hostRequest, hubSession, sandboxCookie } from './support/sandbox-host.js';
import { waitForState } from './support/wait.js';

interface Sandbox {
  id: string;
  state: string;
  url: string;
  reason: string | null;
}

describeDocker('sandbox origins and the sign-in handshake', [NOTEBOOK_IMAGE], () => {
  let t: TestHub;
  let alice: string;
  let bob: string;
  let port: string;
  const ALICE = 'lab--alice';
  const BOB = 'lab--bob';

  beforeAll(async () => {
    t = await startTestHub({ config: { sandboxes: { defaults: { cpus: 0.5, memoryGiB: 0.5 }, readinessTimeoutSeconds: 60, stopTimeoutSeconds: 2 } } });
    port = new URL(t.url).port;
    alice = await t.user('alice');
    bob = await t.user('bob');
    const launched = await Promise.all([
      t.api<Sandbox>(alice, 'POST', '/api/sandboxes', { name: 'lab', image: 'notebook' }),
      t.api<Sandbox>(bob, 'POST', '/api/sandboxes', { name: 'lab', image: 'notebook' }),
    ]);
    await waitForState(t, alice, launched[0].body.id, 'running');
    await waitForState(t, bob, launched[1].body.id, 'running');
  }, 120_000);
  afterAll(async () => {
    await t?.close();
  });

  it("gives a sandbox's url on its own *.localhost origin, with Jupyter still under /user/<user>/<name>/", async () => {
    const [sandbox] = (await t.api<{ items: Sandbox[] }>(alice, 'GET', '/api/sandboxes')).body.items;
    expect(sandbox!.url).toBe(`http://lab--alice.localhost:${port}/user/alice/lab/`);
  });

  it('signs a browser in: sandbox host → hub sign-in → hub code → callback → Jupyter', async () => {
    const first = await hostRequest(t, `${ALICE}.localhost`, '/user/alice/lab/tree', { headers: { accept: 'text/html' } });
    expect(first.status).toBe(302);
    const authorizeUrl = first.headers.location!;
    expect(authorizeUrl).toBe(`${t.url}/api/sandboxes/authorize?host=${ALICE}&next=${encodeURIComponent('/user/alice/lab/tree')}`);
    const anonymous = await fetch(authorizeUrl, { redirect: 'manual', headers: { accept: 'text/html' } });
    expect(anonymous.status).toBe(302);
    expect(anonymous.headers.get('location')).toBe(`/login?next=${encodeURIComponent(authorizeUrl.slice(t.url.length))}`);
    const hubCookie = await hubSession(t, 'alice');
    const issued = await fetch(authorizeUrl, { redirect: 'manual', headers: { accept: 'text/html', cookie: hubCookie } });
    expect(issued.status).toBe(302);
    const callback = issued.headers.get('location')!;
    expect(callback).toMatch(new RegExp(`^http://${ALICE}\\.localhost:${port}/_shiva/callback\\?code=[A-Za-z0-9_-]{43}$`));
    const landed = await hostRequest(t, `${ALICE}.localhost`, new URL(callback).pathname + new URL(callback).search, { headers: { accept: 'text/html' } });
    expect(landed.status).toBe(302);
    expect(landed.headers.location).toBe('/user/alice/lab/tree');
    const set = landed.headers['set-cookie']![0]!;
    expect(set).toMatch(/^shiva_sandbox=[^;]+; Path=\/; HttpOnly; SameSite=Lax$/);
    const tree = await hostRequest(t, `${ALICE}.localhost`, '/user/alice/lab/tree', { headers: { accept: 'text/html', cookie: set.split(';')[0]! } });
    expect(tree.status).toBe(200);
    expect(tree.body).toContain('Jupyter');
  });

  it('keeps the hub cookies host-only (no Domain attribute), so no sandbox host ever receives them', async () => {
    const res = await fetch(`${t.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'alice', password: 'alice-password-123' }),
    });
    const cookies = res.headers.getSetCookie();
    expect(cookies.map((c) => c.split('=')[0])).toEqual(['shiva_session', 'shiva_csrf']);
    for (const cookie of cookies) expect(cookie).not.toMatch(/domain=/i);
    expect(cookies[0]).toMatch(/HttpOnly/);
  });

  it('redeems a code once', async () => {
    const issued = await authorize(t, await hubSession(t, 'alice'), ALICE, '/user/alice/lab/');
    const path = `/_shiva/callback?code=${codeOf(issued.headers.get('location'))}`;
    expect((await hostRequest(t, `${ALICE}.localhost`, path)).status).toBe(302);
    const again = await hostRequest(t, `${ALICE}.localhost`, path);
    expect(again.status).toBe(400);
    expect(JSON.parse(again.body)).toMatchObject({ error: { code: 'SIGN_IN_CODE_INVALID' } });
    expect(again.headers['set-cookie']).toBeUndefined();
  });

  it("refuses a code issued for alice's sandbox on bob's host, and it is spent there", async () => {
    const issued = await authorize(t, await hubSession(t, 'alice'), ALICE, '/user/alice/lab/');
    const path = `/_shiva/callback?code=${codeOf(issued.headers.get('location'))}`;
    const onBob = await hostRequest(t, `${BOB}.localhost`, path);
    expect(onBob.status).toBe(400);
    expect(onBob.headers['set-cookie']).toBeUndefined();
    expect((await hostRequest(t, `${ALICE}.localhost`, path)).status).toBe(400);
  });

  it("does not open bob's sandbox with the cookie of alice's, nor sign bob in to alice's", async () => {
    const cookie = await sandboxCookie(t, await hubSession(t, 'alice'), ALICE, '/user/alice/lab/');
    expect((await hostRequest(t, `${ALICE}.localhost`, '/user/alice/lab/api/contents', { headers: { cookie } })).status).toBe(200);
    const onBob = await hostRequest(t, `${BOB}.localhost`, '/user/bob/lab/api/contents', { headers: { cookie } });
    expect(onBob.status).toBe(401);
    expect(JSON.parse(onBob.body)).toMatchObject({ error: { code: 'UNAUTHENTICATED' } });
    // On alice's host only her own sandbox's path is served.
    expect((await hostRequest(t, `${ALICE}.localhost`, '/user/bob/lab/api/contents', { headers: { cookie } })).status).toBe(404);
    const bobAsksForAlice = await authorize(t, await hubSession(t, 'bob'), ALICE, '/user/alice/lab/');
    expect(bobAsksForAlice.status).toBe(403);
    expect(await bobAsksForAlice.text()).toContain('not yours');
  });

  it("still opens a sandbox when another sandbox's cookie for a parent domain comes first (cookie tossing)", async () => {
    const own = await sandboxCookie(t, await hubSession(t, 'alice'), ALICE, '/user/alice/lab/');
    const tossed = await sandboxCookie(t, await hubSession(t, 'bob'), BOB, '/user/bob/lab/');
    const res = await hostRequest(t, `${ALICE}.localhost`, '/user/alice/lab/api/contents', { headers: { cookie: `${tossed}; ${own}` } });
    expect(res.status).toBe(200);
  });

  it("refuses an admin the owner's sandbox while sandboxes.adminAccess is off, by cookie and by token", async () => {
    const denied = await fetch(`${t.url}/api/sandboxes/authorize?host=${ALICE}`, { redirect: 'manual', headers: { cookie: await hubSession(t, 'admin', 'admin-password-for-tests') } });
    expect(denied.status).toBe(403);
    expect(await denied.json()).toMatchObject({ error: { code: 'FORBIDDEN' } });
    expect((await fetch(`${t.url}/user/alice/lab/api/contents`, { headers: { authorization: `Bearer ${t.adminToken}` } })).status).toBe(403);
    expect((await hostRequest(t, `${ALICE}.localhost`, '/user/alice/lab/api/contents', { headers: { authorization: `Bearer ${t.adminToken}` } })).status).toBe(403);
  });

  it('ends the sandbox cookie with the hub session it came from', async () => {
    const hubCookie = await hubSession(t, 'alice');
    const cookie = await sandboxCookie(t, hubCookie, ALICE, '/user/alice/lab/');
    expect((await hostRequest(t, `${ALICE}.localhost`, '/user/alice/lab/api/contents', { headers: { cookie } })).status).toBe(200);
    const csrf = /shiva_csrf=([^;]+)/.exec(hubCookie)![1]!;
    expect((await fetch(`${t.url}/api/auth/logout`, { method: 'POST', headers: { cookie: hubCookie, 'x-csrf-token': csrf } })).status).toBe(204);
    expect((await hostRequest(t, `${ALICE}.localhost`, '/user/alice/lab/api/contents', { headers: { cookie } })).status).toBe(401);
    const page = await hostRequest(t, `${ALICE}.localhost`, '/user/alice/lab/tree', { headers: { cookie, accept: 'text/html' } });
    expect(page.status).toBe(302);
    expect(page.headers.location).toContain('/api/sandboxes/authorize?host=lab--alice');
  });

  it('takes bearer tokens on both forms, and sandboxes the path form on the hub origin with CSP', async () => {
    const onHub = await fetch(`${t.url}/user/alice/lab/api/contents`, { headers: { authorization: `Bearer ${alice}` } });
    expect(onHub.status).toBe(200);
    // Jupyter sends a policy of its own; ours is a second one, which narrows it (CSP3 §8.1).
    expect(onHub.headers.get('content-security-policy')!.split(',').map((p) => p.trim())).toContain('sandbox');
    const onHost = await hostRequest(t, `${ALICE}.localhost`, '/user/alice/lab/api/contents', { headers: { authorization: `Bearer ${alice}` } });
    expect(onHost.status).toBe(200);
    expect(String(onHost.headers['content-security-policy']).split(',').map((p) => p.trim())).not.toContain('sandbox');
    expect((await hostRequest(t, `${ALICE}.localhost`, '/user/alice/lab/api/contents', { headers: { authorization: `Bearer ${bob}` } })).status).toBe(403);
  });

  it('sends a browser on the path form to the sandbox origin, refuses its scripts there, and sends / on a sandbox host to the sandbox', async () => {
    const hubCookie = await hubSession(t, 'alice');
    const page = await fetch(`${t.url}/user/alice/lab/tree?x=1`, { redirect: 'manual', headers: { cookie: hubCookie, accept: 'text/html' } });
    expect(page.status).toBe(302);
    expect(page.headers.get('location')).toBe(`http://${ALICE}.localhost:${port}/user/alice/lab/tree?x=1`);
    const script = await fetch(`${t.url}/user/alice/lab/api/kernels`, { method: 'POST', headers: { cookie: hubCookie, 'content-type': 'text/plain', origin: t.url }, body: '{}' });
    expect(script.status).toBe(403);
    expect(await script.json()).toMatchObject({ error: { code: 'SANDBOX_ORIGIN_REQUIRED' } });
    const root = await hostRequest(t, `${ALICE}.localhost`, '/');
    expect(root.status).toBe(302);
    expect(root.headers.location).toBe('/user/alice/lab/');
    expect((await hostRequest(t, `${ALICE}.localhost`, '/api/me')).status).toBe(404);
  });

  it("keeps Jupyter's own XSRF check on for cookie requests, which the proxy lets through only from the sandbox origin", async () => {
    const cookie = await sandboxCookie(t, await hubSession(t, 'alice'), ALICE, '/user/alice/lab/');
    const origin = `http://${ALICE}.localhost:${port}`;
    const tree = await hostRequest(t, `${ALICE}.localhost`, '/user/alice/lab/tree', { headers: { cookie, accept: 'text/html' } });
    const xsrf = /_xsrf=([^;]+)/.exec(String(tree.headers['set-cookie']))?.[1];
    expect(xsrf).toBeTruthy();
    const body = JSON.stringify({ type: 'file', format: 'text', content: 'x' });
    const kernels = async () => JSON.parse((await hostRequest(t, `${ALICE}.localhost`, '/user/alice/lab/api/kernels', { headers: { authorization: `Bearer ${alice}` } })).body) as unknown[];
    const before = (await kernels()).length;
    const crossSite = await hostRequest(t, `${ALICE}.localhost`, '/user/alice/lab/api/kernels', { method: 'POST', headers: { cookie, origin: 'http://127.0.0.1:1', 'content-type': 'text/plain' }, body: '{}' });
    expect(crossSite.status).toBe(403);
    expect(JSON.parse(crossSite.body)).toMatchObject({ error: { code: 'ORIGIN_MISMATCH' } });
    const noXsrf = await hostRequest(t, `${ALICE}.localhost`, '/user/alice/lab/api/contents/x.txt', { method: 'PUT', headers: { cookie, origin, 'content-type': 'application/json' }, body });
    expect(noXsrf.status).toBe(403);
    const withXsrf = await hostRequest(t, `${ALICE}.localhost`, '/user/alice/lab/api/contents/x.txt', {
      method: 'PUT',
      headers: { cookie: `${cookie}; _xsrf=${xsrf}`, origin, 'content-type': 'application/json', 'x-xsrftoken': xsrf! },
      body,
    });
    expect(withXsrf.status).toBe(201);
    expect((await kernels()).length).toBe(before);
  });
});
