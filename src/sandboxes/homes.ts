/**
 * Users' home directories on the host: `<homes.root>/<user>`, made on first launch and owned by
 * the uid and gid the sandbox runs as (its owner's), so the same files follow a user into every
 * sandbox and no other user's uid can read them.
 */
import { chown, mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { isValidName } from '../contract/names.js';
import type { UserIds } from '../store/user-ids.js';

export async function ensureHome(root: string, username: string, owner: UserIds): Promise<string> {
  const { uid, gid } = owner;
  // The name pattern is the guard that keeps this path inside the root.
  if (!isValidName(username)) throw new Error(`refusing to make a home for the invalid name ${JSON.stringify(username)}`);
  const dir = path.join(root, username);
  await mkdir(dir, { recursive: true, mode: 0o750 });
  const info = await stat(dir);
  if (info.uid !== uid || info.gid !== gid) {
    try {
      await chown(dir, uid, gid);
    } catch (err) {
      throw new Error(
        `the home ${dir} belongs to uid ${info.uid}, the sandbox runs as ${uid}, and the hub cannot change it (${(err as NodeJS.ErrnoException).code}); run the hub as root or chown it`,
      );
    }
  }
  return dir;
}
