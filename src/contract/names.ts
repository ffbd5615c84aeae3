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
