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

/** One entry per step: repeated events of one state (pull percentages) keep only the latest. */
export function steps(events: readonly SandboxEvent[]): SandboxEvent[] {
  const result: SandboxEvent[] = [];
  for (const event of events) {
    if (result.at(-1)?.state === event.state) result[result.length - 1] = event;
    else result.push(event);
  }
  return result;
}
