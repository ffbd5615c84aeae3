/** Reading a launch's events: the steps to show, and a failure's reason and log tail. */
import type { SandboxEvent } from '../../api/types';

/** The line the hub puts between a failure's reason and the container's last log lines. */
export const LOG_MARKER = "--- last lines of the container's log ---";

export interface Failure {
  reason: string;
  log: string | null;
}

export function splitFailure(message: string): Failure {
  const at = message.indexOf(LOG_MARKER);
  if (at < 0) return { reason: message.trim(), log: null };
  const log = message.slice(at + LOG_MARKER.length).replace(/^\r?\n/, '').trimEnd();
  return { reason: message.slice(0, at).trim(), log: log || null };
}

/**
 * One entry per step: repeated events of one step (pull percentages) keep only the latest. A
 * launch's step is its state; a save's, its event code (its events all say `running`).
 */
export function steps(events: readonly SandboxEvent[], stepOf: (event: SandboxEvent) => string | null = (event) => event.state): SandboxEvent[] {
  const result: SandboxEvent[] = [];
  for (const event of events) {
    const last = result.at(-1);
    if (last && stepOf(last) === stepOf(event)) result[result.length - 1] = event;
    else result.push(event);
  }
  return result;
}
