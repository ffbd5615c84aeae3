/**
 * Shared fixtures for the dashboard's tests, screenshots and benchmark: one small team with
 * its machines, sandboxes and tokens, all at times relative to MOCK_NOW.
 */
import type {
  AuditEntryView,
  CreatedToken,
  Dataset,
  EventDetail,
  HomesStorage,
  Image,
  ImagePull,
  Machine,
  MachineHistoryPage,
  MachineSample,
  Me,
  RecentEvent,
  Sandbox,
  SandboxEvent,
  SshGatewayInfo,
  SshKey,
  Token,
  User,
} from '../api/types';

export const MOCK_NOW = Date.parse('2026-03-02T10:00:00.000Z');
const GiB = 1024 ** 3;
const ago = (ms: number) => new Date(MOCK_NOW - ms).toISOString();
const minutes = (n: number) => n * 60_000;
const hours = (n: number) => n * 3_600_000;

const noHome = { homeBytes: null, quotaBytes: null, measuredAt: null };
export const MockUser: User = {
  id: 2,
  username: 'alice',
  email: 'alice@example.com',
  admin: false,
  disabled: false,
  createdAt: ago(hours(24 * 30)),
  uid: 20001,
  gid: 20001,
  homeBytes: 3 * GiB,
  quotaBytes: 10 * GiB,
  measuredAt: ago(minutes(4)),
};
export const MockAdminUser: User = { id: 1, username: 'admin', email: null, admin: true, disabled: false, createdAt: ago(hours(24 * 60)), uid: 20000, gid: 20000, ...noHome };
export const MockDisabledUser: User = { id: 3, username: 'bob', email: null, admin: false, disabled: true, createdAt: ago(hours(24 * 10)), uid: 20002, gid: 20002, ...noHome };
export const MockUsers: User[] = [MockAdminUser, MockUser, MockDisabledUser];

export const MockLimits: Me['limits'] = {
  defaults: { cpus: 2, cpuRequestFraction: 0.25, memoryGiB: 8 },
  max: { cpus: 16, memoryGiB: 64, gpus: 2, sandboxes: 3 },
};
export const MockMe: Me = { user: MockUser, limits: MockLimits };
export const MockAdminMe: Me = { user: MockAdminUser, limits: MockLimits };

export const MockImages: Image[] = [
  { name: 'notebook', image: 'shiva/notebook:latest', description: 'Jupyter with Python 3 and the scientific stack', default: true, sudo: false, source: 'config', sizeBytes: null },
  { name: 'pytorch', image: 'shiva/pytorch:2.6', description: 'PyTorch 2.6 with CUDA 12', default: false, sudo: true, source: 'registry', sizeBytes: 6_400_000_000 },
];

const mockPull = (over: Partial<ImagePull>): ImagePull => ({
  id: 'pull-1',
  image: 'pytorch',
  ref: 'registry.example:5000/shiva/pytorch@sha256:9f2c',
  machine: 'gpu-1',
  state: 'queued',
  bytesDone: null,
  bytesTotal: null,
  percent: null,
  reason: null,
  trigger: 'admin',
  by: 'admin',
  queuedAt: ago(minutes(3)),
  startedAt: null,
  endedAt: null,
  ...over,
});

/** An admin's pull of pytorch to three machines under way, one of which failed; notebook pre-pulled to one earlier. */
export const MockImagePulls: ImagePull[] = [
  mockPull({ id: 'pull-1', image: 'notebook', ref: 'shiva/notebook:latest', machine: 'gpu-2', state: 'done', trigger: 'prePull', by: 'hub:images', queuedAt: ago(hours(2)), startedAt: ago(hours(2)), endedAt: ago(hours(2) - 40_000), percent: 100, bytesDone: 1_650_000_000, bytesTotal: 1_650_000_000 }),
  mockPull({ id: 'pull-2', machine: 'gpu-1', state: 'pulling', startedAt: ago(minutes(3)), percent: 40, bytesDone: 2_560_000_000, bytesTotal: 6_400_000_000 }),
  mockPull({ id: 'pull-3', machine: 'gpu-2', state: 'queued' }),
  mockPull({
    id: 'pull-4',
    machine: 'cpu-1',
    state: 'failed',
    startedAt: ago(minutes(3)),
    endedAt: ago(minutes(2)),
    reason: 'the image registry.example:5000/shiva/pytorch@sha256:9f2c could not be pulled: write /var/lib/docker/tmp/x: no space left on device',
  }),
];

