/**
 * A test hub with one running notebook sandbox: alice's `lab`, on the notebook image, with room
 * for Jupyter (1 CPU, 1 GiB) and a minute to start it. What the notebook tests share before
 * they look at Jupyter through the hub.
 */
import { expect } from 'vitest';
import { startTestHub, type TestHub } from './hub.js';
import { waitForState } from './wait.js';

/** A sandbox as the API answers it, with what the notebook tests read. */
export interface NotebookSandbox {
  id: string;
  name: string;
  state: string;
  /** Where the browser opens it, ending in '/'. */
  url: string;
  reason: string | null;
}

/** The hub, alice's bearer token, and her sandbox once it runs. */
export interface NotebookHub {
  t: TestHub;
  alice: string;
  sandbox: NotebookSandbox;
}

/**
 * Starts a test hub, adds alice (password `alice-password-123`, as TestHub.user makes it),
 * launches her `lab` on the `notebook` image and waits until it runs. The launch must be
 * accepted (202); a sandbox that fails or stops instead fails with its reason. Close with `t.close()`.
 */
export async function startNotebookHub(): Promise<NotebookHub> {
  const t = await startTestHub({ config: { sandboxes: { defaults: { cpus: 1, memoryGiB: 1 }, readinessTimeoutSeconds: 60, stopTimeoutSeconds: 2 } } });
  const alice = await t.user('alice');
  const launched = await t.api<NotebookSandbox>(alice, 'POST', '/api/sandboxes', { name: 'lab', image: 'notebook' });
  expect(launched.status).toBe(202);
  const sandbox = await waitForState<NotebookSandbox>(t, alice, launched.body.id, 'running');
  return { t, alice, sandbox };
}
