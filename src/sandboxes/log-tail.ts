/**
 * The last lines a sandbox's server wrote before it ended, kept with the sandbox so that its
 * owner can read why (a traceback, "Killed"). Bounded, and without the secrets a server prints:
 * Jupyter writes its URL with `?token=…` at start, and the sandbox's token opens it.
 */

/** At most this many lines are kept, and at most this many bytes of them. */
export const LOG_TAIL_LINES = 20;
export const LOG_TAIL_BYTES = 4096;

const HIDDEN = '[hidden]';

/**
 * The tail of `text` with `secrets` and every `token=…` value replaced by [hidden], at most
 * LOG_TAIL_LINES lines and LOG_TAIL_BYTES bytes (whole lines, from the end); null when nothing is left.
 */
export function logTail(text: string, secrets: readonly string[]): string | null {
  let clean = text.replace(/\r\n/g, '\n');
  for (const secret of secrets) if (secret.length >= 8) clean = clean.split(secret).join(HIDDEN);
  clean = clean.replace(/(token[=:]\s*)[^\s&"']+/gi, `$1${HIDDEN}`);
  const lines = clean.split('\n');
  while (lines.length > 0 && lines.at(-1)!.trim() === '') lines.pop();
  const kept: string[] = [];
  let bytes = 0;
  for (const line of lines.slice(-LOG_TAIL_LINES).reverse()) {
    const size = Buffer.byteLength(line) + 1;
    if (bytes + size > LOG_TAIL_BYTES) {
      // A single line longer than the bound keeps its end.
      if (kept.length === 0) kept.push(Buffer.from(line).subarray(-(LOG_TAIL_BYTES - 1)).toString());
      break;
    }
    kept.push(line);
    bytes += size;
  }
  return kept.length > 0 ? kept.reverse().join('\n') : null;
}
