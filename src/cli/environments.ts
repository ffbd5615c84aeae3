/**
 * `shiva save` and `shiva environments ls|rm|share`: save a running sandbox as an environment in
 * the team's registry, following the save on the sandbox's events, and list, delete and share
 * what was saved (docs/environments.md).
 */
import type { Page } from '../contract/paging.js';
import type { Command } from 'commander';
import type { Environment, Me, Sandbox, SandboxEvent, SaveRequest, SaveStarted } from '../contract/api.js';
import { isEventOfSave, saveOutcome } from '../contract/environments.js';
import { DEFAULT_SANDBOX_NAME } from '../contract/names.js';
import { isTerminal } from '../contract/sandbox-states.js';
import { formatBytes } from './bytes.js';
import { ApiError, HubClient, loadCredentials } from './client.js';
import { ago, printJson, printTable } from './output.js';
import { sandboxNamed } from './sandboxes.js';

const client = async (opts: { url?: string }) => new HubClient(await loadCredentials(opts));

/** Why `shiva save` cannot tell which sandbox to save, and its exit status (2: say which). */
export interface SaveTargetProblem {
  problem: string;
  exitCode: number;
}

/**
 * The sandbox `shiva save` saves, from the caller's sandboxes (with the recently ended): the one
 * `which` names (by name or id, as `shiva keep` finds it), else their only live one, else their
 * live `main`.
 */
export function sandboxToSave(list: readonly Sandbox[], which: string | undefined): { sandbox: Sandbox } | SaveTargetProblem {
  if (which !== undefined) {
    const named = sandboxNamed(list, which);
    return named ? { sandbox: named } : { problem: `You have no sandbox ${which}; shiva ls lists yours.`, exitCode: 1 };
  }
  const live = list.filter((s) => !isTerminal(s.state));
  const only = live.length === 1 ? live[0] : live.find((s) => s.name === DEFAULT_SANDBOX_NAME);
  if (only) return { sandbox: only };
  if (live.length === 0) return { problem: 'You have no running sandbox to save; launch one with: shiva launch', exitCode: 1 };
  return { problem: `You have ${live.length} sandboxes (${live.map((s) => s.name).join(', ')}); say which to save with --sandbox NAME.`, exitCode: 2 };
}

/** The id of the sandbox's last event so far: what follows it is new. A running sandbox's plain event stream ends after its history. */
async function lastEventId(hub: HubClient, sandboxId: string): Promise<number> {
  let last = 0;
  for await (const event of hub.events<SandboxEvent>(`/api/sandboxes/${encodeURIComponent(sandboxId)}/events`)) last = Math.max(last, event.id);
  return last;
}

/**
 * The environment `which` names in `list`: by id, as `<owner>/<name>`, or by name among
 * `me`'s own (another user's shared environment of that name is not theirs to change).
 */
export function environmentNamed(list: readonly Environment[], which: string, me: string): Environment | undefined {
  return list.find((e) => e.id === which) ?? list.find((e) => e.image === which) ?? list.find((e) => e.owner === me && e.name === which);
}

/** The environment `which` names, or ENVIRONMENT_NOT_FOUND as the hub would say it. */
async function findEnvironment(hub: HubClient, which: string): Promise<Environment> {
  const [list, me] = await Promise.all([hub.request<Environment[]>('GET', '/api/environments'), hub.request<Me>('GET', '/api/me')]);
  const found = environmentNamed(list, which, me.user.username);
  if (!found) throw new ApiError(404, 'ENVIRONMENT_NOT_FOUND', `You have no saved environment ${which}; shiva environments ls lists them.`);
  return found;
}

/** The columns and rows of `shiva environments ls`. */
export function environmentsTable(list: readonly Environment[], at = Date.now()): [string[], string[][]] {
  const header = ['ID', 'NAME', 'OWNER', 'SIZE', 'CREATED', 'SHARED', 'DESCRIPTION'];
  const rows = list.map((e) => [e.id, e.name, e.owner, formatBytes(e.sizeBytes), ago(e.createdAt, at), e.shared ? 'yes' : 'no', e.description]);
  return [header, rows];
}

