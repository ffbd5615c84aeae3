/** What the hub answers the CLI, for the CLI's unit tests: a sandbox of alice's as GET /api/sandboxes lists it. */
import type { Sandbox } from '../../src/contract/api.js';

export const mockSandbox = (over: Partial<Sandbox> = {}): Sandbox => ({
  id: 'sbx1',
  name: 'main',
  user: 'alice',
  state: 'running',
  reason: null,
  image: 'tiny',
  machine: 'local',
  cpus: 1,
  cpuRequest: 0.25,
  memoryGiB: 4,
  gpus: [],
  url: 'http://main--alice.localhost:8000/user/alice/main/',
  createdAt: '2026-01-01T00:00:00.000Z',
  startedAt: null,
  stoppedAt: null,
  lastActivityAt: null,
  memoryUsedBytes: null,
  idleStop: null,
  logTail: null,
  ...over,
});
