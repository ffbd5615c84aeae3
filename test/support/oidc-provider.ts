/**
 * A real OpenID Connect provider on loopback (the oidc-provider package). By default it behaves
 * like Google for what Shiva checks: the claims of the asked scopes (`email`, `hd` for
 * organisation accounts, groups) are in the ID token. With `conformant: true` it keeps its own
 * default, as Keycloak and Okta do: the ID token of the code flow holds only `sub` and the
 * protocol claims, and everything else comes from the userinfo endpoint.
 */
import http from 'node:http';
import Provider from 'oidc-provider';

export interface TestAccount {
  sub: string;
  email: string;
  email_verified?: boolean;
  hd?: string;
  groups?: string[];
  /** Numeric ids as a directory-backed provider maps them (sent as numbers or strings). */
  uidNumber?: number | string;
  gidNumber?: number | string;
}

export interface TestProvider {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** The subject of each userinfo request answered with 200 so far, in order (before any fault). */
  userinfoServed: string[];
  close(): Promise<void>;
}

/** A userinfo answer to falsify for one account: another account's `sub`, or an HTTP error status. */
export type UserInfoFault = { sub: string } | { status: number };

export interface ProviderOptions {
  port: number;
  redirectUris: string[];
  /** By login name, which is also the account's `sub`. */
  accounts: Record<string, TestAccount>;
  /** Claims only in userinfo (OpenID Connect Core 1.0 §5.4), not in the ID token. */
  conformant?: boolean;
  /** By login name: the provider's userinfo endpoint answers this instead of the truth. */
  userinfoFaults?: Record<string, UserInfoFault>;
}

export async function startProvider(options: ProviderOptions): Promise<TestProvider> {
  const issuer = `http://127.0.0.1:${options.port}`;
  const clientId = 'shiva-test';
  const clientSecret = 'shiva-test-secret-which-is-long-enough';
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: options.redirectUris,
        grant_types: ['authorization_code'],
        response_types: ['code'],
      },
    ],
    claims: { openid: ['sub'], email: ['email', 'email_verified', 'hd'], profile: ['groups', 'uidNumber', 'gidNumber'] },
    // false is like Google: the claims of the asked scopes are in the ID token itself.
    conformIdTokenClaims: options.conformant ?? false,
    findAccount: (_ctx, id) => {
      const account = options.accounts[id];
      if (!account) return undefined;
      return { accountId: id, claims: () => ({ ...account }) };
    },
    features: { devInteractions: { enabled: true } },
    cookies: { keys: ['shiva-test-cookie-key'] },
    // Quiet in tests: the provider warns about its development settings.
  });
  const faults = options.userinfoFaults ?? {};
  const userinfoServed: string[] = [];
  provider.use(async (ctx, next) => {
    await next();
    const body: unknown = ctx.body;
    if (ctx.path !== '/me' || ctx.status !== 200 || typeof body !== 'object' || body === null || !('sub' in body)) return;
    userinfoServed.push(String(body.sub));
    const fault = faults[String(body.sub)];
    if (!fault) return;
    if ('status' in fault) {
      ctx.status = fault.status;
      ctx.body = { error: 'server_error', error_description: 'userinfo is broken for this test' };
    } else {
      ctx.body = { ...body, sub: fault.sub };
    }
  });
  const server = http.createServer(provider.callback());
  await new Promise<void>((resolve) => server.listen(options.port, '127.0.0.1', resolve));
  return {
    issuer,
    clientId,
    clientSecret,
    userinfoServed,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
