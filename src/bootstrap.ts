/**
 * First start: an empty database gets the user `admin`, with the password from
 * SHIVA_ADMIN_PASSWORD or a random one printed once.
 */
import { hashPassword, randomPassword } from './auth/passwords.js';
import type { UserRepository } from './store/users.js';

export async function ensureAdmin(
  users: UserRepository,
  env: NodeJS.ProcessEnv,
  announce: (message: string) => void,
): Promise<void> {
  if ((await users.count()) > 0) return;
  const given = env.SHIVA_ADMIN_PASSWORD;
  const password = given || randomPassword();
  await users.create({ username: 'admin', passwordHash: await hashPassword(password), role: 'admin' });
  if (given) announce('Created the user admin with the password from SHIVA_ADMIN_PASSWORD.');
  else announce(`Created the user admin with the password ${password} (shown only this once; change it after signing in).`);
}