export const MockDatasets: Dataset[] = [
  { name: 'imagenet', containerPath: '/datasets/imagenet', readOnly: true, description: 'ILSVRC 2012, train and val' },
  { name: 'scratch', containerPath: '/scratch', readOnly: false, description: '' },
];

export const MockSandboxRunning: Sandbox = {
  id: 'sbx_a1',
  name: 'main',
  user: 'alice',
  state: 'running',
  reason: null,
  image: 'notebook',
  machine: 'gpu-1',
  cpus: 4,
  cpuRequest: 1,
  memoryGiB: 16,
  memoryUsedBytes: 5.25 * 1024 ** 3,
  gpus: ['GPU-0b1c'],
  url: 'http://127.0.0.1:8000/user/alice/main/',
  createdAt: ago(hours(3) + minutes(1)),
  startedAt: ago(hours(3)),
  stoppedAt: null,
  lastActivityAt: ago(minutes(4)),
  idleStop: null,
};

export const MockSandboxStarting: Sandbox = {
  ...MockSandboxRunning,
  memoryUsedBytes: null,
  id: 'sbx_a2',
  name: 'exp',
  state: 'pulling',
  gpus: [],
  cpus: 2,
  cpuRequest: 0.5,
  memoryGiB: 8,
  url: 'http://127.0.0.1:8000/user/alice/exp/',
  createdAt: ago(minutes(1)),
  startedAt: null,
  lastActivityAt: null,
};

export const MockSandboxFailed: Sandbox = {
  ...MockSandboxRunning,
  memoryUsedBytes: null,
  id: 'sbx_a3',
  name: 'old',
  state: 'failed',
  reason: 'The container exited with code 1 before answering.',
  gpus: [],
  cpus: 2,
  cpuRequest: 0.5,
  memoryGiB: 8,
  url: 'http://127.0.0.1:8000/user/alice/old/',
  createdAt: ago(hours(30)),
  startedAt: null,
  stoppedAt: ago(hours(30)),
  lastActivityAt: null,
};

export const MockSandboxStopped: Sandbox = {
  ...MockSandboxRunning,
  memoryUsedBytes: null,
  id: 'sbx_a4',
  name: 'train',
  state: 'stopped',
  reason: 'stopped by its owner',
  gpus: [],
  url: 'http://127.0.0.1:8000/user/alice/train/',
  createdAt: ago(hours(50)),
  startedAt: ago(hours(50)),
  stoppedAt: ago(hours(26)),
  lastActivityAt: ago(hours(27)),
};

/** A running sandbox the hub has warned of: idle, stopping in 8 minutes. */
export const MockSandboxIdle: Sandbox = {
  ...MockSandboxRunning,
  id: 'sbx_a5',
  name: 'idle',
  gpus: [],
  url: 'http://127.0.0.1:8000/user/alice/idle/',
  lastActivityAt: ago(minutes(52)),
  idleStop: { at: ago(-minutes(8)), reason: 'idle' },
};

/** A running sandbox one of whose kernels the kernel killed for memory; Jupyter restarted it. */
export const MockSandboxKernelKilled: Sandbox = {
  ...MockSandboxRunning,
  id: 'sbx_a6',
  name: 'notes',
  memoryGiB: 4,
  oomKills: { count: 1, lastAt: ago(minutes(3)) },
};

/** A sandbox whose server outgrew its memory limit: the hub ended it, keeping its last log lines. */
export const MockSandboxOutOfMemory: Sandbox = {
  ...MockSandboxStopped,
  id: 'sbx_a7',
  name: 'big',
  memoryGiB: 4,
  reason: 'out of memory: the sandbox used its 4 GiB limit',
  logTail: '[I 12:00:01 ServerApp] Kernel started\nKilled',
};

export const MockSandboxes: Sandbox[] = [MockSandboxRunning, MockSandboxStarting, MockSandboxFailed, MockSandboxStopped];

export const MockOthersSandbox: Sandbox = {
  ...MockSandboxRunning,
  id: 'sbx_b1',
  user: 'carol',
  name: 'thesis',
  machine: 'gpu-2',
  url: 'http://127.0.0.1:8000/user/carol/thesis/',
};

type MockGpu = Machine['gpus'][number];
type MockHolder = MockGpu['holders'][number];

