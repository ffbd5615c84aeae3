/**
 * `WWW-Authenticate` as registries send it (RFC 7235 §4.1, with the auth-param syntax of §2.1):
 * one or more challenges, each a scheme and comma-separated `name=value` pairs whose value is a
 * token or a quoted string (`\` escapes the next character). Docker's distribution sends
 * `Bearer realm="https://auth.example/token",service="registry",scope="repository:a/b:pull"`
 * (its token authentication specification); an htpasswd-protected one sends `Basic realm="…"`.
 */

/** One challenge: the scheme in lower case and its parameters, names in lower case. */
export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+/;

/**
 * The challenges in `header`, in order; what cannot be read ends the list there (a registry's
 * odd header yields what came before it, never an exception).
 */
export function parseChallenges(header: string | undefined): Challenge[] {
  const out: Challenge[] = [];
  if (!header) return out;
  let rest = header;
  const skip = (re: RegExp) => (rest = rest.replace(re, ''));
  while (true) {
    skip(/^[\s,]+/);
    const scheme = TOKEN.exec(rest)?.[0];
    if (!scheme) break;
    rest = rest.slice(scheme.length);
    const challenge: Challenge = { scheme: scheme.toLowerCase(), params: {} };
    out.push(challenge);
    // Parameters until the next scheme (a token followed by whitespace, not `=`) or the end.
    while (true) {
      skip(/^[\s,]+/);
      const name = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+)\s*=\s*/.exec(rest);
      if (!name) break;
      rest = rest.slice(name[0].length);
      let value: string;
      if (rest.startsWith('"')) {
        let i = 1;
        value = '';
        while (i < rest.length && rest[i] !== '"') {
          if (rest[i] === '\\' && i + 1 < rest.length) i++;
          value += rest[i];
          i++;
        }
        if (i >= rest.length) return out; // unterminated: stop here
        rest = rest.slice(i + 1);
      } else {
        value = TOKEN.exec(rest)?.[0] ?? '';
        rest = rest.slice(value.length);
      }
      challenge.params[name[1]!.toLowerCase()] = value;
    }
  }
  return out;
}
