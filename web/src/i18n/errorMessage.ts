/**
 * An error in words: the catalogue's text for its code when this language has one, else the
 * hub's own message (written for people, in English). Behaviour never depends on the message.
 */
import { isApiError } from '../api/client';
import type { Messages } from './en';

export function errorMessage(err: unknown, t: Messages): string {
  if (isApiError(err)) return t.errors[err.code] ?? err.message;
  return t.common.unknownError;
}
