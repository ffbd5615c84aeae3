/**
 * Which sandbox an SSH connection reaches, from its user name (src/contract/ssh.ts): `alice.gpu`
 * is alice's live sandbox `gpu`; `alice` alone is her only live sandbox, or `main` when she has
 * several. When none fits, the answer is the sentence the user reads on their terminal, naming
 * what to do (DESIGN.md: every refusal says what to do next).
 */
import { DEFAULT_SANDBOX_NAME } from '../contract/names.js';
import { sshUser, type SshTarget } from '../contract/ssh.js';
import type { SandboxRow } from '../store/sandboxes.js';

/** A running sandbox's container, as exec needs it. */
export interface ReachedSandbox {
  id: string;
  username: string;
  name: string;
  machine: string;
  containerId: string;
}

export type TargetResolution = { ok: true; sandbox: ReachedSandbox } | { ok: false; message: string };

/**
 * Picks the sandbox among `live` (the user's live sandboxes) and `latest` (their most recent
 * sandbox of the asked name, when none of that name lives).
 */
export function resolveTarget(target: SshTarget, live: readonly SandboxRow[], latest: SandboxRow | undefined): TargetResolution {
  const launchHint = (name: string) => `start it on the dashboard or with shiva launch ${name}`;
  let row: SandboxRow | undefined;
  if (target.sandbox !== null) {
    row = live.find((s) => s.name === target.sandbox);
    if (!row) {
      const state = latest?.state === 'failed' ? 'failed' : latest ? 'stopped' : 'not there';
      return { ok: false, message: `sandbox ${target.sandbox} is ${state}: ${launchHint(target.sandbox)}` };
    }
  } else if (live.length === 1) {
    row = live[0];
  } else if (live.length === 0) {
    return { ok: false, message: `${target.username} has no sandbox running: ${launchHint(DEFAULT_SANDBOX_NAME)}` };
  } else {
    row = live.find((s) => s.name === DEFAULT_SANDBOX_NAME);
    if (!row) {
      const choices = live.map((s) => sshUser(target.username, s.name)).join(' or ');
      return { ok: false, message: `${target.username} has ${live.length} sandboxes: connect as ${choices}` };
    }
  }
  if (row!.state !== 'running' || !row!.container_id) {
    const why = row!.state === 'unknown' ? 'on a machine that does not answer now' : `${row!.state}, not running yet`;
    return { ok: false, message: `sandbox ${row!.name} is ${why}: try again in a moment` };
  }
  return { ok: true, sandbox: reached(row!, row!.container_id) };
}

/** The running sandbox `row` as exec needs it; null when it does not run. */
export function reachedIfRunning(row: SandboxRow | undefined): ReachedSandbox | null {
  return row?.state === 'running' && row.container_id ? reached(row, row.container_id) : null;
}

const reached = (row: SandboxRow, containerId: string): ReachedSandbox => ({ id: row.id, username: row.username, name: row.name, machine: row.machine, containerId });
