import http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../config/load.js';
import { completeClaims, neededClaims, UserInfoError } from './oidc-userinfo.js';
import type { OidcSettings } from './oidc.js';

function settings(oidc: Record<string, unknown>): OidcSettings {
  return parseConfig({ auth: { oidc: { clientId: 'shiva', ...oidc } } }).auth.oidc!;
}

describe('the claims a sign-in needs', () => {
  it('always needs the email, hd only for a Google domain list, the groups claim only with admin groups', () => {
    expect(neededClaims(settings({ issuer: 'https://id.example' }))).toEqual(['email']);
    expect(neededClaims(settings({ preset: 'google' }))).toEqual(['email']);
    expect(neededClaims(settings({ preset: 'google', allowedDomains: ['corp.example'] }))).toEqual(['email', 'hd']);
    expect(neededClaims(settings({ issuer: 'https://id.example', allowedDomains: ['corp.example'] }))).toEqual(['email']);
    expect(neededClaims(settings({ issuer: 'https://id.example', adminGroups: ['ops'], groupsClaim: 'roles' }))).toEqual(['email', 'roles']);
  });
});

describe('claims completed from a userinfo endpoint on loopback', () => {
  const requests: Array<string | undefined> = [];
  let answer: { status: number; body: Record<string, unknown> } = { status: 200, body: {} };
  let server: http.Server;
  let issuer: string;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      requests.push(req.headers.authorization);
      res.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  function configuration(withUserinfo = true): client.Configuration {
    const config = new client.Configuration({ issuer, ...(withUserinfo ? { userinfo_endpoint: `${issuer}/me` } : {}) }, 'shiva');
    client.allowInsecureRequests(config);
    return config;
  }
  const idToken = (claims: Record<string, unknown>): client.IDToken => ({ iss: issuer, aud: 'shiva', iat: 0, exp: 0, sub: 'alice', ...claims });

  it('asks nothing when the ID token holds every needed claim', async () => {
    requests.length = 0;
    const token = idToken({ email: 'alice@corp.example', hd: 'corp.example' });
    expect(await completeClaims(configuration(), token, 'at-1', ['email', 'hd'])).toBe(token);
    expect(requests).toEqual([]);
  });

  it('adds what the ID token lacks from userinfo, read with the access token, the ID token winning where both have a claim', async () => {
    requests.length = 0;
    answer = { status: 200, body: { sub: 'alice', email: 'alice@corp.example', email_verified: true, groups: ['ops'], name: 'From userinfo' } };
    const claims = await completeClaims(configuration(), idToken({ name: 'From the ID token' }), 'at-2', ['email']);
    expect(requests).toEqual(['Bearer at-2']);
    expect(claims).toMatchObject({ sub: 'alice', email: 'alice@corp.example', email_verified: true, groups: ['ops'], name: 'From the ID token' });
  });

  it('decides on the ID token alone when the provider has no userinfo endpoint', async () => {
    requests.length = 0;
    const token = idToken({});
    expect(await completeClaims(configuration(false), token, 'at-3', ['email'])).toBe(token);
    expect(requests).toEqual([]);
  });

  it('refuses a userinfo answer about another subject, and one with an error status', async () => {
    answer = { status: 200, body: { sub: 'mallory', email: 'mallory@corp.example' } };
    const mismatch = await completeClaims(configuration(), idToken({}), 'at-4', ['email']).catch((e: unknown) => e);
    expect(mismatch).toBeInstanceOf(UserInfoError);
    expect((mismatch as UserInfoError).kind).toBe('subject_mismatch');

    answer = { status: 500, body: { error: 'server_error' } };
    const failed = await completeClaims(configuration(), idToken({}), 'at-5', ['email']).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(UserInfoError);
    expect((failed as UserInfoError).kind).toBe('failed');
  });
});
