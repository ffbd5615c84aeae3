/**
 * A sandbox's server-sent events as they happen (history first, then live): a launch until it
 * runs, fails or stops (useSandboxEvents), or one save until it ends (saveEvents.ts). EventSource
 * reconnects by itself with Last-Event-ID, so a dropped connection resumes without repeating or
 * losing events.
 */
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { invalidateSandboxes } from './queries/sandboxes';
import { isOutcome, SANDBOX_STATES } from '../../../src/contract/sandbox-states';
import type { SandboxEvent } from './types';


export interface SandboxEventsState {
  events: SandboxEvent[];
  /** The stream ended with a final event. */
  finished: boolean;
  /** The browser gave up on the stream (not found, signed out). */
  lost: boolean;
}

function isSandboxEvent(value: unknown): value is SandboxEvent {
  return typeof value === 'object' && value !== null && 'state' in value && 'sandboxId' in value && 'id' in value;
}

/** What one stream follows. */
export interface Following {
  /** Whether the stream ends with this event (any event of the sandbox). */
  ends(event: SandboxEvent): boolean;
  /** Whether this event is one of those followed; others are passed over. */
  keep(event: SandboxEvent): boolean;
  /** Each event kept, as it comes, with the one kept before it in this stream. */
  onEvent?(event: SandboxEvent, previous: SandboxEvent | undefined): void;
}

const EMPTY: SandboxEventsState = { events: [], finished: false, lost: false };

/**
 * Follows the events at `url`; `null` follows nothing. A new `key` starts again (two saves of one
 * sandbox read the same url); `following` is read as it is when each event comes.
 */
export function useEventStream(url: string | null, key: string | null, following: Following): SandboxEventsState {
  const [state, setState] = useState<SandboxEventsState>(EMPTY);
  const latest = useRef(following);
  useEffect(() => {
    latest.current = following;
  });

  useEffect(() => {
    setState(EMPTY);
    if (!url) return undefined;
    const source = new EventSource(url);
    let previous: SandboxEvent | undefined;
    const onEvent = (message: MessageEvent<string>) => {
      let event: unknown;
      try {
        event = JSON.parse(message.data);
      } catch {
        return;
      }
      if (!isSandboxEvent(event)) return;
      const done = latest.current.ends(event);
      if (done) source.close();
      const kept = latest.current.keep(event);
      setState((before) =>
        (kept && before.events.some((e) => e.id === event.id)) || (!kept && !done)
          ? before
          : { events: kept ? [...before.events, event] : before.events, finished: before.finished || done, lost: false },
      );
      if (!kept) return;
      latest.current.onEvent?.(event, previous);
      previous = event;
    };
    for (const name of SANDBOX_STATES) source.addEventListener(name, onEvent);
    source.onerror = () => {
      if (source.readyState === EventSource.CLOSED) setState((before) => (before.finished ? before : { ...before, lost: true }));
    };
    return () => source.close();
  }, [url, key]);

  return state;
}

/** Follows the events of one sandbox until it runs, fails or stops; `null` follows nothing. */
export function useSandboxEvents(sandboxId: string | null): SandboxEventsState {
  const queryClient = useQueryClient();
  return useEventStream(sandboxId && `/api/sandboxes/${encodeURIComponent(sandboxId)}/events`, sandboxId, {
    ends: (event) => isOutcome(event.state),
    keep: () => true,
    // A new state changes what the lists show (state, machine, room); a new pull percentage does not.
    onEvent: (event, previous) => {
      if (event.state !== previous?.state) void invalidateSandboxes(queryClient);
    },
  });
}
