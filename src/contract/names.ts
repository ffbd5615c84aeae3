/**
 * The one pattern for every name that reaches a path, a container label or a URL: user names
 * and sandbox names. Lowercase so that URLs and home directories cannot differ by case only;
 * no leading or trailing dash so that names read well in container names.
 */
export const NAME_PATTERN = '^[a-z](?:[a-z0-9-]{0,30}[a-z0-9])?$';
export const NAME_MAX_LENGTH = 32;
const nameRe = new RegExp(NAME_PATTERN);

export function isValidName(name: unknown): name is string {
  return typeof name === 'string' && nameRe.test(name);
}

/** The name a sandbox launched without one gets when the user has no sandbox of that name. */
export const DEFAULT_SANDBOX_NAME = 'main';

/**
 * The name a launch without a name gets: `main`, else the first free of `main-2`, `main-3`, …
 * `taken` is the user's live sandbox names. One rule for the hub, which picks the name, and the
 * dashboard, which shows it beforehand.
 */
export function nextFreeName(taken: Iterable<string>): string {
  const names = new Set(taken);
  if (!names.has(DEFAULT_SANDBOX_NAME)) return DEFAULT_SANDBOX_NAME;
  for (let i = 2; ; i++) if (!names.has(`${DEFAULT_SANDBOX_NAME}-${i}`)) return `${DEFAULT_SANDBOX_NAME}-${i}`;
}
