import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { jupyterControl, mayStop, signOutAtOnce } from './jupyter-controls.js';
import { signOutPage } from './pages.js';
import type { ProxyIdentity } from './types.js';

const request = (headers: Record<string, string>): IncomingMessage => ({ headers }) as IncomingMessage;
const identity = (scopes?: string[]): ProxyIdentity => ({
  userId: 1,
  username: 'alice',
  admin: false,
  via: scopes ? 'token' : 'session',
  credentialId: 'c',
  scopes: scopes ? new Set(scopes) : null,
});

describe("Jupyter's Logout and Quit", () => {
  it("takes only Jupyter's own two routes, exactly, with a query or without", () => {
    expect(jupyterControl('GET', '/logout')).toBe('logout');
    expect(jupyterControl('POST', '/logout?x=1')).toBe('logout');
    expect(jupyterControl('POST', '/api/shutdown')).toBe('shutdown');
    expect(jupyterControl('POST', '/api/shutdown?x=1')).toBe('shutdown');
    for (const [method, rest] of [
      ['GET', '/api/shutdown'],
      ['PUT', '/logout'],
      ['GET', '/logout/x'],
      ['GET', '/tree/logout'],
      ['POST', '/api/shutdowns'],
      ['POST', '/api/kernels'],
      ['GET', '/'],
    ] as const) {
      expect(jupyterControl(method, rest)).toBeNull();
    }
  });

  it("signs out at once only when the browser says the sandbox's own page or the person asked", () => {
    expect(signOutAtOnce(request({ 'sec-fetch-site': 'same-origin' }))).toBe(true);
    expect(signOutAtOnce(request({ 'sec-fetch-site': 'none' }))).toBe(true);
    // Another sandbox's origin is the same site; an old browser says nothing.
    expect(signOutAtOnce(request({ 'sec-fetch-site': 'same-site' }))).toBe(false);
    expect(signOutAtOnce(request({ 'sec-fetch-site': 'cross-site' }))).toBe(false);
    expect(signOutAtOnce(request({}))).toBe(false);
  });

  it('lets a session stop its sandbox, and a token only with sandboxes:launch', () => {
    expect(mayStop(identity())).toBe(true);
    expect(mayStop(identity(['sandboxes:access', 'sandboxes:launch']))).toBe(true);
    expect(mayStop(identity(['sandboxes:access']))).toBe(false);
  });

  it('asks with a same-origin POST form and escapes what it links', () => {
    const page = signOutPage({ action: '/user/alice/lab/logout?"><script>x</script>', back: '/user/alice/lab/' });
    expect(page).toContain('<form method="post" action="/user/alice/lab/logout?&quot;&gt;&lt;script&gt;');
    expect(page).not.toContain('<script>x');
    expect(page).toContain('href="/user/alice/lab/"');
  });
});
