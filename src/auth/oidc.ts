/**
 * Sign-in with an OpenID Connect provider (Google, Entra, Keycloak, Dex, Okta…): authorization
 * code with PKCE, state and nonce, the ID token checked by openid-client. Who may come in is
 * decided here from the ID token's claims (completed from userinfo where it lacks one the
 * configuration needs, see oidc-userinfo.ts), never from what the browser sent: for Google, the
 * `hd` claim must name an allowed domain (the `hd` request parameter only pre-selects one).
 */
import { randomBytes } from 'node:crypto';
import * as client from 'openid-client';
import type { Config } from '../config/schema.js';
import type { UserRepository, UserRow } from '../store/users.js';
import { createAccount, idsFromClaims } from './oidc-ids.js';
import { completeClaims, neededClaims, UserInfoError, type SignInClaims } from './oidc-userinfo.js';
import { freeUsername } from './usernames.js';

export type OidcSettings = NonNullable<Config['auth']['oidc']>;

const GOOGLE_ISSUER = 'https://accounts.google.com';
/** How long a person may take at the provider before the sign-in has to start over. */
const FLOW_TTL_MS = 10 * 60_000;

/**
 * Why a person was not let in: `reason` is shown to them on the sign-in page, `code` is stable
 * and goes to the audit log (docs/configuration.md, "Company sign-in", lists them).
 */
export type OidcRefusalCode =
  | 'domain_not_allowed'
  | 'email_not_allowed'
  | 'email_unverified'
  | 'disabled'
  | 'invalid_response'
  | 'provider_unavailable'
  | 'userinfo_failed'
  | 'userinfo_subject_mismatch'
  | 'uid_claim_invalid'
  | 'uid_taken'
  | 'uid_range_exhausted';

/** A refused sign-in; thrown before any account is made or changed. */
export class OidcRefusal extends Error {
  constructor(
    readonly code: OidcRefusalCode,
    readonly reason: string,
    readonly email: string | null = null,
  ) {
    super(reason);
    this.name = 'OidcRefusal';
  }
}

interface Flow {
  state: string;
  nonce: string;
  verifier: string;
  next: string;
  expires: number;
}

export interface OidcOptions {
  settings: OidcSettings;
  clientSecret: string | undefined;
  callbackUrl: string;
  users: UserRepository;
  /** Seconds the hub's clock is behind (positive) or ahead; for hosts whose clock is off. */
  clockSkewSeconds?: number;
}

export class OidcSignIn {
  readonly issuer: string;
  readonly displayName: string;
  private configuration: Promise<client.Configuration> | null = null;
  private readonly flows = new Map<string, Flow>();

  constructor(private readonly options: OidcOptions) {
    const { settings } = options;
    this.issuer = (settings.issuer ?? (settings.preset === 'google' ? GOOGLE_ISSUER : '')).replace(/\/+$/, '');
    this.displayName = settings.displayName ?? (settings.preset === 'google' ? 'Google' : new URL(this.issuer).hostname);
  }

  /** Begins a sign-in: the provider URL to send the browser to, and the flow id for its cookie. */
  async start(next: string): Promise<{ url: string; flowId: string }> {
    const config = await this.config();
    this.sweep();
    const flow: Flow = {
      state: client.randomState(),
      nonce: client.randomNonce(),
      verifier: client.randomPKCECodeVerifier(),
      next,
      expires: Date.now() + FLOW_TTL_MS,
    };
    const flowId = randomBytes(24).toString('base64url');
    this.flows.set(flowId, flow);
    const params: Record<string, string> = {
      redirect_uri: this.options.callbackUrl,
      scope: this.options.settings.scopes.join(' '),
      state: flow.state,
      nonce: flow.nonce,
      code_challenge: await client.calculatePKCECodeChallenge(flow.verifier),
      code_challenge_method: 'S256',
    };
    const domains = this.options.settings.allowedDomains;
    if (this.options.settings.preset === 'google' && domains.length > 0) params.hd = domains.length === 1 ? domains[0]! : '*';
    return { url: client.buildAuthorizationUrl(config, params).href, flowId };
  }

  /**
   * Ends a sign-in at the callback: checks state, nonce, PKCE and the ID token, applies the
   * allow lists, and finds or makes the account. Each flow can be finished only once.
   */
  async finish(flowId: string | null, callbackUrl: URL): Promise<{ user: UserRow; next: string }> {
    const flow = flowId ? this.flows.get(flowId) : undefined;
    if (flowId) this.flows.delete(flowId);
    if (!flow || flow.expires < Date.now()) {
      throw new OidcRefusal('invalid_response', 'This sign-in is unknown or has expired; please start again.');
    }
    const config = await this.config();
    let tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>;
    try {
      tokens = await client.authorizationCodeGrant(config, callbackUrl, {
        pkceCodeVerifier: flow.verifier,
        expectedState: flow.state,
        expectedNonce: flow.nonce,
        idTokenExpected: true,
      });
    } catch (err) {
      throw new OidcRefusal('invalid_response', `The answer of the identity provider was refused: ${describe(err)}.`);
    }
    const claims = await this.claims(config, tokens.claims()!, tokens.access_token);
    const user = await this.admit(claims);
    return { user, next: flow.next };
  }