const gpu = (index: number, holders: MockHolder[], utilizationPercent: number): MockGpu => ({
  index,
  uuid: `GPU-${index}-0b1c`,
  name: 'NVIDIA A100 80GB PCIe',
  memoryTotalBytes: 80 * GiB,
  memoryUsedBytes: holders.length > 0 ? 31.5 * GiB : 0.4 * GiB,
  utilizationPercent,
  temperatureC: holders.length > 0 ? 64 : 33,
  powerDrawW: holders.length > 0 ? 251.3 : 41.2,
  holders,
});

const HISTORY_STEP_MS = 15_000;

/**
 * `points` samples 15 s apart ending `endAgo` before MOCK_NOW, waving around the latest figures
 * so that the last sample is exactly `latest` (as the hub's newest sample matches its usage).
 */
export function mockHistory(points: number, endAgo: number, latest: { cpuPercent: number; memoryUsedBytes: number; gpuUtilizationPercent: number | null; gpuMemoryUsedBytes: number | null }): MachineSample[] {
  return Array.from({ length: points }, (_, i) => {
    const back = points - 1 - i;
    const wave = Math.sin(back / 9) * Math.min(1, back / 4);
    const scaled = (value: number | null, swing: number, max: number) =>
      value === null ? null : Math.min(max, Math.max(0, value * (1 + swing * wave)));
    return {
      at: ago(endAgo + back * HISTORY_STEP_MS),
      cpuPercent: scaled(latest.cpuPercent, 0.6, 100),
      memoryUsedBytes: scaled(latest.memoryUsedBytes, 0.15, Number.MAX_SAFE_INTEGER),
      gpuUtilizationPercent: scaled(latest.gpuUtilizationPercent, 0.5, 100),
      gpuMemoryUsedBytes: scaled(latest.gpuMemoryUsedBytes, 0.1, Number.MAX_SAFE_INTEGER),
    };
  });
}

const aliceMain: MockHolder = { sandboxId: 'sbx_a1', user: 'alice', name: 'main' };

/** A GPU machine with 2 CPUs and 8 GiB kept for the system; one GPU held, one free. */
export const MockMachine: Machine = {
  name: 'gpu-1',
  status: 'up',
  lastSeenAt: ago(5_000),
  error: null,
  engine: { version: '26.1.5', os: 'Debian GNU/Linux 12 (bookworm)' },
  cpus: 32,
  memoryBytes: 256 * GiB,
  capacity: { cpus: 30, memoryBytes: 248 * GiB, gpus: 2 },
  allocated: { cpus: 6, memoryBytes: 24 * GiB, gpus: 1 },
  free: { cpus: 24, memoryBytes: 224 * GiB, gpus: 1 },
  gpuMode: 'deviceRequests',
  usageError: null,
  gpuError: null,
  homes: null,
  usage: {
    cpuPercent: 37,
    memoryUsedBytes: 61.2 * GiB,
    diskUsedBytes: 1.1 * 1024 * GiB,
    diskTotalBytes: 1.8 * 1024 * GiB,
    networkReceiveBytesPerSecond: 12.6 * 1024 ** 2,
    networkTransmitBytesPerSecond: 310 * 1024,
    temperaturesC: [
      { sensor: 'Package id 0', celsius: 58 },
      { sensor: 'Package id 1', celsius: 71 },
      { sensor: 'nvme0', celsius: 44 },
    ],
    source: 'host',
    at: ago(5_000),
  },
  gpus: [gpu(0, [aliceMain], 87), gpu(1, [], 0)],
  gpusAt: ago(5_000),
  // It has the notebook image (built 12 days ago), not the pytorch one.
  images: { at: ago(20_000), images: [{ name: 'notebook', createdAt: ago(hours(24 * 12)), sizeBytes: 1_650_000_000 }] },
  sandboxes: [
    { id: 'sbx_a1', user: 'alice', name: 'main', state: 'running', cpus: 4, cpuRequest: 4, memoryGiB: 16, gpus: ['GPU-0-0b1c'], since: ago(hours(3)), cpuPercent: 312.4, memoryUsedBytes: 9.3 * GiB },
    { id: 'sbx_c1', user: 'carol', name: 'eval', state: 'running', cpus: 2, cpuRequest: 2, memoryGiB: 8, gpus: [], since: ago(minutes(25)), cpuPercent: null, memoryUsedBytes: null },
  ],
};

