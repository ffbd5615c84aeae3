/** The Bearer scheme is matched in any case (RFC 9110 §11.1), by the API and by the proxy. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeRuntime } from '../src/runtime/fake/fake-runtime.js';
import { startTestHub, type TestHub } from './support/hub.js';

describe('the Bearer scheme', () => {
  let t: TestHub;
  let runtime: FakeRuntime;
  let token: string;

  beforeAll(async () => {
    runtime = new FakeRuntime();
    t = await startTestHub({ makeRuntime: () => runtime });
    token = await t.user('wen');
    expect((await t.api(token, 'POST', '/api/sandboxes', { name: 'lab' })).status).toBe(202);
    await t.hub.sandboxes.settle();
  });
  afterAll(async () => {
    await t.close();
    await runtime.closeAll();
  });

  it.each(['bearer', 'BEARER', 'bEaReR'])('takes "%s" in the API and, twice (the cached path too), in the proxy', async (scheme) => {
    const headers = { authorization: `${scheme} ${token}` };
    const me = await fetch(`${t.url}/api/me`, { headers });
    expect(me.status).toBe(200);
    for (let i = 0; i < 2; i++) expect((await fetch(`${t.url}/user/wen/lab/api/status`, { headers })).status).toBe(200);
  });

  it('still refuses a wrong token whatever the case of the scheme', async () => {
    expect((await fetch(`${t.url}/api/me`, { headers: { authorization: 'bearer shiva_wrong' } })).status).toBe(401);
    expect((await fetch(`${t.url}/user/wen/lab/api/status`, { headers: { authorization: 'BEARER shiva_wrong' } })).status).toBe(401);
  });
});
