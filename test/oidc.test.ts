/**
 * Company sign-in against real OpenID Connect providers on loopback, in real headless
 * Chromium: a Google-like one (claims in the ID token, an `hd` claim decides who gets in) and a
 * conformant one (claims only from userinfo, as Keycloak and Okta send them); every refusal shows
 * a page that says why, creates no account and leaves one audit entry.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { chromiumMissing, launchBrowser } from './support/browser.js';
import { describeDocker, NOTEBOOK_IMAGE, TINY_IMAGE } from './support/docker.js';
import { freePort, startTestHub, type TestHub } from './support/hub.js';
import { startProvider, type TestProvider } from './support/oidc-provider.js';

const ACCOUNTS = {
  alice: { sub: 'sub-alice', email: 'Alice.Smith@corp.example', email_verified: true, hd: 'corp.example' },
  boss: { sub: 'sub-boss', email: 'boss@corp.example', email_verified: true, hd: 'corp.example' },
  eve: { sub: 'sub-eve', email: 'eve@other.example', email_verified: true, hd: 'other.example' },
  pat: { sub: 'sub-pat', email: 'pat@corp.example', email_verified: true },
};

/** Accounts of the conformant provider; their login name is their subject. */
const CONFORMANT_ACCOUNTS = {
  carol: { sub: 'carol', email: 'carol@corp.example', email_verified: true, groups: ['staff'], uidNumber: '5001', gidNumber: 5000 },
  dana: { sub: 'dana', email: 'dana@corp.example', email_verified: true, groups: ['staff', 'shiva-admins'], uidNumber: 5002, gidNumber: 5000 },
  // frank's directory entry has carol's uid; gina's has none that is a number
  frank: { sub: 'frank', email: 'frank@corp.example', email_verified: true, uidNumber: 5001, gidNumber: 5000 },
  gina: { sub: 'gina', email: 'gina@corp.example', email_verified: true, uidNumber: 'gina', gidNumber: 5000 },
  erin: { sub: 'erin', email: 'erin@corp.example', email_verified: false },
  // userinfo claims mallory is carol
  mallory: { sub: 'mallory', email: 'mallory@corp.example', email_verified: true },
  // userinfo answers 500 for olaf
  olaf: { sub: 'olaf', email: 'olaf@corp.example', email_verified: true },
};

