/**
 * The user name an OpenID Connect account gets on first sign-in, from its email address:
 *
 *  1. take the part before the `@`, drop any `+tag`, lowercase it;
 *  2. turn every run of characters other than a-z and 0-9 into one dash, trim dashes;
 *  3. prefix `u-` if it does not start with a letter; cut to 32 characters, trim dashes again;
 *  4. if the name is taken (by a local account or another person), append `-2`, `-3`, …,
 *     cutting the base so the whole stays within 32 characters.
 *
 * The account itself is keyed by issuer and subject, so a later change of email never moves
 * anyone into someone else's account, and the name never changes once made.
 */
import { isValidName, NAME_MAX_LENGTH } from '../contract/names.js';

export function baseUsername(email: string): string {
  const local = email.split('@')[0]!.split('+')[0]!.toLowerCase();
  let name = local.replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  if (!/^[a-z]/.test(name)) name = `u-${name}`.replace(/-+$/, '');
  name = name.slice(0, NAME_MAX_LENGTH).replace(/-+$/, '');
  return isValidName(name) ? name : 'user';
}

/** The first of base, base-2, base-3, … that `taken` says is free. */
export async function freeUsername(email: string, taken: (name: string) => Promise<boolean>): Promise<string> {
  const base = baseUsername(email);
  if (!(await taken(base))) return base;
  for (let n = 2; ; n++) {
    const suffix = `-${n}`;
    const name = `${base.slice(0, NAME_MAX_LENGTH - suffix.length).replace(/-+$/, '')}${suffix}`;
    if (!(await taken(name))) return name;
  }
}
