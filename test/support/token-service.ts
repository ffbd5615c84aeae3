/**
 * A token service on loopback for the tests: distribution's token authentication
 * (https://distribution.github.io/distribution/spec/auth/token/ and .../spec/auth/jwt/), enough
 * of it for a real registry to trust. `GET /token?service=…&scope=…` checks HTTP Basic
 * credentials against one configured user and answers `{token, access_token, expires_in,
 * issued_at}`, the token a JWT signed ES256 with a key made at start by the openssl CLI; the
 * registry is given that key's self-signed certificate as its `rootcertbundle`.
 *
 * Access: the user gets every action a scope asks for among pull, push, delete and `*`
 * (`registry:catalog:*`); a request without credentials gets a token with an empty access list
 * (the registry then refuses what it needs a grant for); wrong credentials get 401. Every request
 * is recorded with whether Basic credentials came with it and its User-Agent, so tests can say
 * who was handed the password.
 *
 * It answers on the test's own event loop: while it is up, run the engine's commands that reach
 * it (`docker login`, `push`, `pull`) as asynchronous child processes. execFileSync stops the loop,
 * and the engine's request to it times out.
 *
 * What Debian 12's distribution 2.8.2 needed, found by handing it tokens that differ in one thing:
 * - The JWT header's `x5c` works, with the certificate in standard base64 DER (URL-safe base64 is
 *   refused): 2.8 checks the chain against rootcertbundle, and a self-signed certificate that is
 *   in the bundle is a chain of one. No libtrust `kid` is needed; a header with neither is refused.
 * - The ES256 signature must be r‖s (JWS), as `dsaEncoding: 'ieee-p1363'` makes it; DER is refused.
 * - `iss` must be its `auth.token.issuer` and `aud` its `auth.token.service`, and `aud` a single
 *   string: a list holding the service (valid JWT) is refused by 2.8.2.
 * - Clock skew: it allows 60 s either side (a token whose `nbf` is 30 s ahead, or whose `exp` is
 *   30 s past, passes; 120 s does not). `nbf` and `iat` are set 10 s back all the same.
 * - `typ` in the header is not needed. Names and actions are matched exactly: the catalogue
 *   needs `{type: 'registry', name: 'catalog', actions: ['*']}` (`pull`, or the name `*`, is
 *   refused).
 */
import { execFileSync } from 'node:child_process';
import { createPrivateKey, randomUUID, sign, X509Certificate, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

export interface TokenAccess {
  type: string;
  name: string;
  actions: string[];
}

/** One request the token service received, as the tests look at it. */
export interface TokenRequest {
  method: string;
  path: string;
  /** Whether it came with an `Authorization: Basic …` header, right or wrong. */
  basic: boolean;
  /** The username in those credentials, when they came. */
  username: string | null;
  userAgent: string;
  service: string | null;
  scopes: string[];
  /** What it answered: 200 with `granted`, 401 for wrong credentials, 404 for anything else. */
  status: number;
  granted: TokenAccess[];
}

export interface TokenService {
  /** The `realm` a registry names: `http://127.0.0.1:<port>/token`. */
  realm: string;
  /** The registry's `auth.token.service`, and the token's `aud`. */
  service: string;
  /** The registry's `auth.token.issuer`, and the token's `iss`. */
  issuer: string;
  /** The signing key's certificate (PEM): the registry's `auth.token.rootcertbundle`. */
  certFile: string;
  /** Every request received, in order. */
  requests: TokenRequest[];
  close(): Promise<void>;
}

const GRANTABLE = new Set(['pull', 'push', 'delete', '*']);

/**
 * Starts a token service whose key and certificate live in `dir` (which the caller removes), for
 * one user. `lifetimeSeconds` is the tokens' `expires_in` (default 300).
 */
export async function startTokenService(options: { dir: string; username: string; password: string; service?: string; issuer?: string; lifetimeSeconds?: number }): Promise<TokenService> {
  const service = options.service ?? 'shiva-test-registry';
  const issuer = options.issuer ?? 'shiva-test-token-issuer';
  const lifetime = options.lifetimeSeconds ?? 300;
  const keyFile = path.join(options.dir, 'token.key');
  const certFile = path.join(options.dir, 'token.crt');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '2', '-subj', '/CN=shiva-test-token-issuer'], { stdio: 'pipe' });
  const key = createPrivateKey(readFileSync(keyFile));
  const x5c = new X509Certificate(readFileSync(certFile)).raw.toString('base64');
  const requests: TokenRequest[] = [];

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://token.invalid');
    const authorization = req.headers.authorization ?? '';
    const basic = /^basic /i.test(authorization);
    let username: string | null = null;
    let password: string | null = null;
    if (basic) {
      const decoded = Buffer.from(authorization.slice(6).trim(), 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      username = colon < 0 ? decoded : decoded.slice(0, colon);
      password = colon < 0 ? '' : decoded.slice(colon + 1);
    }
    const record: TokenRequest = { method: req.method ?? '', path: url.pathname, basic, username, userAgent: req.headers['user-agent'] ?? '', service: url.searchParams.get('service'), scopes: url.searchParams.getAll('scope'), status: 404, granted: [] };
    requests.push(record);
    const answer = (status: number, body: unknown): void => {
      record.status = status;
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.method !== 'GET' || url.pathname !== '/token') return answer(404, { errors: [{ code: 'NOT_FOUND', message: 'only GET /token is served here' }] });
    if (basic && (username !== options.username || password !== options.password)) {
      res.setHeader('www-authenticate', 'Basic realm="shiva-test-token"');
      return answer(401, { errors: [{ code: 'UNAUTHORIZED', message: 'wrong username or password' }] });
    }
    // Anonymous: a valid token that grants nothing.
    record.granted = basic ? record.scopes.map(parseScope).filter((a): a is TokenAccess => a !== null).map((a) => ({ ...a, actions: a.actions.filter((x) => GRANTABLE.has(x)) })) : [];
    const now = Math.floor(Date.now() / 1000);
    const claims = { iss: issuer, sub: username ?? '', aud: record.service ?? service, exp: now + lifetime, nbf: now - 10, iat: now - 10, jti: randomUUID(), access: record.granted };
    const token = jwt(key, x5c, claims);
    answer(200, { token, access_token: token, expires_in: lifetime, issued_at: new Date((now - 10) * 1000).toISOString() });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    realm: `http://127.0.0.1:${port}/token`,
    service,
    issuer,
    certFile,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** `repository:shiva/lab:pull,push` (or `repository(plugin):…`), or null for what is no scope. */
function parseScope(scope: string): TokenAccess | null {
  const first = scope.indexOf(':');
  const last = scope.lastIndexOf(':');
  if (first < 0 || last <= first) return null;
  return { type: scope.slice(0, first).replace(/\(.*\)$/, ''), name: scope.slice(first + 1, last), actions: scope.slice(last + 1).split(',').filter(Boolean) };
}

function jwt(key: KeyObject, x5c: string, claims: object): string {
  const part = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  const input = `${part({ typ: 'JWT', alg: 'ES256', x5c: [x5c] })}.${part(claims)}`;
  const signature = sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' });
  return `${input}.${signature.toString('base64url')}`;
}
