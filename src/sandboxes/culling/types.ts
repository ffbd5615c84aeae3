/**
 * The contract between what knows a sandbox's activity (src/sandboxes/culling/activity-*.ts) and
 * what decides to warn and stop idle sandboxes (src/sandboxes/culling/culler.ts). Kept apart so
 * each side is tested with a stand-in for the other.
 */
import type { ActivityKind } from '../../contract/activity-kinds.js';

/** The facts about a running sandbox that activity sources need. */
export interface ActivitySubject {
  id: string;
  username: string;
  name: string;
  machine: string;
  /** GPU ids on its machine (as the GPU inventory names them); empty for none. */
  gpus: readonly string[];
  /** When its server first answered (ISO 8601), or null. */
  startedAt: string | null;
}

/** Where an activity came from: what docs/culling.md lists as counting (src/contract/activity-kinds.ts). */
export type { ActivityKind };

/** The latest activity of a sandbox: when (ms since the epoch) and from which source. */
export interface LastActivity {
  at: number;
  kind: ActivityKind;
}

/**
 * Answers when a sandbox was last really active, from every source (proxied traffic that counts,
 * Jupyter's own view of its kernels and terminals, GPU utilisation, SSH sessions). Never throws:
 * a source that cannot be read is left out of the answer and logged.
 */
export interface ActivityView {
  /**
   * The latest activity from any source, or null when none was ever seen (then the start counts).
   * `gpuUtilisationPercent`: a GPU at or above it (0-100) in a reading counts as activity then.
   */
  lastActivity(sandbox: ActivitySubject, options: { gpuUtilisationPercent: number }): Promise<LastActivity | null>;
}
