/** What to do next after a refusal, by the hub's error code: a line under the hub's message. */
import type { ErrorCode } from '../contract/errors.js';

const HINTS: Partial<Record<string, string>> = {
  UNAUTHENTICATED: 'Sign in first: shiva login',
  ENVIRONMENT_LIMIT_REACHED: 'See your saved environments with: shiva environments ls; delete one with: shiva environments rm NAME',
  ENVIRONMENT_SIZE_LIMIT: 'See your saved environments with: shiva environments ls; delete one with: shiva environments rm NAME',
  SSH_KEY_LIMIT_REACHED: 'See your SSH keys with: shiva ssh-keys ls; remove one with: shiva ssh-keys rm ID',
  SSH_KEY_NOT_FOUND: 'See your SSH keys with: shiva ssh-keys ls',
} satisfies Partial<Record<ErrorCode, string>>;

/** The hint for `code`, or undefined; codes the CLI does not know (HTTP_502, HUB_UNREACHABLE) have none. */
export function hintFor(code: string): string | undefined {
  return HINTS[code];
}