  private async claims(config: client.Configuration, idToken: client.IDToken, accessToken: string): Promise<SignInClaims> {
    try {
      return await completeClaims(config, idToken, accessToken, neededClaims(this.options.settings));
    } catch (err) {
      if (!(err instanceof UserInfoError)) throw err;
      const email = typeof idToken.email === 'string' ? idToken.email.toLowerCase() : null;
      if (err.kind === 'subject_mismatch') {
        throw new OidcRefusal(
          'userinfo_subject_mismatch',
          "The identity provider's details (userinfo) are about another account than the one that signed in, so you were not let in.",
          email,
        );
      }
      throw new OidcRefusal('userinfo_failed', `The identity provider did not give your details (userinfo): ${describe(err.cause)}.`, email);
    }
  }

  private async admit(claims: SignInClaims): Promise<UserRow> {
    const { settings, users } = this.options;
    const email = typeof claims.email === 'string' ? claims.email.toLowerCase() : null;
    if (!email) throw new OidcRefusal('invalid_response', 'The identity provider did not tell us your email address.');
    if (claims.email_verified === false) throw new OidcRefusal('email_unverified', 'Your email address is not verified at the identity provider.', email);
    const domain = settings.preset === 'google' ? (typeof claims.hd === 'string' ? claims.hd.toLowerCase() : null) : email.split('@')[1]!;
    const domainOk = domain !== null && settings.allowedDomains.some((d) => d.toLowerCase() === domain);
    const emailOk = settings.allowedEmails.some((e) => e.toLowerCase() === email);
    const restricted = settings.allowedDomains.length > 0 || settings.allowedEmails.length > 0;
    if (restricted && !domainOk && !emailOk) {
      if (settings.allowedDomains.length > 0) {
        const why = domain
          ? `accounts of ${domain} may not sign in here`
          : 'your account is not part of an organisation (a personal account) and only organisation accounts may sign in here';
        throw new OidcRefusal('domain_not_allowed', `Sorry, ${why}. Allowed: ${settings.allowedDomains.join(', ')}.`, email);
      }
      throw new OidcRefusal('email_not_allowed', `Sorry, ${email} is not on the list of people who may sign in here.`, email);
    }
    const groups = Array.isArray(claims[settings.groupsClaim]) ? (claims[settings.groupsClaim] as unknown[]).map(String) : [];
    const admin =
      settings.admins.some((a) => a.toLowerCase() === email) || groups.some((g) => settings.adminGroups.includes(g));

    let user = await users.byOidcSubject(this.issuer, claims.sub);
    if (!user) {
      // Only a new account reads the id claims: an account keeps the uid it was given, whatever
      // the provider or the configuration says later (its files on the shared homes carry it).
      const ids = idsFromClaims(settings, claims, email);
      // Two first sign-ins may race for one name: try the next free name until one sticks.
      for (let attempt = 0; !user && attempt < 5; attempt++) {
        const username = await freeUsername(email, async (n) => (await users.byName(n)) !== undefined);
        user = await createAccount(() =>
          users.createFromOidc({ username, email, issuer: this.issuer, subject: claims.sub, role: admin ? 'admin' : 'user' }, ids),
        email);
        user ??= await users.byOidcSubject(this.issuer, claims.sub);
      }
      if (!user) throw new OidcRefusal('invalid_response', 'Your account could not be created; please try again.', email);
    } else if (admin && user.role !== 'admin') {
      user = (await users.update(user.id, { role: 'admin' })) ?? user;
    }
    if (user.disabled) throw new OidcRefusal('disabled', 'Your account is disabled; ask an admin.', email);
    return user;
  }

  private config(): Promise<client.Configuration> {
    this.configuration ??= (async () => {
      const url = new URL(this.issuer);
      const metadata: Partial<client.ClientMetadata> = {
        ...(this.options.clientSecret ? { client_secret: this.options.clientSecret } : {}),
        ...(this.options.clockSkewSeconds ? { [client.clockSkew]: this.options.clockSkewSeconds } : {}),
      };
      return client.discovery(url, this.options.settings.clientId, metadata, undefined, {
        // Plain http is only for a provider on this machine (tests, local Keycloak or Dex).
        ...(url.protocol === 'http:' && isLoopback(url.hostname) ? { execute: [client.allowInsecureRequests] } : {}),
      });
    })().catch((err: unknown) => {
      this.configuration = null; // try discovery again next time
      throw new OidcRefusal('provider_unavailable', `The identity provider at ${this.issuer} does not answer: ${describe(err)}.`);
    });
    return this.configuration;
  }

  private sweep(): void {
    const now = Date.now();
    for (const [id, flow] of this.flows) if (flow.expires < now) this.flows.delete(id);
  }
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '[::1]' || host.startsWith('127.');
}

function describe(err: unknown): string {
  const e = err as { error?: string; error_description?: string; message?: string; code?: string; cause?: unknown };
  const own = e.error_description ?? e.error ?? e.message ?? e.code ?? String(err);
  // openid-client wraps the precise reason (which parameter or claim was wrong) in `cause`.
  const cause = e.cause as { message?: string } | undefined;
  return cause?.message ? `${own.replace(/\.$/, '')}: ${cause.message}` : own;
}