/** A machine the hub cannot measure: its bars show what sandboxes were given. */
export const MockMachineAllocationOnly: Machine = {
  ...MockMachine,
  name: 'cpu-1',
  cpus: 16,
  memoryBytes: 64 * GiB,
  capacity: { cpus: 16, memoryBytes: 64 * GiB, gpus: 0 },
  allocated: { cpus: 14, memoryBytes: 40 * GiB, gpus: 0 },
  free: { cpus: 2, memoryBytes: 24 * GiB, gpus: 0 },
  gpuMode: null,
  usageError: null,
  gpuError: null,
  homes: null,
  usage: null,
  gpus: [],
  gpusAt: null,
  sandboxes: [
    { id: 'sbx_d1', user: 'dave', name: 'etl', state: 'running', cpus: 8, cpuRequest: 8, memoryGiB: 24, gpus: [], since: ago(hours(7)), cpuPercent: null, memoryUsedBytes: null },
    { id: 'sbx_e1', user: 'erin', name: 'main', state: 'running', cpus: 6, cpuRequest: 6, memoryGiB: 16, gpus: [], since: ago(hours(2)), cpuPercent: null, memoryUsedBytes: null },
  ],
};

/** A machine that stopped answering 12 minutes ago; its one sandbox's state is unknown until it answers. */
export const MockMachineDown: Machine = {
  ...MockMachine,
  name: 'gpu-2',
  status: 'down',
  lastSeenAt: ago(minutes(12)),
  error: 'connect ECONNREFUSED 10.0.0.12:2376',
  engine: null,
  capacity: { cpus: 30, memoryBytes: 248 * GiB, gpus: 0 },
  allocated: { cpus: 2, memoryBytes: 8 * GiB, gpus: 0 },
  free: { cpus: 0, memoryBytes: 0, gpus: 0 },
  usage: null,
  gpus: [],
  gpusAt: null,
  sandboxes: [
    { id: 'sbx_f1', user: 'frank', name: 'sweep', state: 'unknown', cpus: 2, cpuRequest: 2, memoryGiB: 8, gpus: [], since: ago(hours(5)), cpuPercent: null, memoryUsedBytes: null },
  ],
};

/** A machine that shares its GPU: two sandboxes hold GPU 0 at once. Not in MockMachines. */
export const MockMachineSharedGpu: Machine = {
  ...MockMachine,
  name: 'gpu-3',
  capacity: { cpus: 30, memoryBytes: 248 * GiB, gpus: 1 },
  allocated: { cpus: 6, memoryBytes: 24 * GiB, gpus: 1 },
  free: { cpus: 24, memoryBytes: 224 * GiB, gpus: 1 },
  gpuMode: 'devices',
  usageError: null,
  gpuError: null,
  homes: null,
  gpus: [gpu(0, [aliceMain, { sandboxId: 'sbx_c1', user: 'carol', name: 'eval' }], 95)],
  sandboxes: MockMachine.sandboxes.map((s) => ({ ...s, gpus: ['GPU-0-0b1c'] })),
};

export const MockMachines: Machine[] = [MockMachine, MockMachineAllocationOnly, MockMachineDown];

/** The hub's window: an hour of samples, one every 15 s. */
export const MOCK_WINDOW_SAMPLES = 240;

/**
 * GET /api/machines/history's first answer for MockMachines: gpu-1's whole hour, whose last sample
 * matches its usage; gpu-2's 48 minutes until it stopped answering 12 minutes ago; and cpu-1,
 * which the hub cannot measure, with none.
 */
export const MockHistoryPage: MachineHistoryPage = {
  cursor: '0c0ffee0.1000',
  full: true,
  windowSamples: MOCK_WINDOW_SAMPLES,
  machines: [
    { name: MockMachine.name, samples: mockHistory(240, 5_000, { cpuPercent: 37, memoryUsedBytes: 61.2 * GiB, gpuUtilizationPercent: 43.5, gpuMemoryUsedBytes: 31.9 * GiB }) },
    { name: MockMachineAllocationOnly.name, samples: [] },
    { name: MockMachineDown.name, samples: mockHistory(192, minutes(12), { cpuPercent: 12, memoryUsedBytes: 20 * GiB, gpuUtilizationPercent: null, gpuMemoryUsedBytes: null }) },
  ],
};

