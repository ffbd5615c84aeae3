/** The Docker containers of one sandbox, found by the label the hub puts on them. */
import { execFileSync } from 'node:child_process';
import { LABELS } from '../../src/runtime/types.js';

/**
 * The ids of every container (running or not) labelled with `sandboxId`, one a line, as
 * `docker ps -aq` prints them; '' when there is none.
 */
export function containersOf(sandboxId: string): string {
  return execFileSync('docker', ['ps', '-aq', '--filter', `label=${LABELS.sandbox}=${sandboxId}`]).toString().trim();
}
