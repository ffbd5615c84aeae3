/**
 * The image pulls an admin follows: the hub's stream of them (each pull as it stands, then each
 * change), kept as the latest state of each pull. EventSource reconnects by itself with
 * Last-Event-ID, which the hub resumes after. A pull that ends well changes what the machines
 * hold, so the machines are fetched again.
 */
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { IMAGE_PULL_STATES } from '../../../src/contract/image-pull-states';
import { machinesKey } from './queries/machines';
import type { ImagePull } from './types';

export interface ImagePullsState {
  /** The latest state of each pull, oldest pull first. */
  pulls: ImagePull[];
  /** The browser gave up on the stream (signed out, no longer an admin). */
  lost: boolean;
}

function isImagePull(value: unknown): value is ImagePull {
  return typeof value === 'object' && value !== null && 'id' in value && 'machine' in value && 'state' in value;
}

/** Follows every image pull while `enabled`. */
export function useImagePulls(enabled = true): ImagePullsState {
  const queryClient = useQueryClient();
  const [state, setState] = useState<{ byId: ReadonlyMap<string, ImagePull>; lost: boolean }>({ byId: new Map(), lost: false });

  useEffect(() => {
    if (!enabled) return undefined;
    const source = new EventSource('/api/images/pulls/events');
    const onEvent = (message: MessageEvent<string>) => {
      let pull: unknown;
      try {
        pull = JSON.parse(message.data);
      } catch {
        return;
      }
      if (!isImagePull(pull)) return;
      setState((previous) => ({ byId: new Map(previous.byId).set(pull.id, pull), lost: false }));
      if (pull.state === 'done') void queryClient.invalidateQueries({ queryKey: machinesKey });
    };
    for (const name of IMAGE_PULL_STATES) source.addEventListener(name, onEvent);
    source.onerror = () => {
      if (source.readyState === EventSource.CLOSED) setState((previous) => ({ ...previous, lost: true }));
    };
    return () => source.close();
  }, [enabled, queryClient]);

  return { pulls: [...state.byId.values()], lost: state.lost };
}
