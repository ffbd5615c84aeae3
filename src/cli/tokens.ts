/** `shiva tokens ls|create|revoke`: your API tokens. */
import type { Command } from 'commander';
import type { CreatedToken, Token } from '../contract/api.js';
import { SCOPES } from '../contract/scopes.js';
import { HubClient, loadCredentials } from './client.js';
import { inFlagTerms, numberFlag } from './flags.js';
import { ago, printJson, printTable } from './output.js';

export function registerTokens(program: Command): void {
  const tokens = program.command('tokens').description('your API tokens');
  tokens
    .command('ls')
    .description('list your tokens (never their secrets)')
    .option('--url <url>', 'the hub (or SHIVA_URL)')
    .option('--json', 'print JSON')
    .action(async (opts: { url?: string; json?: boolean }) => {
      const hub = new HubClient(await loadCredentials(opts));
      const list = await hub.request<Token[]>('GET', '/api/tokens');
      if (opts.json) return printJson(list);
      printTable(
        ['ID', 'NAME', 'SCOPES', 'EXPIRES', 'LAST USED', 'FROM'],
        list.map((t) => [t.id, t.name, t.scopes.join(','), t.expiresAt ?? 'never', ago(t.lastUsedAt), t.lastUsedFrom ?? '-']),
      );
    });
  tokens
    .command('create <name>')
    .description('create a token; its secret is printed once')
    .option('--scope <scope...>', `what it may do: ${SCOPES.join(', ')} (default: all you may)`)
    .option('--expires-days <n>', 'days until it expires', numberFlag('days', '30', true))
    .option('--url <url>', 'the hub (or SHIVA_URL)')
    .option('--json', 'print JSON')
    .action(async (name: string, opts: { scope?: string[]; expiresDays?: number; url?: string; json?: boolean }) => {
      const hub = new HubClient(await loadCredentials(opts));
      const created = await hub
        .request<CreatedToken>('POST', '/api/tokens', {
          name,
          ...(opts.scope ? { scopes: opts.scope } : {}),
          ...(opts.expiresDays !== undefined ? { expiresInDays: opts.expiresDays } : {}),
        })
        .catch((err: unknown) => {
          throw inFlagTerms(err, { expiresInDays: '--expires-days', scopes: '--scope' });
        });
      if (opts.json) return printJson(created);
      process.stdout.write(`Created ${created.id} (${created.scopes.join(', ')}).\nSecret (shown only now): ${created.token}\n`);
    });
  tokens
    .command('revoke <id>')
    .description('revoke a token at once')
    .option('--url <url>', 'the hub (or SHIVA_URL)')
    .option('--json', 'print JSON')
    .action(async (id: string, opts: { url?: string; json?: boolean }) => {
      const hub = new HubClient(await loadCredentials(opts));
      await hub.request('DELETE', `/api/tokens/${encodeURIComponent(id)}`);
      if (opts.json) printJson({ revoked: id });
      else process.stdout.write(`Revoked ${id}.\n`);
    });
}
