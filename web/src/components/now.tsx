/**
 * One clock for every "3 minutes ago" on the page: a single timer however many times are shown
 * (the machines page can show hundreds). Tests and screenshots pin it with <NowProvider>.
 */
import { createContext, useContext, useSyncExternalStore, type ReactNode } from 'react';

const TICK_MS = 30_000;

let now = Date.now();
const listeners = new Set<() => void>();
let timer: ReturnType<typeof setInterval> | undefined;

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  if (!timer) {
    now = Date.now();
    timer = setInterval(() => {
      now = Date.now();
      for (const l of listeners) l();
    }, TICK_MS);
  }
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0 && timer) {
      clearInterval(timer);
      timer = undefined;
    }
  };
}

const PinnedNow = createContext<number | null>(null);

export function NowProvider({ now: pinned, children }: { now: number; children: ReactNode }) {
  return <PinnedNow.Provider value={pinned}>{children}</PinnedNow.Provider>;
}

export function useNow(): number {
  const pinned = useContext(PinnedNow);
  const ticking = useSyncExternalStore(subscribe, () => now);
  return pinned ?? ticking;
}
