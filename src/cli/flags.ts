/**
 * Flags in the user's words: a value that is not a number is refused naming the flag that was
 * typed (`--memory`), not the API field it becomes (`memoryGiB`), and the hub's refusals of a
 * field are told back with the flag's name.
 */
import { InvalidArgumentError } from 'commander';
import { ApiError } from './client.js';

/**
 * A commander argument parser for a number flag: finite and not negative, `whole` for counts.
 * Commander prefixes the thrown message with the flag, e.g.
 * "option '--memory <GiB>' argument 'abc' is invalid. Give a number of GiB, like 4 or 0.5."
 */
export function numberFlag(what: string, example: string, whole = false): (value: string) => number {
  return (value: string) => {
    const n = value.trim() === '' ? Number.NaN : Number(value);
    if (!Number.isFinite(n) || n < 0 || (whole && !Number.isInteger(n))) {
      throw new InvalidArgumentError(`Give ${whole ? 'a whole number' : 'a number'} of ${what}, like ${example}.`);
    }
    return n;
  };
}

/**
 * The hub's refusal with each API field named as the flag that set it: `fields` maps API field
 * names to flags, e.g. `{ memoryGiB: '--memory' }`. Only whole words are replaced, so a message
 * that speaks of "2 CPUs" is left as it is. Other errors pass through unchanged.
 */
export function inFlagTerms(err: unknown, fields: Readonly<Record<string, string>>): unknown {
  if (!(err instanceof ApiError)) return err;
  let message = err.message;
  for (const [field, flag] of Object.entries(fields)) message = message.replace(new RegExp(`(?<![\\w-])${field}(?=:| must| is)`, 'g'), flag);
  return message === err.message ? err : new ApiError(err.status, err.code, message);
}
