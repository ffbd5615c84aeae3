/** Random secrets and their stored form. */
import { createHash, randomBytes } from 'node:crypto';

export const randomSecret = (bytes = 32): string => randomBytes(bytes).toString('base64url');

/** Session cookies and API tokens are high-entropy, so a fast hash is enough to store them. */
export const sha256 = (value: string): string => createHash('sha256').update(value).digest('base64url');
