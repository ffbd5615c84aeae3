/**
 * `shiva users set-password <name>`: a new password for an account, written straight into the
 * hub's database on the hub's own machine. It is the way back in when the first admin's
 * password is lost, so it asks nothing of the hub: it works with the hub stopped or running
 * (SQLite in WAL mode lets one writer in while the hub reads, and the hub waits on a busy
 * database rather than failing). Whoever can write the data directory could replace the
 * database anyway; the command grants nothing that access does not already give.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';

/** What the command was asked; `password` absent means "generate one". */
export interface SetPasswordRequest {
  username: string;
  /** The data directory; absent: the hub's own (`--config` / SHIVA_CONFIG, SHIVA_DATA_DIR, ./data). */
  dataDir?: string;
  config?: string;
  password?: string;
}

/** The outcome; `generated` is the password when one was made (to be printed once). */
export interface SetPasswordResult {
  username: string;
  dataDir: string;
  generated?: string;
  sessionsEnded: number;
}

/** A refusal of the command, with the exit status it deserves (2: wrong use, 1: nothing to change). */
export class SetPasswordError extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 2,
  ) {
    super(message);
    this.name = 'SetPasswordError';
  }
}

/** The rule of the API's password fields (contract/api.ts): 8 to 256 characters. */
const MIN_LENGTH = 8;
const MAX_LENGTH = 256;

/**
 * Sets the password of `username` in the database of the data directory, deletes the user's
 * sessions (a running hub stops accepting them once its few-second cache expires, and closes
 * what they hold open at its next credential sweep; API tokens stay), and writes an audit
 * entry. Throws SetPasswordError for a short or long password, a data directory without a hub
 * database, an unknown user or one who signs in through the company's identity provider;
 * DataDirModeError when the directory's modes are loose.
 */
export async function setPassword(request: SetPasswordRequest): Promise<SetPasswordResult> {
  if (request.password !== undefined && (request.password.length < MIN_LENGTH || request.password.length > MAX_LENGTH)) {
    throw new SetPasswordError(`the password must be ${MIN_LENGTH} to ${MAX_LENGTH} characters long.`, 2);
  }
  // Loaded here, not at the top: the other verbs never pay for the database driver.
  const [{ loadConfig }, { openDatabase }, { DATA_FILES, prepareDataDir }, passwords, { UserRepository }, { SessionRepository }, { AuditRepository }] =
    await Promise.all([
      import('../config/load.js'),
      import('../store/database.js'),
      import('../store/data-dir.js'),
      import('../auth/passwords.js'),
      import('../store/users.js'),
      import('../store/sessions.js'),
      import('../store/audit.js'),
    ]);
  const dataDir = path.resolve(request.dataDir ?? loadConfig({ file: request.config }).dataDir);
  const file = path.join(dataDir, DATA_FILES.database);
  // Never create a database here: a new one would hold a user nobody's hub reads.
  if (!existsSync(file)) throw new SetPasswordError(`no hub database in ${dataDir} (expected ${DATA_FILES.database}); give the hub's data directory with --data-dir.`, 2);
  prepareDataDir(dataDir);
  const db = await openDatabase(file);
  try {
    const users = new UserRepository(db);
    const user = await users.byName(request.username);
    if (!user) throw new SetPasswordError(`there is no user ${request.username} in ${dataDir}.`, 1);
    if (user.oidc_issuer) {
      throw new SetPasswordError(`${request.username} signs in through the company's identity provider (${user.oidc_issuer}), not with a password.`, 1);
    }
    const generated = request.password === undefined ? passwords.randomPassword() : undefined;
    await users.setPassword(user.id, await passwords.hashPassword(request.password ?? generated!));
    const ended = await new SessionRepository(db).deleteForUser(user.id);
    await new AuditRepository(db).record({
      actor: null,
      action: 'user.password',
      target: user.username,
      result: 'ok',
      details: { via: 'shiva users set-password on the hub machine', sessionsEnded: ended.length },
    });
    return { username: user.username, dataDir, sessionsEnded: ended.length, ...(generated ? { generated } : {}) };
  } finally {
    await db.destroy();
  }
}
