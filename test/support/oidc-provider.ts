/**
 * A real OpenID Connect provider on loopback (the oidc-provider package) that behaves like
 * Google for what Shiva checks: an `hd` claim in the ID token for organisation accounts.
 */
import http from 'node:http';
import Provider from 'oidc-provider';

export interface TestAccount {
  sub: string;
  email: string;
  email_verified?: boolean;
  hd?: string;
  groups?: string[];
}

export interface TestProvider {
  issuer: string;
  clientId: string;
  clientSecret: string;
  close(): Promise<void>;
}

export async function startProvider(options: { port: number; redirectUris: string[]; accounts: Record<string, TestAccount> }): Promise<TestProvider> {
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
    claims: { openid: ['sub'], email: ['email', 'email_verified', 'hd'], profile: ['groups'] },
    // Like Google: the claims of the asked scopes are in the ID token itself.
    conformIdTokenClaims: false,
    findAccount: (_ctx, id) => {
      const account = options.accounts[id];
      if (!account) return undefined;
      return { accountId: id, claims: () => ({ ...account }) };
    },
    features: { devInteractions: { enabled: true } },
    cookies: { keys: ['shiva-test-cookie-key'] },
    // Quiet in tests: the provider warns about its development settings.
  });
  const server = http.createServer(provider.callback());
  await new Promise<void>((resolve) => server.listen(options.port, '127.0.0.1', resolve));
  return {
    issuer,
    clientId,
    clientSecret,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