export function registerEnvironments(program: Command): void {
  program
    .command('save <name>')
    .description("save your running sandbox as an environment in the team's registry, print the progress, and say how to launch it")
    .option('--sandbox <sandbox>', 'the sandbox to save, by name or id (default: your only one, else main)')
    .option('--description <text>', 'what it holds, shown in the image list')
    .option('--pause', "pause the sandbox's processes while its filesystem is read (a consistent copy; the notebook waits meanwhile)")
    .option('--shared', 'let everyone see and launch it (default: you and admins only)')
    .option('--url <url>', 'the hub (or SHIVA_URL)')
    .option('--json', 'print the saved environment as JSON')
    .action(async (name: string, opts: { sandbox?: string; description?: string; pause?: boolean; shared?: boolean; url?: string; json?: boolean }) => {
      const hub = await client(opts);
      const target = sandboxToSave((await hub.request<Page<Sandbox>>('GET', '/api/sandboxes?ended=true')).items, opts.sandbox);
      if ('problem' in target) {
        process.stderr.write(`shiva: ${target.problem}\n`);
        process.exitCode = target.exitCode;
        return;
      }
      const { sandbox } = target;
      const path = `/api/sandboxes/${encodeURIComponent(sandbox.id)}`;
      // The sandbox's history may hold an earlier save of this name: follow only what comes after
      // it. A sandbox that is not running is refused by the hub (SANDBOX_NOT_RUNNING).
      const after = sandbox.state === 'running' ? await lastEventId(hub, sandbox.id) : 0;
      const request: SaveRequest = {
        name,
        ...(opts.description !== undefined ? { description: opts.description } : {}),
        ...(opts.pause ? { pause: true } : {}),
        ...(opts.shared ? { shared: true } : {}),
      };
      const started = await hub.request<SaveStarted>('POST', `${path}/save`, request);
      const say = (line: string) => (opts.json ? process.stderr : process.stdout).write(`${line}\n`);
      const image = `${sandbox.user}/${started.name}`;
      say(`Saving ${sandbox.user}/${sandbox.name} as ${image}${opts.pause ? ' (its processes paused meanwhile)' : ''}`);
      let outcome: ReturnType<typeof saveOutcome> = null;
      for await (const event of hub.events<SandboxEvent>(`${path}/events?follow=true`, after)) {
        if (!isEventOfSave(event, started)) continue;
        say(`  ${event.message}`);
        outcome = saveOutcome(event);
        if (outcome) break;
      }
      if (outcome === 'saved') {
        if (opts.json) {
          const saved = (await hub.request<Environment[]>('GET', '/api/environments')).find((e) => e.image === image);
          return printJson(saved ?? started);
        }
        return void process.stdout.write(`Launch it with: shiva launch --image ${image}\n`);
      }
      if (outcome === null) {
        process.stderr.write(`The event stream ended before the save did (the sandbox stopped, or the hub restarted); shiva environments ls shows whether ${image} was saved.\n`);
      }
      process.exitCode = 1;
    });

  const environments = program.command('environments').description('your saved environments, and those shared with everyone');
  environments
    .command('ls')
    .description('list the saved environments you may launch: yours and shared ones (admins: everyone\'s)')
    .option('--url <url>', 'the hub (or SHIVA_URL)')
    .option('--json', 'print JSON')
    .action(async (opts: { url?: string; json?: boolean }) => {
      const hub = await client(opts);
      const list = await hub.request<Environment[]>('GET', '/api/environments');
      if (opts.json) return printJson(list);
      if (list.length === 0) return void process.stdout.write('No saved environments. Save your running sandbox with: shiva save NAME\n');
      const [header, rows] = environmentsTable(list);
      printTable(header, rows);
    });
  environments
    .command('rm <environment>')
    .description("delete a saved environment: one of yours by name, or any you may change by id or owner/name")
    .option('--url <url>', 'the hub (or SHIVA_URL)')
    .option('--json', 'print JSON')
    .action(async (which: string, opts: { url?: string; json?: boolean }) => {
      const hub = await client(opts);
      const found = await findEnvironment(hub, which);
      const removed = await hub.request<Environment>('DELETE', `/api/environments/${encodeURIComponent(found.id)}`);
      if (opts.json) return printJson(removed);
      process.stdout.write(`Deleted ${removed.image} (${formatBytes(removed.sizeBytes)}; the registry frees the space at its next garbage collection).\n`);
    });
  environments
    .command('share <environment>')
    .description('let everyone see and launch a saved environment of yours; --off takes it back')
    .option('--off', 'yours and admins\' only again')
    .option('--url <url>', 'the hub (or SHIVA_URL)')
    .option('--json', 'print JSON')
    .action(async (which: string, opts: { off?: boolean; url?: string; json?: boolean }) => {
      const hub = await client(opts);
      const found = await findEnvironment(hub, which);
      const changed = await hub.request<Environment>('PATCH', `/api/environments/${encodeURIComponent(found.id)}`, { shared: !opts.off });
      if (opts.json) return printJson(changed);
      process.stdout.write(changed.shared ? `Everyone may now launch ${changed.image}.\n` : `Only ${changed.owner} and admins may launch ${changed.image} now.\n`);
    });
}
