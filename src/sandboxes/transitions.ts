/**
 * The state machine of a sandbox: each transition, the states it may start from and the state it
 * leads to. Pure data; src/sandboxes/lifecycle.ts performs a transition with its side effects
 * (row, route, room, container, event, log) and refuses any move this table does not allow.
 *
 * The states are listed in src/contract/sandbox-states.ts. The shape follows Kubernetes' pod
 * phases as JupyterHub's spawners see them: pending steps, then running, with `unknown` for a
 * node that stopped answering, and an end that is kept as history.
 */
import { LAUNCHING_STATES, LIVE_STATES, type SandboxState } from '../contract/sandbox-states.js';

export interface TransitionRule {
  /** The states the transition may start from. */
  from: readonly SandboxState[];
  /** The state it leads to. */
  to: SandboxState;
  /** Whether it ends the sandbox: route and room go, and nothing moves it again. */
  ends: boolean;
}

const rule = (from: readonly SandboxState[], to: SandboxState): TransitionRule => ({ from, to, ends: to === 'stopped' || to === 'failed' });

export const TRANSITIONS = {
  /** The launch found the image missing and pulls it. */
  pull: rule(['queued'], 'pulling'),
  /** The image is present: the home and the container are made. */
  create: rule(['queued', 'pulling'], 'creating'),
  /** The container exists; its id is kept. */
  start: rule(['creating'], 'starting'),
  /** The container runs; the launch waits for its server to answer. */
  wait: rule(['starting'], 'waiting'),
  /** The server answers: its route is set, then the sandbox is announced running. */
  ready: rule(['waiting'], 'running'),
  /** The launch failed (image, engine, readiness): its container is removed. */
  fail: rule(LAUNCHING_STATES, 'failed'),
  /** The hub shut down during the launch: its container is left for the next start's reconciler. */
  cut: rule(LAUNCHING_STATES, 'failed'),
  /** The reconciler found a launch that no launch in this hub is working on (a hub died halfway). */
  abandon: rule(LAUNCHING_STATES, 'failed'),
  /** Someone asked for a stop: a launch coming up is cancelled, the container goes next. */
  askStop: rule(LIVE_STATES, 'stopping'),
  /** Its container could not be removed because its machine does not answer: it stays stopping, holding its room. */
  defer: rule(['running', 'unknown', 'stopping'], 'stopping'),
  /** The container is gone (stopped and removed, or found vanished): the sandbox has ended. */
  end: rule(['running', 'unknown', 'stopping'], 'stopped'),
  /** Its machine stopped answering: the route goes, the room is kept. */
  lose: rule(['running'], 'unknown'),
  /** Its machine answers again and the container still runs: the route comes back. */
  regain: rule(['unknown'], 'running'),
  /** The reconciler found its container running (after a restart, or on another port): the route is set again. */
  adopt: rule(['running'], 'running'),
} as const satisfies Record<string, TransitionRule>;

export type TransitionName = keyof typeof TRANSITIONS;

/** The state `transition` leads to from `state`, or null when the table does not allow it. */
export function nextState(state: SandboxState, transition: TransitionName): SandboxState | null {
  const rule: TransitionRule = TRANSITIONS[transition];
  return rule.from.includes(state) ? rule.to : null;
}
