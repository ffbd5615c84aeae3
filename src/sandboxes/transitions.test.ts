import { describe, expect, it } from 'vitest';
import { LAUNCHING_STATES, LIVE_STATES, SANDBOX_STATES, TERMINAL_STATES } from '../contract/sandbox-states.js';
import { nextState, TRANSITIONS, type TransitionName } from './transitions.js';

const names = Object.keys(TRANSITIONS) as TransitionName[];

describe('the state machine of a sandbox', () => {
  it('never moves an ended sandbox again', () => {
    for (const state of TERMINAL_STATES) for (const t of names) expect(nextState(state, t), `${t} from ${state}`).toBeNull();
  });

  it('ends a sandbox only through stopped or failed, and only those transitions drop its route and room', () => {
    for (const t of names) expect(TRANSITIONS[t].ends, t).toBe(TERMINAL_STATES.includes(TRANSITIONS[t].to));
  });

  it('walks a launch forward one step at a time: no step goes back, none skips the wait for the server', () => {
    const order = LAUNCHING_STATES;
    for (const t of ['pull', 'create', 'start', 'wait'] as const) {
      const { from, to } = TRANSITIONS[t];
      for (const f of from) expect(order.indexOf(to), `${t}: ${f} → ${to}`).toBeGreaterThan(order.indexOf(f));
    }
    expect(TRANSITIONS.ready.from).toEqual(['waiting']);
  });

  it('lets a stop be asked from every live state, and a launch fail only while it is launching', () => {
    for (const state of LIVE_STATES) expect(nextState(state, 'askStop'), state).toBe('stopping');
    for (const state of SANDBOX_STATES) {
      expect(nextState(state, 'fail') !== null, state).toBe(LAUNCHING_STATES.includes(state));
      expect(nextState(state, 'abandon') !== null, state).toBe(LAUNCHING_STATES.includes(state));
    }
  });

  it('never announces running except from a ready server, a machine back, or an adopted container', () => {
    const toRunning = names.filter((t) => TRANSITIONS[t].to === 'running').sort();
    expect(toRunning).toEqual(['adopt', 'ready', 'regain']);
    // A stopping sandbox can only go on to stopped: nothing brings it back.
    expect(names.filter((t) => nextState('stopping', t) !== null).map((t) => TRANSITIONS[t].to).sort()).toEqual(['stopped', 'stopping', 'stopping']);
  });

  it('lists every state once, and every live state is a launching one, running, unknown or stopping', () => {
    expect(new Set(SANDBOX_STATES).size).toBe(SANDBOX_STATES.length);
    expect([...LIVE_STATES, ...TERMINAL_STATES].sort()).toEqual([...SANDBOX_STATES].sort());
  });
});
