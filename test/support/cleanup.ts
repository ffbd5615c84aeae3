/**
 * A test hub leaves its sandboxes running when it closes, as a real hub does (the next start
 * adopts them). Tests throw their data directory away, so nothing would ever adopt them:
 * remove every container of the hub's deployment instead.
 */
import type { Hub } from '../../src/hub.js';
import { LABELS } from '../../src/runtime/types.js';

export async function removeDeploymentContainers(hub: Hub): Promise<void> {
  for (const machine of hub.machines.list()) {
    const containers = await machine.runtime.list({ [LABELS.deployment]: hub.deploymentId }).catch(() => []);
    await Promise.all(containers.map((c) => machine.runtime.remove(c.id).catch(() => undefined)));
  }
}
