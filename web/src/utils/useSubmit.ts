/**
 * A dialog's submission to the hub: `pending` while it runs (the submit button is disabled), and
 * what it threw, kept for the dialog to show through errorMessage (matched by code). A new run
 * clears the last error first; `reset` clears it when the dialog opens again or closes.
 */
import { useCallback, useState } from 'react';

export interface Submission {
  /** True while an action runs. */
  pending: boolean;
  /** What the last action threw (an ApiError from the hub, usually); null when none. */
  error: unknown;
  /** Runs `action`, keeping what it throws in `error`; never rejects. */
  run(action: () => Promise<void>): Promise<void>;
  /** Forgets the last error. */
  reset(): void;
}

export function useSubmit(): Submission {
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const run = useCallback(async (action: () => Promise<void>) => {
    setPending(true);
    setError(null);
    try {
      await action();
    } catch (err) {
      setError(err);
    } finally {
      setPending(false);
    }
  }, []);
  const reset = useCallback(() => setError(null), []);
  return { pending, error, run, reset };
}
