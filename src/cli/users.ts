/** `shiva users add|ls|set-password|set-quota|measure-homes`: accounts and their homes, for admins. */
import { InvalidArgumentError, type Command } from 'commander';
import type { CreatedUser, HomeMeasurement, User } from '../contract/api.js';
import { HubClient, loadCredentials } from './client.js';
import { isValidName } from '../contract/names.js';
import type { Page } from '../contract/paging.js';
import { gib, printJson, printTable } from './output.js';
import { DEFAULT_CLI_LIMIT, limitFlag, moreThanShown, readPages } from './paging.js';

const SORTS = ['username', '-username', 'created', '-created'];

function sortFlag(value: string): string {
  if (!SORTS.includes(value)) throw new InvalidArgumentError(`Give one of ${SORTS.join(', ')}.`);
  return value;
}

export function registerUsers(program: Command): void {
  const users = program.command('users').description('manage accounts (admins)');
  users
    .command('add <username>')
    .description('create a user; without --password-stdin a password is generated and printed once')
    .option('--admin', 'make them an admin')
    .option('--password-stdin', 'read the password from standard input')
    .option('--url <url>', 'the hub (or SHIVA_URL)')
    .option('--json', 'print JSON')
    .action(async (username: string, opts: { admin?: boolean; passwordStdin?: boolean; url?: string; json?: boolean }) => {
      const hub = new HubClient(await loadCredentials(opts));
      let password: string | undefined;
      if (opts.passwordStdin) {
        password = '';
        for await (const chunk of process.stdin) password += chunk.toString();
        password = password.trim();
      }
      const created = await hub.request<CreatedUser>('POST', '/api/users', { username, ...(password ? { password } : {}), admin: Boolean(opts.admin) });
      if (opts.json) return printJson(created);
      process.stdout.write(`Created ${created.admin ? 'admin' : 'user'} ${created.username}.\n`);
      if (created.password) process.stdout.write(`Password (shown only now): ${created.password}\n`);
    });
  users
    .command('ls')
    .description('list users, by name (or --sort)')
    .option('--search <text>', 'only users whose name or email contains this text, in any case')
    .option('--sort <order>', 'username or created (oldest first); a leading - reverses, e.g. -created', sortFlag)
    .option('--limit <n>', `show at most this many (default ${DEFAULT_CLI_LIMIT})`, limitFlag)
    .option('--url <url>', 'the hub (or SHIVA_URL)')
    .option('--json', 'print JSON')
    .action(async (opts: { search?: string; sort?: string; limit?: number; url?: string; json?: boolean }) => {
      const hub = new HubClient(await loadCredentials(opts));
      const params = { ...(opts.search ? { q: opts.search } : {}), ...(opts.sort ? { sort: opts.sort } : {}) };
      const { items: list, total } = await readPages<User>(hub, '/api/users', params, opts.limit ?? DEFAULT_CLI_LIMIT);
      const more = moreThanShown(list.length, total, 'users');
      if (more) process.stderr.write(`${more}\n`);
      if (opts.json) return printJson(list);
      if (list.length === 0) return void process.stdout.write(opts.search ? `No user's name or email contains ${JSON.stringify(opts.search)}.\n` : 'No users.\n');
      // Email only where the company sign-in gave some: a search may have matched it.
      const emails = list.some((u) => u.email !== null);
      printTable(
        ['USERNAME', ...(emails ? ['EMAIL'] : []), 'ROLE', 'DISABLED', 'UID', 'GID', 'HOME', 'QUOTA', 'MEASURED', 'CREATED'],
        list.map((u) => [
          u.username,
          ...(emails ? [u.email ?? '-'] : []),
          u.admin ? 'admin' : 'user',
          u.disabled ? 'yes' : 'no',
          String(u.uid ?? '-'),
          String(u.gid ?? '-'),
          u.homeBytes === null ? '-' : `${gib(u.homeBytes)} GiB`,
          u.quotaBytes === null ? 'none' : `${gib(u.quotaBytes)} GiB`,
          u.measuredAt ?? '-',
          u.createdAt,
        ]),
      );
    });
  users
    .command('set-quota <username> <quota>')
    .description("set a user's home quota in GiB (e.g. 200 or 0.5), or none to give them the default (storage.quota.defaultGiB)")
    .option('--url <url>', 'the hub (or SHIVA_URL)')
    .option('--json', 'print JSON')
    .action(async (username: string, quota: string, opts: { url?: string; json?: boolean }) => {
      const quotaGiB = parseQuota(quota);
      if (quotaGiB === undefined) {
        // Checked here: JSON would turn a NaN into null, which means "the default".
        process.stderr.write(`shiva: the quota is a number of GiB (like 200 or 0.5) or none, not ${JSON.stringify(quota)}\n`);
        process.exitCode = 2;
        return;
      }
      const hub = new HubClient(await loadCredentials(opts));
      // A name no account could have is looked up nowhere: the hub would refuse it as malformed.
      const user = isValidName(username) ? (await hub.request<Page<User>>('GET', `/api/users?${new URLSearchParams({ username })}`)).items[0] : undefined;
      if (!user) {
        process.stderr.write(`shiva: USER_NOT_FOUND: there is no user ${username}\n`);
        process.exitCode = 1;
        return;
      }
      const updated = await hub.request<User>('PATCH', `/api/users/${user.id}`, { quotaGiB });
      if (opts.json) return printJson(updated);
      const now = updated.quotaBytes === null ? 'no quota' : `a quota of ${gib(updated.quotaBytes)} GiB`;
      process.stdout.write(`${updated.username} has ${now}${quotaGiB === null ? ' (the default)' : ''}.\n`);
    });
  users
    .command('measure-homes')
    .description("measure every user's home now (it may take a while), rather than at the next scheduled measurement")
    .option('--url <url>', 'the hub (or SHIVA_URL)')
    .option('--json', 'print JSON')
    .action(async (opts: { url?: string; json?: boolean }) => {
      const hub = new HubClient(await loadCredentials(opts));
      const done = await hub.request<HomeMeasurement>('POST', '/api/homes/measure');
      if (opts.json) return printJson(done);
      process.stdout.write(`Measured ${done.measured} homes at ${done.at}${done.failed ? `; ${done.failed} could not be measured (see the hub's log)` : ''}.\n`);
    });
  users
    .command('set-password <username>')
    .description(
      "give a user a new password, on the hub's machine, in its data directory (the hub may be running or stopped); " +
        'without --password-stdin one is generated and printed once. For a lost admin password',
    )
    .option('--data-dir <dir>', "the hub's data directory (default: as the hub finds it: --config, SHIVA_DATA_DIR, ./data)")
    .option('-c, --config <file>', "the hub's YAML configuration, to find its data directory (or SHIVA_CONFIG)")
    .option('--password-stdin', 'read the password from standard input')
    .option('--json', 'print JSON')
    .action(async (username: string, opts: { dataDir?: string; config?: string; passwordStdin?: boolean; json?: boolean }) => {
      const { setPassword, SetPasswordError } = await import('./set-password.js');
      let password: string | undefined;
      if (opts.passwordStdin) {
        password = '';
        for await (const chunk of process.stdin) password += chunk.toString();
        password = password.replace(/\r?\n$/, '');
      }
      try {
        const done = await setPassword({ username, dataDir: opts.dataDir, config: opts.config, password });
        if (opts.json) return printJson(done);
        const sessions = done.sessionsEnded === 1 ? '1 session' : `${done.sessionsEnded} sessions`;
        process.stdout.write(`New password set for ${done.username} in ${done.dataDir}; ${sessions} ended.\n`);
        if (done.generated) process.stdout.write(`Password (shown only now): ${done.generated}\n`);
      } catch (err) {
        if (!(err instanceof SetPasswordError)) throw err;
        process.stderr.write(`shiva: ${err.message}\n`);
        process.exitCode = err.exitCode;
      }
    });
}

/** A quota argument: GiB as a plain decimal number (the hub checks its range), null for none, undefined when it is neither. */
export function parseQuota(text: string): number | null | undefined {
  if (text === 'none') return null;
  return /^-?[0-9]+(\.[0-9]+)?$/.test(text) ? Number(text) : undefined;
}
