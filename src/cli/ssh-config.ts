/**
 * `shiva ssh-config [sandbox]`: the ~/.ssh/config blocks that reach your sandboxes through the
 * hub's SSH gateway (docs/ssh.md), and the known_hosts line that lets ssh check the gateway's
 * host key on the first connection rather than asking (src/contract/ssh-config.ts says why each
 * block has a HostKeyAlias). `ssh -p PORT alice.main@host` without the block does not use the
 * alias and asks once, as for any new host.
 */
import type { Page } from '../contract/paging.js';
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import type { Me, Sandbox, SshGatewayInfo } from '../contract/api.js';
import { DEFAULT_SANDBOX_NAME, isValidName } from '../contract/names.js';
import { isTerminal } from '../contract/sandbox-states.js';
import { hostBlock, hostKeyAlias, isOpen, knownHostsLine, sshHosts, type SshHost } from '../contract/ssh-config.js';
import { HubClient, loadCredentials } from './client.js';
import { printJson } from './output.js';
import { sandboxNamed } from './sandboxes.js';
import { appendLines, configHasHost, knownHostsEntry, readIfExists } from './ssh-files.js';

type HostKey = NonNullable<SshGatewayInfo['hostKey']>;


/** The sandboxes to write blocks for, or why there are none; a note says what to do first. */
export type ConfigTargets = { names: string[]; note: string | null } | { problem: string };

/**
 * The sandbox `which` names among the caller's live ones (by name or id), else a name that
 * will be launched; without `which`, every live sandbox, else `main`.
 */
export function configTargets(live: readonly Sandbox[], which: string | undefined): ConfigTargets {
  if (which !== undefined) {
    const found = sandboxNamed(live, which);
    if (found) return { names: [found.name], note: null };
    if (!isValidName(which)) return { problem: `You have no sandbox ${which}; shiva ls lists yours.` };
    return { names: [which], note: `${which} is not running; its block reaches it once it is: shiva launch ${which}` };
  }
  if (live.length > 0) return { names: live.map((s) => s.name), note: null };
  return { names: [DEFAULT_SANDBOX_NAME], note: `You have no sandbox running; the block reaches ${DEFAULT_SANDBOX_NAME} once you launch it: shiva launch` };
}




/** `~/.ssh/config` for a path in the home folder, as the user thinks of it. */
const shown = (file: string): string => (file.startsWith(`${os.homedir()}${path.sep}`) ? `~${file.slice(os.homedir().length)}` : file);

/**
 * Appends the gateway's line to `file` unless it is there. Another key already trusted for the
 * alias is not replaced: the user removes it, knowing why the key changed. Answers what to say,
 * and whether that is a refusal.
 */
async function trustHostKey(file: string, host: string, { fingerprint, publicKey }: HostKey): Promise<{ said: string; refused: boolean }> {
  const alias = hostKeyAlias(host);
  const entry = knownHostsEntry(await readIfExists(file), alias, publicKey);
  if (entry === 'present') return { said: `${shown(file)} already trusts the gateway's host key (${fingerprint}) as ${alias}.`, refused: false };
  if (entry === 'other-key') {
    return {
      said: `${shown(file)} trusts another key for ${alias}: the gateway's key changed, or something poses as it. Check ${fingerprint} with your admin; if it changed on purpose, forget the old one with: ssh-keygen -R ${alias}, and run this again.`,
      refused: true,
    };
  }
  await appendLines(file, `${alias} ${publicKey}`);
  return { said: `Added the gateway's host key (${fingerprint}) to ${shown(file)} as ${alias}.`, refused: false };
}