/** MockHistoryPage as the dashboard keeps it: each machine's samples by its name. */
export const MockHistories: ReadonlyMap<string, readonly MachineSample[]> = new Map(MockHistoryPage.machines.map((m) => [m.name, m.samples]));

/** An event as the hub records it: the English message, and where the hub gives one, its code and values. */
const event = (
  id: number,
  state: SandboxEvent['state'],
  message: string,
  detail: EventDetail | null = null,
  percent: number | null = null,
  sandboxId = MockSandboxRunning.id,
): SandboxEvent => ({
  id,
  sandboxId,
  at: ago(minutes(1) - id * 1_000),
  state,
  message,
  percent,
  code: detail?.code ?? null,
  params: detail?.params ?? null,
});

const queued = (id: number, sandboxId?: string) => event(id, 'queued', 'Queued on gpu-1 with GPU GPU-0-0b1c', { code: 'queued', params: { machine: 'gpu-1', gpus: 'GPU-0-0b1c' } }, null, sandboxId);
const pulling = (id: number, image: string, percent: number | null, sandboxId?: string) =>
  percent === null
    ? event(id, 'pulling', `Pulling ${image}`, { code: 'pulling', params: { image } }, null, sandboxId)
    : event(id, 'pulling', `Pulling ${image}: ${percent}%`, { code: 'pull_progress', params: { image, percent } }, percent, sandboxId);
const creating = (id: number) => event(id, 'creating', 'Creating the container', { code: 'creating', params: {} });
const starting = (id: number) => event(id, 'starting', 'Starting the container', { code: 'starting', params: {} });
const ready = (id: number, sandboxId?: string) => event(id, 'running', 'Ready in 1.4 s', { code: 'ready', params: { seconds: 1.4 } }, null, sandboxId);

export const MockLaunchEventsPulling: SandboxEvent[] = [queued(1), pulling(2, 'shiva/notebook:latest', null), pulling(3, 'shiva/notebook:latest', 12), pulling(4, 'shiva/notebook:latest', 64)];

export const MockLaunchEventsRunning: SandboxEvent[] = [
  queued(1),
  creating(2),
  starting(3),
  event(4, 'waiting', 'Waiting for the server to answer', { code: 'waiting', params: {} }),
  ready(5),
];

export const MockLaunchEventsFailed: SandboxEvent[] = [
  queued(1),
  creating(2),
  starting(3),
  event(
    4,
    'failed',
    "The container exited with code 1 before answering.\n--- last lines of the container's log ---\nTraceback (most recent call last):\n  File \"/opt/start.py\", line 3, in <module>\nModuleNotFoundError: No module named 'jupyter_server'",
  ),
];

export const MockRecentEvents: RecentEvent[] = [
  { ...ready(12, 'sbx_a1'), user: 'alice', name: 'main' },
  { ...event(11, 'failed', 'The container exited with code 1 before answering.', null, null, 'sbx_a3'), user: 'alice', name: 'old' },
  { ...pulling(10, 'shiva/pytorch:2.6', 48, 'sbx_c1'), user: 'carol', name: 'eval' },
  { ...event(9, 'stopped', 'Stopped: stopped by its owner', null, null, 'sbx_a4'), user: 'alice', name: 'train' },
];

export const MockTokens: Token[] = [
  { id: 'tok_1', name: 'laptop', scopes: ['sandboxes:read', 'sandboxes:launch'], createdAt: ago(hours(24 * 12)), expiresAt: new Date(MOCK_NOW + hours(24 * 18)).toISOString(), lastUsedAt: ago(hours(2)), lastUsedFrom: '10.0.4.17' },
  { id: 'tok_2', name: 'ci', scopes: ['sandboxes:read'], createdAt: ago(hours(24 * 40)), expiresAt: null, lastUsedAt: null, lastUsedFrom: null },
];

export const MockCreatedToken: CreatedToken = {
  id: 'tok_3',
  name: 'scripts',
  scopes: ['sandboxes:read'],
  createdAt: new Date(MOCK_NOW).toISOString(),
  expiresAt: new Date(MOCK_NOW + hours(24 * 30)).toISOString(),
  lastUsedAt: null,
  lastUsedFrom: null,
  token: 'shiva_7Hc2pQ9vXkR4mN8sT1wZ5yB3',
};

