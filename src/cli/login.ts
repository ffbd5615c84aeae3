/** `shiva login` and `shiva logout`: an API token saved for the other verbs, and its end. */
import type { Command } from 'commander';
import os from 'node:os';
import { createInterface } from 'node:readline/promises';
import type { CreatedToken, Me } from '../contract/api.js';
import { rm } from 'node:fs/promises';
import { ApiError, credentialsFile, HubClient, loadCredentials, loadSaved, saveCredentials } from './client.js';
import { printJson } from './output.js';

export function registerLogin(program: Command): void {
  program
    .command('login')
    .description('sign in to a hub and save an API token for the other commands')
    .option('--url <url>', 'the hub, e.g. http://127.0.0.1:8000 (or SHIVA_URL)')
    .option('-u, --username <name>', 'your username')
    .option('--password-stdin', 'read the password from standard input (for scripts)')
    .option('--token-stdin', 'save an API token made in the dashboard (read from standard input) instead; for company sign-in')
    .option('--json', 'print JSON')
    .action(async (opts: { url?: string; username?: string; passwordStdin?: boolean; tokenStdin?: boolean; json?: boolean }) => {
      const { url } = await loadCredentials(opts);
      if (opts.tokenStdin) {
        const token = (await readAll(process.stdin)).trim();
        const me = await new HubClient({ url, token }).request<Me>('GET', '/api/me');
        const file = await saveCredentials({ url, token, username: me.user.username });
        if (opts.json) printJson({ url, username: me.user.username, saved: file });
        else process.stdout.write(`Signed in to ${url} as ${me.user.username} with your token; saved in ${file}.\n`);
        return;
      }
      const username = opts.username ?? (await ask('Username: '));
      const password = opts.passwordStdin ? (await readAll(process.stdin)).trim() : await ask('Password: ', true);
      const client = new HubClient({ url });
      const basic = Buffer.from(`${username}:${password}`).toString('base64');
      const created = await client.request<CreatedToken>(
        'POST',
        '/api/tokens',
        { name: `cli on ${os.hostname()}`, expiresInDays: 90 },
        { authorization: `Basic ${basic}` },
      );
      const file = await saveCredentials({ url, token: created.token, username, tokenId: created.id });
      if (opts.json) printJson({ url, username, tokenId: created.id, expiresAt: created.expiresAt, saved: file });
      else process.stdout.write(`Signed in to ${url} as ${username}; token saved in ${file}.\n`);
    });
}

export function registerLogout(program: Command): void {
  program
    .command('logout')
    .description('revoke the token `shiva login` saved, on the hub, and forget it here')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const saved = await loadSaved();
      const file = credentialsFile();
      if (!saved.token || !saved.url) {
        if (opts.json) printJson({ revoked: false, forgotten: false });
        else process.stdout.write('Not signed in: nothing saved.\n');
        return;
      }
      let revoked = false;
      let warning: string | undefined;
      if (saved.tokenId) {
        try {
          await new HubClient({ url: saved.url, token: saved.token }).request('DELETE', `/api/tokens/${encodeURIComponent(saved.tokenId)}`);
          revoked = true;
        } catch (err) {
          // Expired or revoked already: the token is dead either way. Anything else is told.
          if (err instanceof ApiError && (err.code === 'UNAUTHENTICATED' || err.code === 'TOKEN_NOT_FOUND')) revoked = true;
          else warning = `the hub did not revoke the token (${err instanceof Error ? err.message : String(err)}); revoke ${saved.tokenId} in the dashboard's Tokens page.`;
        }
      } else {
        warning = 'the saved token was pasted with --token-stdin, so its id is not known here: it stays valid until you revoke it in the dashboard\'s Tokens page.';
      }
      await rm(file, { force: true });
      if (opts.json) printJson({ url: saved.url, revoked, forgotten: true, ...(warning ? { warning } : {}) });
      else process.stdout.write(`Signed out of ${saved.url}${revoked ? '; the token is revoked' : ''}.\n`);
      if (warning) {
        process.stderr.write(`shiva: ${warning}\n`);
        if (saved.tokenId) process.exitCode = 1;
      }
    });
}

async function ask(question: string, secret = false): Promise<string> {
  if (secret && process.stdin.isTTY) return askHidden(question);
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return (await rl.question(question)).trim();
  } finally {
    rl.close();
  }
}

/** Reads a line from the terminal without echoing it. */
function askHidden(question: string): Promise<string> {
  process.stdout.write(question);
  const stdin = process.stdin;
  stdin.setRawMode(true);
  stdin.resume();
  return new Promise((resolve, reject) => {
    let value = '';
    const onData = (data: Buffer) => {
      for (const ch of data.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return done(null);
        if (ch === '\u0003') return done(new Error('cancelled'));
        if (ch === '\u007f') value = value.slice(0, -1);
        else value += ch;
      }
    };
    const done = (err: Error | null) => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stdout.write('\n');
      if (err) reject(err);
      else resolve(value);
    };
    stdin.on('data', onData);
  });
}

/** All of a stream as text: a secret or a key piped to standard input. */
export async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of stream) text += chunk.toString();
  return text;
}
