/** `shiva users add|ls`: accounts, for admins. */
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
      printTable(['USERNAME', 'ROLE', 'DISABLED', 'CREATED'], list.map((u) => [u.username, u.admin ? 'admin' : 'user', u.disabled ? 'yes' : 'no', u.createdAt]));
    });
}
