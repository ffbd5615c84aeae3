/** `shiva launch`, `shiva ls`, `shiva keep`, `shiva stop`: sandboxes from the terminal. */
import type { Page } from '../contract/paging.js';
import { DEFAULT_CLI_LIMIT, limitFlag, moreThanShown, readPages } from './paging.js';
import type { Command } from 'commander';
import { isOutcome, isTerminal } from '../contract/sandbox-states.js';
import type { LaunchRequest, Sandbox, SandboxEvent } from '../contract/api.js';
import { HubClient, loadCredentials } from './client.js';
import { inFlagTerms, numberFlag } from './flags.js';
import { idleStopText } from './idle-stop.js';
import { ago, printJson, printTable } from './output.js';

const client = async (opts: { url?: string }) => new HubClient(await loadCredentials(opts));

/** The launch request's fields as the flags that set them, for the hub's refusals. */
const LAUNCH_FLAGS = { cpus: '--cpus', memoryGiB: '--memory', gpus: '--gpus', machine: '--machine', image: '--image' } as const;

/** "1 CPU", "2 CPUs", "0.5 CPUs": a count and its noun, singular only for exactly one. */
export const count = (n: number, noun: string): string => `${n} ${noun}${n === 1 ? '' : 's'}`;

const GiB = 1024 ** 3;

/**
 * The MEM column of `shiva ls`: the memory in use of a running sandbox over its limit, "1.2/4G"
 * (GiB, in use rounded down to a tenth as `shiva machines` shows it; whole MiB under 1 GiB,
 * "512M/4G"), with "!" from 90% of the limit, where its events get a memory_warning; the limit
 * alone, "4G", before the hub's first reading or for a sandbox that does not run.
 */
export function memoryColumn(s: Pick<Sandbox, 'memoryGiB' | 'memoryUsedBytes'>): string {
  const limit = `${s.memoryGiB}G`;
  const used = s.memoryUsedBytes;
  // undefined: a hub from before the figure existed.
  if (used === null || used === undefined) return limit;
  const shown = used > 0 && used < GiB ? `${Math.floor(used / 1024 ** 2)}M` : String(Math.floor((used / GiB) * 10 + 1e-9) / 10);
  return `${shown}/${limit}${s.memoryGiB > 0 && used >= 0.9 * s.memoryGiB * GiB ? '!' : ''}`;
}

/**
 * The columns and rows of `shiva ls` (STOPS: an idle stop the hub has warned of); with `--ended`,
 * a last REASON column says why each ended sandbox ended (its first line), `-` for live ones.
 */
export function lsTable(list: readonly Sandbox[], ended: boolean): [string[], string[][]] {
  const header = ['ID', 'USER', 'NAME', 'STATE', 'IMAGE', 'MACHINE', 'CPUS', 'MEM', 'STARTED', 'STOPS', 'URL', ...(ended ? ['REASON'] : [])];
  const rows = list.map((s) => {
    const row = [s.id, s.user, s.name, s.state, s.image, s.machine, String(s.cpus), memoryColumn(s), ago(s.startedAt), idleStopText(s.idleStop), s.url];
    if (ended) row.push(isTerminal(s.state) && s.reason ? s.reason.split('\n')[0]! : '-');
    return row;
  });
  return [header, rows];
}

/**
 * The caller's sandbox `which` names, by id or else by name, in `list` (theirs, with the recently
 * ended): a live one first, else the newest that recently ended (so that the hub says it is
 * stopped rather than unknown); undefined when none matches.
 */
export function sandboxNamed(list: readonly Sandbox[], which: string): Sandbox | undefined {
  const named = list.filter((s) => s.id === which || s.name === which).sort((a, b) => Number(a.id !== which) - Number(b.id !== which) || b.createdAt.localeCompare(a.createdAt));
  return named.find((s) => !isTerminal(s.state)) ?? named[0];
}

/** The id of the caller's sandbox `which` names (sandboxNamed); `which` itself when none matches, so the hub answers SANDBOX_NOT_FOUND for it. */
async function sandboxIdOf(hub: HubClient, which: string): Promise<string> {
  // Live ones are few (sandboxes.maxPerUser); among ended ones, the newest page named like it.
  const live = (await hub.request<Page<Sandbox>>('GET', '/api/sandboxes')).items;
  const found = sandboxNamed(live, which) ?? sandboxNamed((await hub.request<Page<Sandbox>>('GET', `/api/sandboxes?${new URLSearchParams({ ended: 'true', q: which })}`)).items, which);
  return found?.id ?? which;
}

