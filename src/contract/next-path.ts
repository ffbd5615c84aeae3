/**
 * Where to land after signing in (`?next=`): only a path on this hub. Shared by the server
 * (company sign-in) and the dashboard (the sign-in page), so both refuse the same things.
 *
 * Browsers are lenient where this must be strict: the URL parser (WHATWG URL Standard, "basic
 * URL parser") removes tabs and newlines anywhere, trims leading C0 controls and spaces, and
 * reads `\` as `/` in http(s) URLs, so `/\t/evil.example` and `/\evil.example` are both
 * `//evil.example`, another host. Rather than mend such input, anything that is not plainly a
 * same-origin path becomes `/`.
 */

/** The longest `next` kept; longer ones are not paths anyone was sent from. */
export const NEXT_MAX_LENGTH = 2048;

/** Printable ASCII but the backslash: what a path, percent-encoded, is made of. */
const PLAIN_PATH = /^\/(?![/\\])[\x21-\x5b\x5d-\x7e]*$/;
/** How many rounds of percent-decoding are checked (each consumer may decode once more). */
const DECODE_ROUNDS = 3;

/**
 * `next` when it is a same-origin path, else `/`. A path is accepted when it starts with one
 * `/` not followed by `/` or `\`, holds only printable ASCII other than `\`, and stays so after
 * up to three rounds of percent-decoding (so `/%2F%2Fevil` and `/%5Cevil`, which some servers
 * and routers decode before redirecting, are refused too) and resolves to the same origin.
 */
export function safeNextPath(next: string | null | undefined): string {
  if (typeof next !== 'string' || next.length > NEXT_MAX_LENGTH) return '/';
  let form = next;
  for (let round = 0; round <= DECODE_ROUNDS; round++) {
    if (!(round === 0 ? PLAIN_PATH.test(form) : isDecodedPathSafe(form))) return '/';
    let decoded: string;
    try {
      decoded = decodeURIComponent(form);
    } catch {
      return '/';
    }
    if (decoded === form) break;
    form = decoded;
  }
  return sameOrigin(next) ? next : '/';
}

/**
 * A decoded form may hold characters that were encoded (spaces, non-ASCII letters in a query):
 * those are fine, as long as it still starts as a single `/` and holds no control character
 * (tabs and newlines are what browsers strip), line separator or backslash.
 */
function isDecodedPathSafe(form: string): boolean {
  return /^\/(?![/\\])/.test(form) && !/[\u0000-\u001f\u007f-\u009f\\\u2028\u2029]/.test(form);
}

/** The last word: what a browser would make of it, resolved against an origin of our own. */
function sameOrigin(path: string): boolean {
  const base = 'http://hub.invalid';
  try {
    return new URL(path, base).origin === base;
  } catch {
    return false;
  }
}

/**
 * `next` when it is a same-origin path (as `safeNextPath` decides) under `prefix`, else
 * `prefix`: where the sandbox sign-in may land, which is only inside that sandbox's own
 * `/user/<user>/<name>/`.
 */
export function safeNextPathWithin(next: string | null | undefined, prefix: string): string {
  const path = safeNextPath(next);
  return path.startsWith(prefix) ? path : prefix;
}
