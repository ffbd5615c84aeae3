/**
 * The states a sandbox passes through, listed once for the hub, the CLI and the dashboard. Which
 * moves between them are allowed, and what each does, is src/sandboxes/transitions.ts.
 *
 * queued → pulling → creating → starting → waiting → running ⇄ unknown
 *   any live state → stopping → stopped;   a launching state → failed
 */

/** Every state, in the order a sandbox meets them. */
export const SANDBOX_STATES = ['queued', 'pulling', 'creating', 'starting', 'waiting', 'running', 'unknown', 'stopping', 'stopped', 'failed'] as const;

export type SandboxState = (typeof SANDBOX_STATES)[number];

/** On its way up: a launch is working on it (or a hub that died left it there). */
export const LAUNCHING_STATES: readonly SandboxState[] = ['queued', 'pulling', 'creating', 'starting', 'waiting'];

/** Ended: it holds no room, no route and (once the reconciler has passed) no container. */
export const TERMINAL_STATES: readonly SandboxState[] = ['stopped', 'failed'];

/** Not ended: its name is taken and it holds room. `unknown`: its machine stopped answering. */
export const LIVE_STATES: readonly SandboxState[] = [...LAUNCHING_STATES, 'running', 'unknown', 'stopping'];

/** Where a launch's event stream ends: the launch came up, failed, or was stopped. */
export const OUTCOME_STATES: readonly SandboxState[] = ['running', 'stopped', 'failed'];

const among =
  (states: readonly SandboxState[]) =>
  (state: SandboxState): boolean =>
    states.includes(state);

export const isLaunching = among(LAUNCHING_STATES);
export const isTerminal = among(TERMINAL_STATES);
export const isLive = among(LIVE_STATES);
export const isOutcome = among(OUTCOME_STATES);