/** Alice's SSH keys: one used from her laptop two hours ago, one never used. */
export const MockSshKeys: SshKey[] = [
  {
    id: 'key_1a2b3c',
    name: 'alice@laptop',
    algorithm: 'ssh-ed25519',
    fingerprint: 'SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s',
    createdAt: ago(hours(24 * 20)),
    lastUsedAt: ago(hours(2)),
    lastUsedFrom: '10.0.4.17',
  },
  {
    id: 'key_4d5e6f',
    name: 'workstation',
    algorithm: 'ssh-rsa',
    fingerprint: 'SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU',
    createdAt: ago(hours(24 * 3)),
    lastUsedAt: null,
    lastUsedFrom: null,
  },
];
export const MockSshKey: SshKey = MockSshKeys[0]!;

/** A key just added. */
export const MockAddedSshKey: SshKey = {
  id: 'key_7a8b9c',
  name: 'desktop',
  algorithm: 'ssh-ed25519',
  fingerprint: 'SHA256:Rr2xQh6n8Yq1YbH0mJx3c0rW5f1QkQ2vZpU8lTn4sEo',
  createdAt: new Date(MOCK_NOW).toISOString(),
  lastUsedAt: null,
  lastUsedFrom: null,
};

/** The SSH gateway on its default port, with its ed25519 host key. */
export const MockSshGateway: SshGatewayInfo = {
  enabled: true,
  host: 'shiva.example.com',
  port: 2222,
  hostKey: {
    algorithm: 'ssh-ed25519',
    fingerprint: 'SHA256:9vT3GqZ0yJcU1sXb2m4Qe7LkP8nW6aRz5hYdCfE0oIk',
    publicKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHc0bW9ja2hvc3RrZXlmb3J0ZXN0c29ubHkxMjM0NTY3',
  },
  userSeparator: '.',
};

/** A hub whose SSH gateway is turned off. */
export const MockSshGatewayOff: SshGatewayInfo = { enabled: false, host: null, port: null, hostKey: null, userSeparator: '.' };

const audit = (id: number, at: string, entry: Omit<AuditEntryView, 'id' | 'at'>): AuditEntryView => ({ id, at, ...entry });

/** A page of the audit log, newest first: sign-ins (one refused), a launch, a stop, an admin's changes. */
export const MockAuditEntries: AuditEntryView[] = [
  audit(108, ago(minutes(2)), { actor: 'admin', action: 'user.sessions.end', target: 'bob', result: 'ok', address: '10.0.4.2', details: null }),
  audit(107, ago(minutes(9)), { actor: 'alice', action: 'sandbox.launch', target: 'alice/main', result: 'ok', address: '10.0.4.17', details: { image: 'notebook', cpus: 4, memoryGiB: 16, gpus: 1 } }),
  audit(106, ago(minutes(10)), { actor: 'alice', action: 'auth.login', target: null, result: 'ok', address: '10.0.4.17', details: { method: 'password' } }),
  audit(105, ago(minutes(11)), { actor: 'alice', action: 'auth.login', target: null, result: 'refused', address: '10.0.4.17', details: { method: 'password', error: 'INVALID_CREDENTIALS' } }),
  audit(104, ago(hours(2)), { actor: 'carol', action: 'sandbox.stop', target: 'sbx_b1', result: 'failed', address: '10.0.4.33', details: { error: 'INTERNAL' } }),
  audit(103, ago(hours(5)), { actor: 'admin', action: 'user.update', target: 'bob', result: 'ok', address: '10.0.4.2', details: { disabled: true } }),
];

/** The page before MockAuditEntries. */
export const MockAuditEntriesOlder: AuditEntryView[] = [
  audit(102, ago(hours(24)), { actor: 'admin', action: 'user.create', target: 'carol', result: 'ok', address: '10.0.4.2', details: { admin: false } }),
  audit(101, ago(hours(25)), { actor: 'alice', action: 'token.create', target: 'laptop', result: 'ok', address: '10.0.4.17', details: null }),
];

/** The homes filesystem as a user sees it: 1 TiB, 400 GiB free. */
export const MockHomesStorage: HomesStorage = {
  freeBytes: 400 * GiB,
  sizeBytes: 1024 ** 4,
  minFreePercent: 5,
  full: false,
  readAt: ago(10_000),
};

/** The same filesystem, nearly full, as an admin sees it. */
export const MockHomesStorageFullAdmin: HomesStorage = {
  ...MockHomesStorage,
  freeBytes: 20 * GiB,
  full: true,
  root: '/srv/shiva/homes',
  problem: null,
};
