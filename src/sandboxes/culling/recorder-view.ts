/**
 * A stand-in ActivityView built from what the hub already knows: the proxy's ActivityRecorder
 * (traffic seen by this process) and the last activity stored with the sandbox (what earlier
 * processes flushed), so that the culler works before the full activity sources are wired in.
 * Everything it sees is reported as 'http' except a Keep it running press it was told of.
 */
import type { ActivityRecorder } from '../activity.js';
import type { ActivityView, LastActivity } from './types.js';

export function recorderActivityView(recorder: Pick<ActivityRecorder, 'last'>, stored: (id: string) => Promise<string | null>): ActivityView {
  return {
    async lastActivity(sandbox) {
      const times = [recorder.last(sandbox.id), await stored(sandbox.id).catch(() => null)].filter((t): t is string => t !== null).map(Date.parse);
      if (times.length === 0) return null;
      return { at: Math.max(...times), kind: 'http' } satisfies LastActivity;
    },
  };
}
