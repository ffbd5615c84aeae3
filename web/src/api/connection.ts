/**
 * Whether the hub answers. The API client marks it on every call; the banner reads it and probes
 * the hub until it answers again, so every page shows one consistent "reconnecting" state.
 */
import { useSyncExternalStore } from 'react';

type Listener = () => void;

let reachable = true;
const listeners = new Set<Listener>();

function set(value: boolean): void {
  if (value === reachable) return;
  reachable = value;
  for (const listener of listeners) listener();
}

export const connection = {
  isReachable: (): boolean => reachable,
  markReachable: (): void => set(true),
  markUnreachable: (): void => set(false),
  subscribe(listener: Listener): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
};

export function useHubReachable(): boolean {
  return useSyncExternalStore(connection.subscribe, connection.isReachable);
}
