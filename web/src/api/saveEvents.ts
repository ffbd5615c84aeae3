/**
 * One save as it happens: the events of the sandbox that tell of the save the hub started
 * (src/contract/environments.ts), followed with `follow=true` (a running sandbox's plain stream
 * ends at once) until the save is saved or failed, or the sandbox ends first.
 */
import { useQueryClient } from '@tanstack/react-query';
import { isEventOfSave, saveOutcome } from '../../../src/contract/environments';
import { isTerminal } from '../../../src/contract/sandbox-states';
import { invalidateEnvironments } from './queries/environments';
import { useEventStream, type SandboxEventsState } from './sandboxEvents';
import type { SaveStarted } from './types';

/** Follows the save `started` tells of; `null` follows nothing. `events` are that save's only. */
export function useSaveEvents(started: SaveStarted | null): SandboxEventsState {
  const queryClient = useQueryClient();
  const url = started && `/api/sandboxes/${encodeURIComponent(started.sandboxId)}/events?follow=true`;
  const ours = (event: Parameters<typeof isEventOfSave>[0]) => started !== null && isEventOfSave(event, started);
  return useEventStream(url, started && `${started.sandboxId}/${started.name}:${started.tag}`, {
    ends: (event) => (ours(event) && saveOutcome(event) !== null) || isTerminal(event.state),
    keep: ours,
    onEvent: (event) => {
      // The list of my environments and the launch form's images now have it.
      if (saveOutcome(event) === 'saved') void invalidateEnvironments(queryClient);
    },
  });
}
