/** `shiva users ls` over a fake hub: the pages it asks for, what it prints, and where. */
import { describe, expect, it } from 'vitest';
import { cliRuns, runVerb } from '../../test/support/cli-fixtures.js';
import type { User } from '../contract/api.js';
import { registerUsers } from './users.js';

const user = (username: string, email: string | null = null): User => ({
  id: username.length,
  username,
  email,
  admin: false,
  disabled: false,
  createdAt: '2026-11-01T00:00:00.000Z',
  uid: 20001,
  gid: 20001,
  homeBytes: null,
  quotaBytes: null,
  measuredAt: null,
});

describe('shiva users ls', () => {
  const cli = cliRuns();

  it('asks the hub to search, follows the next page up to --limit, and says on stderr that more match', async () => {
    const hub = await cli.hub({
      'GET /api/users?q=smith&sort=-created&limit=3': { body: { items: [user('jane', 'Jane.Smith@example.com'), user('joe')], total: 9, next: 'c1' } },
      'GET /api/users?q=smith&sort=-created&limit=1&cursor=c1': { body: { items: [user('ann', 'ann.smith@example.com')], total: 9, next: 'c2' } },
    });
    await runVerb(registerUsers, ['users', 'ls', '--search', 'smith', '--sort', '-created', '--limit', '3', '--url', hub.url]);
    expect(hub.requests.map((r) => r.url)).toEqual(['/api/users?q=smith&sort=-created&limit=3', '/api/users?q=smith&sort=-created&limit=1&cursor=c1']);
    const lines = cli.stdout().trimEnd().split('\n');
    expect(lines[0]).toMatch(/^USERNAME +EMAIL +ROLE/);
    expect(lines.slice(1).map((l) => l.split(/ +/).slice(0, 2))).toEqual([
      ['jane', 'Jane.Smith@example.com'],
      ['joe', '-'],
      ['ann', 'ann.smith@example.com'],
    ]);
    expect(cli.stderr()).toBe('Showing 3 of 9 users; narrow with --search, or show more with --limit.\n');
  });

  it('leaves the email column out when no one has one, and says when a search finds no one', async () => {
    let hub = await cli.hub({ 'GET /api/users?limit=100': { body: { items: [user('alice')], total: 1, next: null } } });
    await runVerb(registerUsers, ['users', 'ls', '--url', hub.url]);
    expect(cli.stdout()).not.toContain('EMAIL');
    expect(cli.stderr()).toBe('');
    hub = await cli.hub({ 'GET /api/users?q=zzz&limit=100': { body: { items: [], total: 0, next: null } } });
    await runVerb(registerUsers, ['users', 'ls', '--search', 'zzz', '--url', hub.url]);
    expect(cli.stdout()).toContain('No user\'s name or email contains "zzz".');
  });

  it('refuses an order or a limit it does not know before asking the hub', async () => {
    const hub = await cli.hub({});
    await expect(runVerb(registerUsers, ['users', 'ls', '--sort', 'password', '--url', hub.url])).rejects.toThrow(/username, -username, created, -created/);
    await expect(runVerb(registerUsers, ['users', 'ls', '--limit', '0', '--url', hub.url])).rejects.toThrow(/whole number/);
    expect(hub.requests).toEqual([]);
  });
});
