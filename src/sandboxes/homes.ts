/**
 * Users' home directories on the host: `<homes.root>/<user>`, made on first launch and owned by
 * the uid the sandbox runs as, so the same files follow a user into every sandbox.
 */
import { chown, mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { isValidName } from '../contract/names.js';

export async function ensureHome(root: string, username: string, uid: number): Promise<string> {
  // The name pattern is the guard that keeps this path inside the root.
  if (!isValidName(username)) throw new Error(`refusing to make a home for the invalid name ${JSON.stringify(username)}`);
  const dir = path.join(root, username);
  await mkdir(dir, { recursive: true, mode: 0o750 });
  const info = await stat(dir);
  if (info.uid !== uid) {
    try {
      await chown(dir, uid, uid);
    } catch (err) {
      throw new Error(
        `the home ${dir} belongs to uid ${info.uid}, the sandbox runs as ${uid}, and the hub cannot change it (${(err as NodeJS.ErrnoException).code}); run the hub as root or chown it`,
      );
    }
  }
  return dir;
}
