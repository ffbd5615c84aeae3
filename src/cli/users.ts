/** `shiva users add|ls|set-password`: accounts, for admins. */
import type { Command } from 'commander';
import type { CreatedUser, User } from '../contract/api.js';
import { HubClient, loadCredentials } from './client.js';
import { printJson, printTable } from './output.js';

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
    .description('list users')
    .option('--url <url>', 'the hub (or SHIVA_URL)')
    .option('--json', 'print JSON')
    .action(async (opts: { url?: string; json?: boolean }) => {
      const hub = new HubClient(await loadCredentials(opts));
      const list = await hub.request<User[]>('GET', '/api/users');
      if (opts.json) return printJson(list);
      printTable(
        ['USERNAME', 'ROLE', 'DISABLED', 'UID', 'GID', 'CREATED'],
        list.map((u) => [u.username, u.admin ? 'admin' : 'user', u.disabled ? 'yes' : 'no', String(u.uid ?? '-'), String(u.gid ?? '-'), u.createdAt]),
      );
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
