import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../config/load.js';
import { openDatabase, type Db } from '../store/database.js';
import { UserRepository } from '../store/users.js';
import { createAccount, idsFromClaims } from './oidc-ids.js';
import { OidcRefusal, type OidcSettings } from './oidc.js';
import type { SignInClaims } from './oidc-userinfo.js';

const settingsWith = (oidc: Record<string, unknown>): OidcSettings =>
  parseConfig({ auth: { oidc: { issuer: 'https://idp.example', clientId: 'shiva', ...oidc } } }, {} as NodeJS.ProcessEnv).auth.oidc!;
const claims = (extra: Record<string, unknown>): SignInClaims => ({ iss: 'https://idp.example', sub: 's', aud: 'shiva', iat: 0, exp: 0, ...extra });

function refusal(run: () => unknown): OidcRefusal {
  try {
    run();
  } catch (err) {
    if (err instanceof OidcRefusal) return err;
    throw err;
  }
  throw new Error('not refused');
}

describe('uids from the identity provider', () => {
  let db: Db | undefined;
  afterEach(async () => {
    await db?.destroy();
    db = undefined;
  });

  it('leaves the uid to the hub when no claim is configured', () => {
    expect(idsFromClaims(settingsWith({}), claims({ uidNumber: 5001 }), 'a@x')).toBeUndefined();
  });

  it('takes the uid and gid claims, as numbers or digit strings, and a group of its own without gidClaim', () => {
    expect(idsFromClaims(settingsWith({ uidClaim: 'uidNumber', gidClaim: 'gidNumber' }), claims({ uidNumber: '5001', gidNumber: 5000 }), 'a@x')).toEqual({ uid: 5001, gid: 5000 });
    expect(idsFromClaims(settingsWith({ uidClaim: 'uidNumber' }), claims({ uidNumber: 5001 }), 'a@x')).toEqual({ uid: 5001 });
  });

  it('refuses the sign-in with the claim named and why, when a configured claim is missing or not a person\'s id', () => {
    const s = settingsWith({ uidClaim: 'uidNumber', gidClaim: 'gidNumber' });
    const missing = refusal(() => idsFromClaims(s, claims({ gidNumber: 5000 }), 'a@x'));
    expect(missing.code).toBe('uid_claim_invalid');
    expect(missing.reason).toBe("Your account has no usable user id here: the identity provider's claim uidNumber is missing. Ask an admin.");
    expect(missing.email).toBe('a@x');
    expect(refusal(() => idsFromClaims(s, claims({ uidNumber: 0, gidNumber: 5000 }), 'a@x')).reason).toContain('uidNumber is 0, outside 1000-2147483647');
    expect(refusal(() => idsFromClaims(s, claims({ uidNumber: 5001, gidNumber: 'staff' }), 'a@x')).reason).toContain('group id');
    expect(refusal(() => idsFromClaims(s, claims({ uidNumber: 5001.5, gidNumber: 5000 }), 'a@x')).code).toBe('uid_claim_invalid');
  });

  it('refuses a uid that is already another account\'s, and the last uid of a full range, making no account', async () => {
    db = await openDatabase(':memory:');
    const users = new UserRepository(db, { first: 30000, last: 30000 });
    const account = (username: string, subject: string) => ({ username, email: `${username}@x`, issuer: 'https://idp.example', subject, role: 'user' as const });
    expect((await createAccount(() => users.createFromOidc(account('carol', 'c'), { uid: 5001 }), 'carol@x'))?.uid).toBe(5001);
    await expect(createAccount(() => users.createFromOidc(account('mallory', 'm'), { uid: 5001 }), 'mallory@x')).rejects.toMatchObject({
      code: 'uid_taken',
      reason: 'Your user id 5001 already belongs to another account here, so you were not let in. Ask an admin.',
    });
    expect((await createAccount(() => users.createFromOidc(account('dana', 'd')), 'dana@x'))?.uid).toBe(30000);
    await expect(createAccount(() => users.createFromOidc(account('erin', 'e')), 'erin@x')).rejects.toMatchObject({ code: 'uid_range_exhausted' });
    expect((await users.list()).map((u) => u.username)).toEqual(['carol', 'dana']);
  });
});
