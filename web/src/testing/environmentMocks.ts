/** Saved environments for the dashboard's tests: alice's own, one carol shares, and a save of alice's main under way. */
import type { Environment, Image, SandboxEvent, SaveStarted } from '../api/types';
import { MOCK_NOW, MockSandboxRunning } from './mocks';

const GiB = 1024 ** 3;
const days = (n: number) => new Date(MOCK_NOW - n * 86_400_000).toISOString();

export const MockEnvironment: Environment = {
  id: 'env_1',
  name: 'torch',
  owner: 'alice',
  image: 'alice/torch',
  description: 'PyTorch with my packages',
  baseImage: 'notebook',
  sizeBytes: 4.2 * GiB,
  layers: 14,
  shared: false,
  createdAt: days(2),
};

export const MockSharedEnvironment: Environment = {
  id: 'env_2',
  name: 'jax',
  owner: 'carol',
  image: 'carol/jax',
  description: 'JAX on CUDA 12',
  baseImage: 'notebook',
  sizeBytes: 7.5 * GiB,
  layers: 9,
  shared: true,
  createdAt: days(9),
};

export const MockEnvironments: Environment[] = [MockEnvironment, MockSharedEnvironment];

/** The environments as GET /api/images lists them, after the catalogue. */
export const MockEnvironmentImages: Image[] = MockEnvironments.map((e) => ({
  name: e.image,
  image: `registry.example.com/shiva/envs/${e.image}@sha256:${'0'.repeat(64)}`,
  description: e.description,
  default: false,
  sudo: false,
  source: 'environment',
  sizeBytes: e.sizeBytes,
  environment: e,
}));

/** A save of alice's main as torch, started at MOCK_NOW. */
export const MockSaveStarted: SaveStarted = { sandboxId: MockSandboxRunning.id, name: 'torch', repository: 'shiva/envs/alice/torch', tag: '20260302T100000Z' };

const saveEvent = (id: number, seconds: number, code: string, params: Record<string, string | number>, message: string): SandboxEvent => ({
  id,
  sandboxId: MockSandboxRunning.id,
  at: new Date(MOCK_NOW + seconds * 1000).toISOString(),
  state: 'running',
  message,
  percent: typeof params.percent === 'number' ? params.percent : null,
  code,
  params,
});

export const MockSaveEventsPushing: SandboxEvent[] = [
  saveEvent(20, 0.2, 'save_started', { name: 'torch', paused: 0 }, 'Saving the environment torch'),
  saveEvent(21, 30, 'save_progress', { name: 'torch', percent: 12 }, "Pushing torch to the team's registry: 12%"),
  saveEvent(22, 40, 'save_progress', { name: 'torch', percent: 64 }, "Pushing torch to the team's registry: 64%"),
];

export const MockSaveEventsSaved: SandboxEvent[] = [
  ...MockSaveEventsPushing,
  saveEvent(23, 52, 'saved', { name: 'torch', sizeGiB: 4.2, seconds: 51.8 }, 'Saved torch: 4.2 GiB in 51.8 s'),
];

export const MockSaveEventsFailed: SandboxEvent[] = [
  MockSaveEventsPushing[0]!,
  saveEvent(23, 3, 'save_failed', { name: 'torch', reason: "the team's registry refused: 401 Unauthorized" }, "Saving torch failed: the team's registry refused: 401 Unauthorized"),
];
