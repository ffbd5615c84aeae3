/**
 * Why a launch failed, in words a user can act on. The engine's own words (and a library's)
 * go to the hub's log only: they can name hosts, paths and internals, and they change between
 * engine versions (DESIGN.md, security model: no engine or stack text reaches a user).
 */
import { RuntimeError } from '../runtime/types.js';
import { DatasetConflict } from './datasets.js';
import { HomeError } from './homes.js';
import { NotReadyError } from './readiness.js';

/** What the reason may name: the image reference and the machine, both from the hub's own records. */
export interface FailureSubject {
  imageRef: string;
  machine: string;
}

/**
 * The reason stored on a failed sandbox and shown in its events, one sentence. Only messages
 * the hub wrote itself are quoted: readiness timeouts, dataset conflicts, homes that could not
 * be made and RuntimeErrors marked `plain`.
 */
export function failureReason(err: unknown, subject: FailureSubject): string {
  if (err instanceof NotReadyError) return `The sandbox's server did not come up: ${err.message}.`;
  if (err instanceof DatasetConflict) return err.message;
  if (err instanceof HomeError) return `Your home could not be made ready: ${err.message}`;
  if (err instanceof RuntimeError) {
    if (err.plain) return `The container engine refused: ${err.message}.`;
    switch (err.kind) {
      case 'image_not_found':
        return `The image ${subject.imageRef} could not be found on ${subject.machine} nor pulled from its registry.`;
      case 'unavailable':
        return `The container engine of ${subject.machine} does not answer; try again later or on another machine.`;
      default:
        return `The container engine of ${subject.machine} refused to run the sandbox; the hub's log has the details.`;
    }
  }
  return "The launch failed; the hub's log has the details.";
}
