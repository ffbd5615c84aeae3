/** The ids with an action on the way (a stop, a relaunch, a share): their buttons wait until it settles. */
import { useCallback, useState } from 'react';

/** `work` settles without rejecting (its failure is shown elsewhere). */
export function useBusy(): [ReadonlySet<string>, (id: string, work: Promise<unknown>) => void] {
  const [busy, setBusy] = useState<ReadonlySet<string>>(new Set());
  const withBusy = useCallback((id: string, work: Promise<unknown>) => {
    setBusy((previous) => new Set(previous).add(id));
    void work.finally(() =>
      setBusy((previous) => {
        const next = new Set(previous);
        next.delete(id);
        return next;
      }),
    );
  }, []);
  return [busy, withBusy];
}
