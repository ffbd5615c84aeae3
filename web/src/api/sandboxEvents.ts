/**
 * A launch as it happens: the sandbox's server-sent events (history first, then live), until it
 * runs, fails or stops. EventSource reconnects by itself with Last-Event-ID, so a dropped
 * connection resumes without repeating or losing events.
 */
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { invalidateSandboxes } from './queries/sandboxes';
import { isOutcome, SANDBOX_STATES, type SandboxState } from '../../../src/contract/sandbox-states';
import type { SandboxEvent } from './types';


export interface SandboxEventsState {
  events: SandboxEvent[];
  /** The stream ended with a final state. */
  finished: boolean;
  /** The browser gave up on the stream (not found, signed out). */
  lost: boolean;
}

function isSandboxEvent(value: unknown): value is SandboxEvent {
  return typeof value === 'object' && value !== null && 'state' in value && 'sandboxId' in value && 'id' in value;
}

/** Follows the events of one sandbox; `null` follows nothing. */
export function useSandboxEvents(sandboxId: string | null): SandboxEventsState {
  const queryClient = useQueryClient();
  const [state, setState] = useState<SandboxEventsState>({ events: [], finished: false, lost: false });

  useEffect(() => {
    setState({ events: [], finished: false, lost: false });
    if (!sandboxId) return undefined;
    const source = new EventSource(`/api/sandboxes/${encodeURIComponent(sandboxId)}/events`);
    let lastState: SandboxState | null = null;
    const onEvent = (message: MessageEvent<string>) => {
      let event: unknown;
      try {
        event = JSON.parse(message.data);
      } catch {
        return;
      }
      if (!isSandboxEvent(event)) return;
      const done = isOutcome(event.state);
      if (done) source.close();
      setState((previous) =>
        previous.events.some((e) => e.id === event.id)
          ? previous
          : { events: [...previous.events, event], finished: previous.finished || done, lost: false },
      );
      // A new state changes what the lists show (state, machine, room); a new pull percentage does not.
      if (event.state !== lastState) void invalidateSandboxes(queryClient);
      lastState = event.state;
    };
    for (const name of SANDBOX_STATES) source.addEventListener(name, onEvent);
    source.onerror = () => {
      if (source.readyState === EventSource.CLOSED) setState((previous) => (previous.finished ? previous : { ...previous, lost: true }));
    };
    return () => source.close();
  }, [sandboxId, queryClient]);

  return state;
}
