/**
 * Keep it running, wherever it is pressed (the API, the dashboard, the notebook page through the
 * proxy): counts as activity of kind 'keep' now and calls off an idle warning; a max_age warning
 * stands (docs/culling.md).
 */
import { ShivaError } from '../../contract/errors.js';
import type { ActivityRecorder } from '../activity.js';
import type { SandboxService } from '../service.js';
import type { Actor } from '../types.js';
import type { Culler } from './culler.js';

export interface KeepDeps {
  sandboxes: Pick<SandboxService, 'visible'>;
  activity: Pick<ActivityRecorder, 'touch'>;
  culler: Pick<Culler, 'keep'>;
}

/**
 * Keeps the sandbox `id` running for `actor` (its owner, or an admin). Throws SANDBOX_NOT_FOUND
 * for a sandbox the actor may not see, SANDBOX_NOT_RUNNING for one that is not running.
 */
export async function keepRunning(deps: KeepDeps, actor: Actor, id: string): Promise<void> {
  const row = await deps.sandboxes.visible(actor, id);
  if (row.state !== 'running') throw new ShivaError('SANDBOX_NOT_RUNNING', `${row.name} is ${row.state}, not running: only a running sandbox can be kept running.`);
  deps.activity.touch(row.id, 'keep');
  await deps.culler.keep(row, actor.username);
}