export function registerSandboxes(program: Command): void {
  program
    .command('launch [name]')
    .description('launch a sandbox, print its progress, and print its URL when it is ready')
    .option('--image <image>', 'an image from the catalogue (see GET /api/images)')
    .option('--cpus <n>', 'CPUs', numberFlag('CPUs', '2 or 0.5'))
    .option('--memory <GiB>', 'memory in GiB', numberFlag('GiB', '4 or 0.5'))
    .option('--gpus <n>', 'GPUs (see shiva machines for what is free)', numberFlag('GPUs', '1', true))
    .option('--machine <name>', 'run it on this machine')
    .option('--url <url>', 'the hub (or SHIVA_URL)')
    .option('--json', 'print the sandbox as JSON when it is ready')
    .action(async (name: string | undefined, opts: { image?: string; cpus?: number; memory?: number; gpus?: number; machine?: string; url?: string; json?: boolean }) => {
      const hub = await client(opts);
      const request: LaunchRequest = {
        ...(name ? { name } : {}),
        ...(opts.image ? { image: opts.image } : {}),
        ...(opts.cpus !== undefined ? { cpus: opts.cpus } : {}),
        ...(opts.memory !== undefined ? { memoryGiB: opts.memory } : {}),
        ...(opts.gpus !== undefined ? { gpus: opts.gpus } : {}),
        ...(opts.machine ? { machine: opts.machine } : {}),
      };
      const sandbox = await hub.request<Sandbox>('POST', '/api/sandboxes', request).catch((err: unknown) => {
        throw inFlagTerms(err, LAUNCH_FLAGS);
      });
      const say = (line: string) => (opts.json ? process.stderr : process.stdout).write(`${line}\n`);
      const gpus = sandbox.gpus.length > 0 ? `, ${count(sandbox.gpus.length, 'GPU')}` : '';
      say(`Launching ${sandbox.user}/${sandbox.name} on ${sandbox.machine} (${count(sandbox.cpus, 'CPU')}, ${sandbox.memoryGiB} GiB${gpus})`);
      let last: SandboxEvent | undefined;
      for await (const event of hub.events<SandboxEvent>(`/api/sandboxes/${sandbox.id}/events`)) {
        last = event;
        say(`  ${event.state.padEnd(8)} ${event.percent !== null ? `${Math.round(event.percent)}% ` : ''}${event.message}`);
        if (isOutcome(event.state)) break;
      }
      const final = await hub.request<Sandbox>('GET', `/api/sandboxes/${sandbox.id}`);
      if (opts.json) printJson(final);
      if (final.state !== 'running') {
        if (!opts.json) process.stderr.write(`The launch did not succeed: ${final.reason ?? last?.message ?? final.state}\n`);
        process.exitCode = 1;
        return;
      }
      if (!opts.json) process.stdout.write(`Ready: ${final.url}\n`);
    });

  program
    .command('ls')
    .description('list your sandboxes')
    .option('-a, --all', "everyone's (admins)")
    .option('--ended', 'include stopped and failed ones, newest first')
    .option('--search <text>', "only sandboxes whose name (or, with --all, owner's name) contains this text")
    .option('--limit <n>', `show at most this many (default ${DEFAULT_CLI_LIMIT})`, limitFlag)
    .option('--url <url>', 'the hub (or SHIVA_URL)')
    .option('--json', 'print JSON')
    .action(async (opts: { all?: boolean; ended?: boolean; search?: string; limit?: number; url?: string; json?: boolean }) => {
      const hub = await client(opts);
      const params = { ...(opts.all ? { all: 'true' } : {}), ...(opts.ended ? { ended: 'true' } : {}), ...(opts.search ? { q: opts.search } : {}) };
      const { items: list, total } = await readPages<Sandbox>(hub, '/api/sandboxes', params, opts.limit ?? DEFAULT_CLI_LIMIT);
      const more = moreThanShown(list.length, total, 'sandboxes');
      if (more) process.stderr.write(`${more}\n`);
      if (opts.json) return printJson(list);
      if (list.length === 0) {
        const searched = opts.all ? "No sandbox's name or owner's name contains" : "No sandbox's name contains";
        return void process.stdout.write(opts.search ? `${searched} ${JSON.stringify(opts.search)}.\n` : 'No sandboxes. Start one with: shiva launch\n');
      }
      const [header, rows] = lsTable(list, opts.ended === true);
      printTable(header, rows);
      const warned = list.filter((s) => s.idleStop);
      if (warned.length > 0) {
        // Keep it running calls off an idle stop only: nothing postpones the maximum age.
        const remedy = warned.some((s) => s.idleStop?.reason !== 'max_age') ? '; keep an idle one with: shiva keep <name>' : ` at ${warned.length === 1 ? 'its' : 'their'} maximum age`;
        process.stdout.write(`\n${warned.length === 1 ? 'One sandbox is' : `${warned.length} sandboxes are`} about to be stopped (STOPS)${remedy}\n`);
      }
    });

  program
    .command('keep <sandbox>')
    .description('keep a sandbox running (by name or id): calls off an idle stop; the maximum age still applies')
    .option('--url <url>', 'the hub (or SHIVA_URL)')
    .option('--json', 'print JSON')
    .action(async (which: string, opts: { url?: string; json?: boolean }) => {
      const hub = await client(opts);
      const id = await sandboxIdOf(hub, which);
      const kept = await hub.request<Sandbox>('POST', `/api/sandboxes/${encodeURIComponent(id)}/keep`);
      if (opts.json) return printJson(kept);
      const still = kept.idleStop?.reason === 'max_age' ? ` It still stops ${idleStopText(kept.idleStop)}: nothing postpones the maximum age.` : '';
      process.stdout.write(`Kept ${kept.user}/${kept.name} running.${still}\n`);
    });

  program
    .command('stop <sandbox>')
    .description('stop a sandbox (by name or id); its home stays')
    .option('--url <url>', 'the hub (or SHIVA_URL)')
    .option('--json', 'print JSON')
    .action(async (which: string, opts: { url?: string; json?: boolean }) => {
      const hub = await client(opts);
      const id = await sandboxIdOf(hub, which);
      const stopped = await hub.request<Sandbox>('DELETE', `/api/sandboxes/${encodeURIComponent(id)}`);
      if (opts.json) printJson(stopped);
      else process.stdout.write(`Stopped ${stopped.user}/${stopped.name}.\n`);
    });
}