describeDocker('company sign-in with OpenID Connect', [TINY_IMAGE, NOTEBOOK_IMAGE], () => {
  let provider: TestProvider;
  let hub: TestHub;
  let late: TestHub;
  let conformantProvider: TestProvider;
  let conformant: TestHub;
  let browser: Browser;

  beforeAll(async () => {
    const missing = chromiumMissing();
    if (missing) throw new Error(missing);
    const [providerPort, hubPort, latePort] = [await freePort(), await freePort(), await freePort()];
    const [conformantProviderPort, conformantPort] = [await freePort(), await freePort()];
    provider = await startProvider({
      port: providerPort,
      redirectUris: [hubPort, latePort].map((p) => `http://127.0.0.1:${p}/api/auth/oidc/callback`),
      accounts: ACCOUNTS,
    });
    const oidc = {
      preset: 'google',
      issuer: provider.issuer,
      clientId: provider.clientId,
      allowedDomains: ['corp.example'],
      admins: ['boss@corp.example'],
    };
    const env = { SHIVA_OIDC_CLIENT_SECRET: provider.clientSecret };
    hub = await startTestHub({ port: hubPort, env, config: { auth: { oidc, local: { enabled: false, breakGlassAdmin: true } } } });
    // A hub whose clock runs two hours ahead of the provider's: every ID token looks expired.
    late = await startTestHub({ port: latePort, env, oidcClockSkewSeconds: 2 * 3600, config: { auth: { oidc } } });
    conformantProvider = await startProvider({
      port: conformantProviderPort,
      redirectUris: [`http://127.0.0.1:${conformantPort}/api/auth/oidc/callback`],
      accounts: CONFORMANT_ACCOUNTS,
      conformant: true,
      userinfoFaults: { mallory: { sub: 'carol' }, olaf: { status: 500 } },
    });
    conformant = await startTestHub({
      port: conformantPort,
      env: { SHIVA_OIDC_CLIENT_SECRET: conformantProvider.clientSecret },
      config: {
        auth: {
          oidc: {
            issuer: conformantProvider.issuer,
            clientId: conformantProvider.clientId,
            allowedDomains: ['corp.example'],
            adminGroups: ['shiva-admins'],
            uidClaim: 'uidNumber',
            gidClaim: 'gidNumber',
          },
        },
      },
    });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await hub?.close();
    await late?.close();
    await conformant?.close();
    await provider?.close();
    await conformantProvider?.close();
  });

  /** A browser context that may talk to loopback only (the hub, sandbox origins under *.localhost, the provider). */
  async function context(): Promise<BrowserContext> {
    const ctx = await browser.newContext();
    await ctx.route('**/*', (route) => {
      const host = new URL(route.request().url()).hostname;
      return host === '127.0.0.1' || host === 'localhost' || host.endsWith('.localhost') ? route.continue() : route.abort();
    });
    return ctx;
  }

  /** Signs in at the provider's own pages as `login`. */
  async function atProvider(page: Page, login: string): Promise<void> {
    await page.locator('input[name=login]').fill(login);
    await page.locator('input[name=password]').fill('any');
    await page.locator('button[type=submit]').click();
    await page.getByRole('button', { name: 'Continue' }).click();
  }

  const usernames = async (t: TestHub) => (await t.hub.users.list()).map((u) => u.username);
  const lastAudit = async (t: TestHub) => (await t.hub.audit.find({ action: 'auth.login', limit: 1 }))[0]!;
  const lastRefusalCode = async (t: TestHub) => (JSON.parse((await lastAudit(t)).details ?? '{}') as { reason?: string }).reason;

  it('signs in a company account, lands where it was going, launches and opens the sandbox through the proxy', async () => {
    const ctx = await context();
    const page = await ctx.newPage();
    await page.goto(`${hub.url}/user/alice-smith/main/api/status`, { waitUntil: 'domcontentloaded' });
    // Anonymous at a sandbox: sent to sign in; the sign-in page offers the company button.
    expect(page.url()).toContain('/login?next=');
    const providers = await (await ctx.request.get(`${hub.url}/api/auth/providers`)).json();
    expect(providers).toEqual({ local: false, oidc: { name: 'Google', loginUrl: '/api/auth/oidc/login' } });

    const start = await ctx.request.get(`${hub.url}/api/auth/oidc/login?next=/`, { maxRedirects: 0 });
    const authorize = new URL(start.headers().location!);
    expect(authorize.searchParams.get('hd')).toBe('corp.example');
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    await page.goto(authorize.href);
    await atProvider(page, 'alice');
    await page.waitForURL(`${hub.url}/`);

    expect(await usernames(hub)).toContain('alice-smith');
    // Everything the configuration needs was in the ID token: userinfo was not asked.
    expect(provider.userinfoServed).toEqual([]);
    const audit = await lastAudit(hub);
    expect([audit.actor, audit.result]).toEqual(['alice-smith', 'ok']);

    const me = await (await ctx.request.get(`${hub.url}/api/me`)).json();
    expect(me.user).toMatchObject({ username: 'alice-smith', admin: false });
    const launched = await ctx.request.post(`${hub.url}/api/sandboxes`, { data: { name: 'main', image: 'notebook' }, headers: csrfHeader(await ctx.cookies(hub.url)) });
    expect(launched.status()).toBe(202);
    await hub.hub.sandboxes.settle();
    // The path form sends the browser to the sandbox's own origin, which signs it in through the hub.
    await page.goto(`${hub.url}/user/alice-smith/main/api/status`);
    expect(page.url()).toBe(`http://main--alice-smith.localhost:${new URL(hub.url).port}/user/alice-smith/main/api/status`);
    expect(await page.locator('body').textContent()).toContain('"started"');
    await ctx.close();
  });

  it.each(['/\t/evil.example', '/%2F%2Fevil.example', '/\\evil.example', 'https://evil.example/'])(
    'lands on the hub itself after signing in when next is %j',
    async (next) => {
      const ctx = await context();
      const page = await ctx.newPage();
      const start = await ctx.request.get(`${hub.url}/api/auth/oidc/login?next=${encodeURIComponent(next)}`, { maxRedirects: 0 });
      await page.goto(start.headers().location!);
      const callback = page.waitForResponse((r) => r.url().startsWith(`${hub.url}/api/auth/oidc/callback`));
      await atProvider(page, 'alice');
      expect((await callback).headers().location).toBe('/');
      await page.waitForURL(`${hub.url}/`);
      await ctx.close();
    },
  );

  it('makes the listed people admins, and keeps local passwords off except the break-glass admin', async () => {
    const ctx = await context();
    const page = await ctx.newPage();
    await page.goto(`${hub.url}/api/auth/oidc/login`);
    await atProvider(page, 'boss');
    await page.waitForURL(`${hub.url}/`);
    const me = await (await ctx.request.get(`${hub.url}/api/me`)).json();
    expect(me.user).toMatchObject({ username: 'boss', admin: true });
    await ctx.close();
    const local = await hub.api<{ error: { code: string } }>(`Basic ${Buffer.from('alice-smith:x').toString('base64')}`, 'POST', '/api/tokens', { name: 'x' });
    expect(local.body.error.code).toBe('LOCAL_SIGN_IN_DISABLED');
  });

  async function refused(t: TestHub, go: (page: Page, ctx: BrowserContext) => Promise<void>): Promise<string> {
    const before = await usernames(t);
    const ctx = await context();
    const page = await ctx.newPage();
    await go(page, ctx);
    await page.locator('#reason').waitFor();
    const reason = (await page.locator('#reason').textContent())!;
    expect(await page.title()).toContain('Sign-in refused');
    expect(await usernames(t)).toEqual(before);
    expect((await ctx.cookies(t.url)).some((c) => c.name === 'shiva_session')).toBe(false);
    expect((await lastAudit(t)).result).toBe('refused');
    await ctx.close();
    return reason;
  }

  it('refuses an account of another domain', async () => {
    const reason = await refused(hub, async (page) => {
      await page.goto(`${hub.url}/api/auth/oidc/login`);
      await atProvider(page, 'eve');
    });
    expect(reason).toContain('accounts of other.example may not sign in here');
  });

  it('refuses an ID token without hd although the hd parameter was sent, when userinfo has none either', async () => {
    const reason = await refused(hub, async (page) => {
      await page.goto(`${hub.url}/api/auth/oidc/login`);
      await atProvider(page, 'pat');
    });
    expect(reason).toContain('personal account');
    expect(provider.userinfoServed).toEqual(['pat']);
  });

  it('signs in people whose email and groups a conformant provider gives only from userinfo', async () => {
    for (const [login, admin] of [
      ['carol', false],
      ['dana', true],
    ] as const) {
      const ctx = await context();
      const page = await ctx.newPage();
      await page.goto(`${conformant.url}/api/auth/oidc/login`);
      await atProvider(page, login);
      await page.waitForURL(`${conformant.url}/`);
      const me = await (await ctx.request.get(`${conformant.url}/api/me`)).json();
      // The ids come from the directory's claims (carol's uid as a string), not the hub's range.
      expect(me.user).toMatchObject({ username: login, admin, uid: login === 'carol' ? 5001 : 5002, gid: 5000 });
      expect(await lastAudit(conformant)).toMatchObject({ actor: login, result: 'ok' });
      await ctx.close();
    }
    // The ID tokens held no email: each sign-in read userinfo once.
    expect(conformantProvider.userinfoServed).toEqual(['carol', 'dana']);
  });

  it('refuses an email that userinfo says is unverified', async () => {
    const reason = await refused(conformant, async (page) => {
      await page.goto(`${conformant.url}/api/auth/oidc/login`);
      await atProvider(page, 'erin');
    });
    expect(reason).toContain('not verified');
    expect(await lastRefusalCode(conformant)).toBe('email_unverified');
  });

  it("refuses a userinfo answer about another account than the ID token's", async () => {
    const reason = await refused(conformant, async (page) => {
      await page.goto(`${conformant.url}/api/auth/oidc/login`);
      await atProvider(page, 'mallory');
    });
    expect(reason).toContain('another account');
    expect(await lastRefusalCode(conformant)).toBe('userinfo_subject_mismatch');
  });

  it("refuses a person whose directory uid is another account's, or not a number, making no account", async () => {
    // carol signed in above with 5001.
    expect((await conformant.hub.users.byName('carol'))?.uid).toBe(5001);
    const taken = await refused(conformant, async (page) => {
      await page.goto(`${conformant.url}/api/auth/oidc/login`);
      await atProvider(page, 'frank');
    });
    expect(taken).toContain('Your user id 5001 already belongs to another account here');
    expect(await lastRefusalCode(conformant)).toBe('uid_taken');
    const invalid = await refused(conformant, async (page) => {
      await page.goto(`${conformant.url}/api/auth/oidc/login`);
      await atProvider(page, 'gina');
    });
    expect(invalid).toContain("the identity provider's claim uidNumber is not a whole number");
    expect(await lastRefusalCode(conformant)).toBe('uid_claim_invalid');
  });

  it('refuses a sign-in whose userinfo request fails', async () => {
    const reason = await refused(conformant, async (page) => {
      await page.goto(`${conformant.url}/api/auth/oidc/login`);
      await atProvider(page, 'olaf');
    });
    expect(reason).toContain('userinfo');
    expect(await lastRefusalCode(conformant)).toBe('userinfo_failed');
  });

  it('refuses a replayed callback', async () => {
    const ctx = await context();
    const page = await ctx.newPage();
    let callback = '';
    page.on('request', (r) => {
      if (r.url().includes('/api/auth/oidc/callback')) callback = r.url();
    });
    await page.goto(`${hub.url}/api/auth/oidc/login`);
    await atProvider(page, 'alice');
    await page.waitForURL(`${hub.url}/`);
    await ctx.close();
    const reason = await refused(hub, async (p) => {
      await p.goto(callback);
    });
    expect(reason).toContain('unknown or has expired');
  });

  it('refuses a mismatched state and a wrong nonce', async () => {
    for (const [param, expected] of [
      ['state', /state/i],
      ['nonce', /nonce/i],
    ] as const) {
      const reason = await refused(hub, async (page, ctx) => {
        const start = await ctx.request.get(`${hub.url}/api/auth/oidc/login`, { maxRedirects: 0 });
        const authorize = new URL(start.headers().location!);
        authorize.searchParams.set(param, 'tampered-value-0123456789');
        await page.goto(authorize.href);
        await atProvider(page, 'alice');
      });
      expect(reason, reason).toMatch(expected);
    }
  });

  it('refuses an expired ID token', async () => {
    const reason = await refused(late, async (page) => {
      await page.goto(`${late.url}/api/auth/oidc/login`);
      await atProvider(page, 'alice');
    });
    expect(reason).toMatch(/exp|timestamp|expired/i);
  });
});

/** The CSRF header a cookie-authenticated request sends, when the hub set its cookie. */
function csrfHeader(cookies: Array<{ name: string; value: string }>): Record<string, string> {
  const csrf = cookies.find((c) => c.name === 'shiva_csrf');
  return csrf ? { 'x-csrf-token': csrf.value } : {};
}