/** Appends the blocks whose Host `file` does not have yet; answers what to say. */
async function writeBlocks(file: string, hosts: readonly SshHost[]): Promise<string[]> {
  const config = await readIfExists(file);
  const had = hosts.filter((h) => configHasHost(config, h.host));
  const added = hosts.filter((h) => !had.includes(h));
  if (added.length > 0) await appendLines(file, `${config === '' ? '' : '\n'}${added.map(hostBlock).join('\n\n')}`);
  return [
    ...(added.length > 0 ? [`Added Host ${added.map((h) => h.host).join(', ')} to ${shown(file)}.`] : []),
    ...had.map((h) => `${shown(file)} already has Host ${h.host}; left it as it is.`),
  ];
}

export function registerSshConfig(program: Command): void {
  program
    .command('ssh-config [sandbox]')
    .description(
      'print ~/.ssh/config blocks for your running sandboxes (or the one named) through the hub\'s SSH gateway, and the known_hosts line that trusts its host key; ' +
        'the blocks go to standard output (shiva ssh-config >> ~/.ssh/config works), the rest to standard error. ' +
        'Each block sets HostKeyAlias shiva-HOST and the known_hosts line names that alias, so StrictHostKeyChecking works from the first connection',
    )
    .option('--write', 'append the blocks to ~/.ssh/config, each only when no Host of its name is there')
    .option('--known-hosts', "append the gateway's host key to ~/.ssh/known_hosts unless it is there")
    .option('--url <url>', 'the hub (or SHIVA_URL)')
    .option('--json', 'print the hosts, the blocks and the known_hosts line as JSON')
    .action(async (which: string | undefined, opts: { write?: boolean; knownHosts?: boolean; url?: string; json?: boolean }) => {
      const hub = new HubClient(await loadCredentials(opts));
      const info = await hub.request<SshGatewayInfo>('GET', '/api/ssh');
      const fail = (problem: string) => {
        process.stderr.write(`shiva: ${problem}\n`);
        process.exitCode = 1;
      };
      if (!isOpen(info)) return fail("The hub's SSH gateway is off (ssh.enabled in its configuration); ask an admin to turn it on.");
      const [me, sandboxes] = await Promise.all([hub.request<Me>('GET', '/api/me'), hub.request<Page<Sandbox>>('GET', '/api/sandboxes')]);
      const targets = configTargets(sandboxes.items.filter((s) => !isTerminal(s.state)), which);
      if ('problem' in targets) return fail(targets.problem);
      const hosts = sshHosts(info, me.user.username, targets.names);
      const blocks = hosts.map(hostBlock).join('\n\n');
      const trusted = knownHostsLine(info);
      // The result on stdout; what to do next where it does not spoil it.
      const say = (line: string) => (opts.json || !opts.write ? process.stderr : process.stdout).write(`${line}\n`);
      if (targets.note) process.stderr.write(`${targets.note}\n`);

      const sshDir = path.join(os.homedir(), '.ssh');
      if (opts.knownHosts) {
        if (!info.hostKey) return fail('The gateway has no host key yet; try again once the hub has started it.');
        const { said, refused } = await trustHostKey(path.join(sshDir, 'known_hosts'), info.host, info.hostKey);
        if (refused) return fail(said);
        say(said);
      }
      if (opts.write) for (const line of await writeBlocks(path.join(sshDir, 'config'), hosts)) say(line);

      if (opts.json) printJson({ hosts, config: blocks, knownHosts: trusted });
      else if (!opts.write) process.stdout.write(`${blocks}\n`);
      if (info.hostKey && trusted && !opts.knownHosts) {
        say(`\nTrust the gateway's host key (${info.hostKey.fingerprint}) with this line in ~/.ssh/known_hosts, or with --known-hosts:\n${trusted}`);
      }
      // The default sandbox's block when it is among them: `ssh alice` reaches it too.
      const first = (hosts.find((h) => h.host === `shiva-${DEFAULT_SANDBOX_NAME}`) ?? hosts[0]!).host;
      say(`\n${opts.write ? 'Connect with' : `With ${hosts.length === 1 ? 'the block' : 'the blocks'} in ~/.ssh/config (or --write), connect with`}: ssh ${first}; in VS Code: Remote-SSH: Connect to Host… → ${first}`);
    });
}
