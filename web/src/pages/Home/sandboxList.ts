/** Which of my sandboxes the home page lists, in what order. */
import { isTerminal } from '../../../../src/contract/sandbox-states';
import type { Sandbox } from '../../api/types';

const ended = (s: Sandbox) => isTerminal(s.state);

/**
 * Live sandboxes first (newest first), then ended ones that can be relaunched: only the latest
 * per name, and none whose name a live sandbox has taken again.
 */
export function sandboxesToList(sandboxes: readonly Sandbox[]): Sandbox[] {
  const newestFirst = [...sandboxes].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  const live = newestFirst.filter((s) => !ended(s));
  const seen = new Set(live.map((s) => s.name));
  const relaunchable: Sandbox[] = [];
  for (const s of newestFirst.filter(ended)) {
    if (seen.has(s.name)) continue;
    seen.add(s.name);
    relaunchable.push(s);
  }
  return [...live, ...relaunchable];
}

/** Not yet stopped or failed: its name is taken (the hub's live states). */
export const isLive = (s: Sandbox) => !ended(s);
export const canStop = (s: Sandbox) => !ended(s) && s.state !== 'stopping';
export const canRelaunch = ended;
export const canOpen = (s: Sandbox) => s.state === 'running';
/** Only a running sandbox's filesystem can be saved as an environment. */
export const canSave = (s: Sandbox) => s.state === 'running';
