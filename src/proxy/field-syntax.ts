/**
 * The syntax of HTTP header fields, checked on everything that crosses the proxy in either
 * direction: a name is a token (RFC 9110 §5.1, §5.6.2) and a value holds no control character
 * but HTAB (RFC 9110 §5.5: field-vchar, SP, HTAB, obs-text). The value rule is the one node's
 * own `http` module applies before it writes a header (`checkInvalidHeaderChar`), so anything
 * accepted here can also be written by node.
 */

/** tchar of RFC 9110 §5.6.2, indexed by character code (0–127); codes above 127 are never tchar. */
const tchar = new Uint8Array(128);
for (const c of "!#$%&'*+-.^_`|~") tchar[c.charCodeAt(0)] = 1;
for (let c = 0x30; c <= 0x39; c++) tchar[c] = 1;
for (let c = 0x41; c <= 0x5a; c++) tchar[c] = 1;
for (let c = 0x61; c <= 0x7a; c++) tchar[c] = 1;

/** Whether `name` is a non-empty token (RFC 9110 §5.1: field-name = token). */
export function isToken(name: string): boolean {
  const n = name.length;
  if (n === 0) return false;
  for (let i = 0; i < n; i++) {
    const c = name.charCodeAt(i);
    if (c > 127 || tchar[c] === 0) return false;
  }
  return true;
}

/** Any character a field value may not hold: CTLs but HTAB, DEL, and anything past latin1. */
const invalidValueChar = /[^\t\x20-\x7e\x80-\xff]/;

/** Whether `value` is a valid field value (RFC 9110 §5.5): no CR, LF, NUL or other control character. */
export function isFieldValue(value: string): boolean {
  return !invalidValueChar.test(value);
}
