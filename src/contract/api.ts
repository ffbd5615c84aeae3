/**
 * The API's request and response shapes, as JSON Schemas with their TypeScript types. The server
 * validates with them, /api/openapi.json is generated from them, and the CLI and web use the types.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { NAME_MAX_LENGTH, NAME_PATTERN } from './names.js';
import { MIN_CPUS, MIN_MEMORY_GIB } from './resources.js';
import { IMAGE_PULL_STATES } from './image-pull-states.js';
import { SANDBOX_STATES } from './sandbox-states.js';
import { SCOPES } from './scopes.js';

const ScopeSchema = Type.Union(SCOPES.map((s) => Type.Literal(s)));

export const Name = Type.String({ pattern: NAME_PATTERN, maxLength: NAME_MAX_LENGTH, examples: ['main'] });
const Time = Type.String({ format: 'date-time' });
const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

export const ErrorResponse = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: 'Stable error code; see docs/errors.md' }),
      message: Type.String(),
      details: Type.Optional(Type.Unknown()),
    }),
  },

);

export const SandboxStateSchema = Type.Union(SANDBOX_STATES.map((state) => Type.Literal(state)));

export const LaunchRequest = Type.Object(
  {
    name: Type.Optional(Name),
    image: Type.Optional(Type.String({ maxLength: 128, description: 'A name from GET /api/images (a saved environment: <owner>/<name>)' })),
    // The bounds are checked by resourceProblems, which names the whole range in one message.
    cpus: Type.Optional(Type.Number({ description: `The CPU limit, what the sandbox may burst to: from ${MIN_CPUS} to the limit in GET /api/me` })),
    cpuRequest: Type.Optional(
      Type.Number({ description: `The CPUs guaranteed and reserved: from ${MIN_CPUS} to cpus; default cpus × cpuRequestFraction in GET /api/me` }),
    ),
    memoryGiB: Type.Optional(Type.Number({ description: `From ${MIN_MEMORY_GIB} to the limit in GET /api/me` })),
    gpus: Type.Optional(Type.Integer({ description: 'From 0 to the limit in GET /api/me' })),
    machine: Type.Optional(Name),
  },
  { additionalProperties: false },
);
export type LaunchRequest = Static<typeof LaunchRequest>;

/** A stop the hub has announced (the idle warning): when, and why (idle, gpu_idle or max_age). */
export const IdleStop = Type.Object(
  {
    at: Time,
    reason: Type.Union([Type.Literal('idle'), Type.Literal('gpu_idle'), Type.Literal('max_age')]),
  },
  { additionalProperties: false },
);
export type IdleStop = Static<typeof IdleStop>;

export const Sandbox = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    user: Type.String(),
    state: SandboxStateSchema,
    reason: Nullable(Type.String({ description: 'Why it failed or stopped, in words a user understands' })),
    image: Type.String(),
    machine: Type.String(),
    cpus: Type.Number({ description: 'The CPU limit: what the sandbox may burst to' }),
    cpuRequest: Type.Number({ description: 'The CPUs it is guaranteed under contention, and what the scheduler holds for it' }),
    memoryGiB: Type.Number({ description: 'The memory limit' }),
    memoryUsedBytes: Nullable(
      Type.Number({ description: "Memory in use at the hub's last health check, from the engine's stats; null when it does not run or before its first reading" }),
    ),
    gpus: Type.Array(Type.String()),
    url: Type.String({ description: 'Where the sandbox is served through the hub' }),
    createdAt: Time,
    startedAt: Nullable(Time),
    stoppedAt: Nullable(Time),
    lastActivityAt: Type.Union([Time, Type.Null()], {
      description:
        "The newest activity the hub knows of (docs/culling.md): proxied traffic and Keep it running at once, a busy kernel, a terminal or a GPU at work as of the culler's last check; null before any",
    }),
    idleStop: Nullable({
      ...IdleStop,
      description:
        'The stop the hub has warned of, or null: idle ones are called off by any use or POST /api/sandboxes/{id}/keep; a max_age one is not (docs/culling.md)',
    }),
    oomKills: Type.Optional(
      Type.Object(
        {
          count: Type.Integer({ minimum: 1 }),
          lastAt: Time,
        },
        { description: 'Processes of it the kernel killed for memory at its limit (a kernel Jupyter restarted, say); absent when none' },
      ),
    ),
    logTail: Type.Optional(
      Nullable(
        Type.String({
          description:
            'The last lines (at most 20, 4 KiB) its server wrote, tokens hidden, when its container ended without the hub asking (out of memory, a crash, a kill from outside); null otherwise',
        }),
      ),
    ),
  },

);
export type Sandbox = Static<typeof Sandbox>;
export type SandboxState = Static<typeof SandboxStateSchema>;

export const SandboxEvent = Type.Object(
  {
    id: Type.Integer(),
    sandboxId: Type.String(),
    at: Time,
    state: SandboxStateSchema,
    message: Type.String({ description: 'What happened, in English' }),
    percent: Nullable(Type.Number()),
    code: Nullable(
      Type.String({ description: 'What happened as a stable code (see docs/api.md), for clients that say it in another language; null where only the message says it' }),
    ),
    params: Nullable(Type.Record(Type.String(), Type.Union([Type.String(), Type.Number()]), { description: 'The values the code\'s text needs' })),
  },

);
export type SandboxEvent = Static<typeof SandboxEvent>;

export const RecentEvent = Type.Composite([
  SandboxEvent,
  Type.Object({ user: Type.String(), name: Type.String() }),
]);
export type RecentEvent = Static<typeof RecentEvent>;

export const User = Type.Object(
  {
    id: Type.Integer(),
    username: Type.String(),
    email: Nullable(Type.String({ description: 'From the company sign-in (OpenID Connect); null for local accounts' })),
    admin: Type.Boolean(),
    disabled: Type.Boolean(),
    createdAt: Time,
    uid: Type.Union([Type.Integer(), Type.Null()], {
      description: "The numeric user id the user's sandboxes run as and their home belongs to; given once, never changed (null only before the hub's first start after an upgrade)",
    }),
    gid: Type.Union([Type.Integer(), Type.Null()], { description: 'The numeric group id: the uid itself (a group of their own) unless the identity provider gave one' }),
    homeBytes: Nullable(Type.Integer({ description: "The home's allocated bytes at the last measurement; null: not measured yet" })),
    quotaBytes: Nullable(Type.Integer({ description: "The home's quota in bytes (an admin's, else storage.quota.defaultGiB); null: none" })),
    measuredAt: Nullable(Time),
  },

);
export type User = Static<typeof User>;

export const CreateUserRequest = Type.Object(
  {
    username: Name,
    password: Type.Optional(Type.String({ minLength: 8, maxLength: 256 })),
    admin: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type CreateUserRequest = Static<typeof CreateUserRequest>;

export const CreatedUser = Type.Composite([
  User,
  Type.Object({ password: Type.Optional(Type.String({ description: 'The generated password, shown only now' })) }),
]);
export type CreatedUser = Static<typeof CreatedUser>;

/** The largest quota an admin may set, in GiB: 1 PiB, beyond any filesystem a team runs. */
export const MAX_QUOTA_GIB = 1024 * 1024;

export const UpdateUserRequest = Type.Object(
  {
    admin: Type.Optional(Type.Boolean()),
    disabled: Type.Optional(Type.Boolean({ description: 'A disabled user cannot sign in; their sessions end and their sandboxes stop' })),
    password: Type.Optional(Type.String({ minLength: 8, maxLength: 256, description: 'A new password; their sessions end' })),
    quotaGiB: Type.Optional(
      Nullable(Type.Number({ minimum: 0, maximum: MAX_QUOTA_GIB, description: "The user's home quota in GiB; null: back to storage.quota.defaultGiB" })),
    ),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateUserRequest = Static<typeof UpdateUserRequest>;

export const ChangePasswordRequest = Type.Object(
  { currentPassword: Type.String({ maxLength: 256 }), newPassword: Type.String({ minLength: 8, maxLength: 256 }) },
  { additionalProperties: false },
);
export type ChangePasswordRequest = Static<typeof ChangePasswordRequest>;

export const LoginRequest = Type.Object(
  { username: Type.String({ maxLength: 256 }), password: Type.String({ maxLength: 256 }) },
  { additionalProperties: false },
);
export type LoginRequest = Static<typeof LoginRequest>;

export const Token = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    scopes: Type.Array(Type.String()),
    createdAt: Time,
    expiresAt: Nullable(Time),
    lastUsedAt: Nullable(Time),
    lastUsedFrom: Nullable(Type.String({ description: 'The address it was last used from' })),
  },

);
export type Token = Static<typeof Token>;

export const CreateTokenRequest = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 64 }),
    scopes: Type.Optional(
      Type.Array(ScopeSchema, {
        uniqueItems: true,
        description: 'What the token may do; by default everything its owner may. See docs/api.md',
      }),
    ),
    expiresInDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650 })),
  },
  { additionalProperties: false },
);
export type CreateTokenRequest = Static<typeof CreateTokenRequest>;

export const CreatedToken = Type.Composite([
  Token,
  Type.Object({ token: Type.String({ description: 'The secret, shown only now' }) }),
]);
export type CreatedToken = Static<typeof CreatedToken>;

/** A public key that signs in to the SSH gateway (docs/ssh.md). */
export const SshKey = Type.Object({
  id: Type.String(),
  name: Type.String(),
  algorithm: Type.String({ description: 'ssh-ed25519, ecdsa-sha2-nistp256/384/521 or ssh-rsa' }),
  fingerprint: Type.String({ description: 'SHA256:…, as ssh-keygen -lf prints it' }),
  createdAt: Time,
  lastUsedAt: Nullable(Time),
  lastUsedFrom: Nullable(Type.String({ description: 'The address it last signed in from' })),
});
export type SshKey = Static<typeof SshKey>;

export const AddSshKeyRequest = Type.Object(
  {
    publicKey: Type.String({ minLength: 1, maxLength: 8192, description: 'One line of a .pub file: <type> <base64> [comment]' }),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: "Default: the key's comment, else its type" })),
  },
  { additionalProperties: false },
);
export type AddSshKeyRequest = Static<typeof AddSshKeyRequest>;

/** How to reach the SSH gateway: what `shiva ssh-config` prints and the dashboard shows. */
export const SshGatewayInfo = Type.Object({
  enabled: Type.Boolean(),
  host: Nullable(Type.String({ description: 'The host name users connect to' })),
  port: Nullable(Type.Integer()),
  hostKey: Nullable(
    Type.Object({
      algorithm: Type.String(),
      fingerprint: Type.String({ description: 'SHA256:…, what ssh shows on first connecting' }),
      publicKey: Type.String({ description: '<type> <base64>: a known_hosts entry after the host' }),
    }),
  ),
  userSeparator: Type.String({ description: 'Joins user and sandbox in an SSH user name: alice.main' }),
});
export type SshGatewayInfo = Static<typeof SshGatewayInfo>;

/** A saved environment (docs/environments.md): an image a user made of their sandbox. */
export const Environment = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    owner: Type.String(),
    image: Type.String({ description: 'What to launch it by: <owner>/<name>, as `image` of POST /api/sandboxes' }),
    description: Type.String(),
    baseImage: Type.String({ description: 'The catalogue image the sandbox ran when it was saved' }),
    sizeBytes: Type.Integer({ minimum: 0, description: 'Compressed, as pushed (config and layers)' }),
    layers: Type.Integer({ minimum: 1 }),
    shared: Type.Boolean({ description: 'Every user sees and launches it; otherwise its owner and admins only' }),
    createdAt: Time,
  },
  { additionalProperties: false },
);
export type Environment = Static<typeof Environment>;

export const Image = Type.Object(
  {
    name: Type.String(),
    image: Type.String(),
    description: Type.String(),
    default: Type.Boolean(),
    sudo: Type.Boolean({ description: "Whether the sandbox's user may become root in it with sudo (the catalogue entry's opt-in)" }),
    source: Type.Union([Type.Literal('config'), Type.Literal('registry'), Type.Literal('environment')], {
      description: "Where it was found: the configured catalogue, the team's registry under registry.prefix (docs/registry.md), or a saved environment (docs/environments.md)",
    }),
    sizeBytes: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()], { description: "A registry image's compressed size (config and layers), in bytes; null for configured entries" }),
    environment: Type.Optional(Environment),
  },

);
export type Image = Static<typeof Image>;



/** POST /api/sandboxes/:id/save. */
export const SaveRequest = Type.Object(
  {
    name: Type.String({ maxLength: 300, description: '1-64 lowercase letters and digits, parts joined by one dot, dash or underscore; a name you have is replaced' }),
    description: Type.Optional(Type.String({ maxLength: 500 })),
    pause: Type.Optional(Type.Boolean({ description: "Pause the sandbox's processes while its filesystem is read (default false)" })),
    shared: Type.Optional(Type.Boolean({ description: 'Let every user see and launch it (default false)' })),
  },
  { additionalProperties: false },
);
export type SaveRequest = Static<typeof SaveRequest>;

/** What a started save answers: the events of the sandbox tell the rest. */
export const SaveStarted = Type.Object(
  {
    sandboxId: Type.String(),
    name: Type.String(),
    repository: Type.String(),
    tag: Type.String(),
  },
  { additionalProperties: false },
);
export type SaveStarted = Static<typeof SaveStarted>;

/** A shared dataset the asking user's sandboxes get (GET /api/datasets). */
export const Dataset = Type.Object({
  name: Type.String(),
  containerPath: Type.String({ description: 'Where the dataset appears inside sandboxes' }),
  readOnly: Type.Boolean({ description: 'Whether sandboxes may only read it' }),
  description: Type.String(),
  hostPath: Type.Optional(Type.String({ description: "The folder on every machine; shown to admins only" })),
});
export type Dataset = Static<typeof Dataset>;

export const MachineGpu = Type.Object({
  index: Type.Integer(),
  uuid: Type.String({ description: 'The id sandboxes are given this GPU by' }),
  name: Type.String(),
  memoryTotalBytes: Type.Number(),
  memoryUsedBytes: Nullable(Type.Number()),
  utilizationPercent: Nullable(Type.Number()),
  temperatureC: Nullable(Type.Number()),
  powerDrawW: Nullable(Type.Number()),
  holders: Type.Array(Type.Object({ sandboxId: Type.String(), user: Type.String(), name: Type.String() }), {
    description: 'The live sandboxes given this GPU (more than one only where the machine shares GPUs)',
  }),
});
export type MachineGpu = Static<typeof MachineGpu>;

const Resources = Type.Object({ cpus: Type.Number(), memoryBytes: Type.Number(), gpus: Type.Integer() });

/** One point of a machine's short history (in memory, one per health check, the last hour by default): GET /api/machines/history. */
export const MachineSample = Type.Object({
  at: Time,
  cpuPercent: Nullable(Type.Number()),
  memoryUsedBytes: Nullable(Type.Number()),
  /** Mean utilisation over the machine's GPUs; null without GPUs or readings. */
  gpuUtilizationPercent: Nullable(Type.Number()),
  gpuMemoryUsedBytes: Nullable(Type.Number()),
});
export type MachineSample = Static<typeof MachineSample>;

export const MachineUsage = Type.Object({
  cpuPercent: Type.Number(),
  memoryUsedBytes: Type.Number(),
  diskUsedBytes: Type.Number(),
  diskTotalBytes: Type.Number(),
  networkReceiveBytesPerSecond: Nullable(Type.Number()),
  networkTransmitBytesPerSecond: Nullable(Type.Number()),
  temperaturesC: Type.Array(Type.Object({ sensor: Type.String(), celsius: Type.Number() })),
  source: Type.Union([Type.Literal('host'), Type.Literal('prometheus')], { description: 'Read from /proc and /sys, or through PromQL' }),
  at: Time,
});
export type MachineUsage = Static<typeof MachineUsage>;

// --- A machine's local images (GET /api/machines) ---

/** A catalogue image a machine holds, as its last image listing showed it. */
export const MachineImage = Type.Object({
  name: Type.String({ description: 'The catalogue name (GET /api/images)' }),
  createdAt: Nullable(Time),
  sizeBytes: Type.Integer({ minimum: 0, description: 'Its size unpacked on the machine' }),
  id: Type.Optional(Type.String({ description: "The engine's id of the image (admins only)" })),
});
export type MachineImage = Static<typeof MachineImage>;

export const MachineImages = Type.Object(
  {
    at: Time,
    images: Type.Array(MachineImage, { description: 'The catalogue images it has, in catalogue order; createdAt is when the image was built' }),
  },
  { description: "The machine's images at its last listing (with the health checks, at most once a minute, and after each pull); null before the first" },
);
export type MachineImages = Static<typeof MachineImages>;

export const Machine = Type.Object({
  name: Type.String(),
  status: Type.Union([Type.Literal('up'), Type.Literal('down')]),
  lastSeenAt: Nullable(Time),
  error: Nullable(Type.String()),
  engine: Nullable(Type.Object({ version: Type.String(), os: Type.String() })),
  cpus: Type.Number(),
  memoryBytes: Type.Number(),
  capacity: Type.Composite([Resources], { description: 'What sandboxes may use in all: the machine less what is reserved for the system, within the caps' }),
  allocated: Type.Composite([Resources], { description: 'What live sandboxes hold (CPUs: their requests)' }),
  free: Type.Composite([Resources], { description: 'What a new launch could still get here (zero when down); CPUs are free CPU requests' }),
  gpuMode: Nullable(Type.Union([Type.Literal('deviceRequests'), Type.Literal('cdi'), Type.Literal('devices')])),
  usage: Nullable(MachineUsage),
  usageError: Nullable(Type.String({ description: 'Why usage could not be read (from Prometheus, say), if it could not' })),
  gpus: Type.Array(MachineGpu),
  gpuError: Nullable(Type.String({ description: 'Why the last GPU reading failed; the list is the last good one' })),
  gpusAt: Nullable(Time),
  homes: Nullable(
    Type.Object(
      {
        ready: Type.Boolean({ description: 'Whether the machine sees the shared homes; a machine that does not takes no launches' }),
        reason: Nullable(Type.String({ description: 'Why not, when not' })),
        checkedAt: Time,
      },
      { description: "The last check of the machine's view of homes.root (docs/storage.md); null while unchecked or with homes.check: none" },
    ),
  ),
  // No history here: an hour of samples per machine made every 5 s poll of a large fleet
  // megabytes long, though only one sample in three polls is new. The samples have their own
  // incremental call, GET /api/machines/history; an opt-in ?history=true here would have kept
  // two ways to the same samples, and the costly one would still be one flag away.
  images: Nullable(MachineImages),
  sandboxes: Type.Array(
    Type.Object({
      id: Type.String(),
      user: Type.String(),
      name: Type.String(),
      state: SandboxStateSchema,
      cpus: Type.Number({ description: 'Its CPU limit' }),
      cpuRequest: Type.Number({ description: 'Its CPU request, what it holds of the machine\'s capacity' }),
      memoryGiB: Type.Number(),
      gpus: Type.Array(Type.String()),
      since: Time,
      cpuPercent: Nullable(Type.Number({ description: 'From the engine\'s stats; 100 is one CPU' })),
      memoryUsedBytes: Nullable(Type.Number()),
    }),
  ),
});
export type Machine = Static<typeof Machine>;

/** GET /api/machines/history's query. */
export const MachineHistoryQuery = Type.Object(
  {
    // Checked by parseHistoryCursor rather than by a pattern here, so that every bad cursor answers INVALID_CURSOR.
    since: Type.Optional(
      Type.String({
        description: "The cursor of the previous answer: only samples newer than it are sent. Without it, or with one from before the hub's restart, each machine's whole window",
      }),
    ),
  },
  { additionalProperties: false },
);
export type MachineHistoryQuery = Static<typeof MachineHistoryQuery>;

/** GET /api/machines/history: machines' samples, the whole window or only what is new. */
export const MachineHistoryPage = Type.Object({
  cursor: Type.String({ description: 'Pass as ?since= on the next call to get only newer samples' }),
  full: Type.Boolean({
    description:
      'true: each machine\'s samples are its whole window and every machine is listed (replace what you hold); false: only samples newer than since, and only the machines that have some (append them)',
  }),
  windowSamples: Type.Integer({
    minimum: 1,
    description: 'How many samples the hub keeps per machine (health.historyMinutes at one per health check): keep each machine\'s newest this many',
  }),
  machines: Type.Array(
    Type.Object({
      name: Type.String(),
      samples: Type.Array(MachineSample, { description: 'Oldest first' }),
    }),
  ),
});
export type MachineHistoryPage = Static<typeof MachineHistoryPage>;

/** GET /api/storage: the homes filesystem, with the admins' detail only for admins. */
export const HomesStorage = Type.Object({
  freeBytes: Nullable(Type.Number({ description: 'What users may still write (statfs f_bavail, root-reserved blocks excluded); null while unknown' })),
  sizeBytes: Nullable(Type.Number({ description: 'The whole filesystem (statfs f_blocks); null while unknown' })),
  minFreePercent: Type.Number({ description: 'storage.minFreePercent: below this share free, launches are refused with STORAGE_FULL' }),
  full: Type.Boolean({ description: 'Below minFreePercent now: launches are refused' }),
  readAt: Nullable(Time),
  root: Type.Optional(Type.String({ description: 'homes.root (admins only)' })),
  problem: Type.Optional(Nullable(Type.String({ description: 'Why the hub cannot read it, when it cannot (admins only)' }))),
});
export type HomesStorage = Static<typeof HomesStorage>;

export const Storage = Type.Object({ homes: HomesStorage });
export type Storage = Static<typeof Storage>;

export const Limits = Type.Object({
  defaults: Type.Object({
    cpus: Type.Number(),
    cpuRequestFraction: Type.Number({ description: 'A launch without cpuRequest is guaranteed (and holds) this fraction of its cpus' }),
    memoryGiB: Type.Number(),
  }),
  max: Type.Object({ cpus: Type.Number(), memoryGiB: Type.Number(), gpus: Type.Integer(), sandboxes: Type.Integer() }),
});

export const Me = Type.Object({ user: User, limits: Limits });

/** POST /api/homes/measure: the measurement an admin asked for. */
export const HomeMeasurement = Type.Object({
  at: Time,
  measured: Type.Integer({ description: 'Homes measured' }),
  failed: Type.Integer({ description: 'Homes that could not be measured (their last figures stay)' }),
});
export type HomeMeasurement = Static<typeof HomeMeasurement>;
export type Me = Static<typeof Me>;

/** GET /api/auth/providers: the ways to sign in to this hub. */
export const AuthProviders = Type.Object({
  local: Type.Boolean(),
  oidc: Nullable(Type.Object({ name: Type.String(), loginUrl: Type.String() })),
});
export type AuthProviders = Static<typeof AuthProviders>;

export const Health = Type.Object({ status: Type.Literal('ok'), version: Type.String() });

export const AuditEntryView = Type.Object({
  id: Type.Integer(),
  at: Time,
  actor: Nullable(Type.String()),
  action: Type.String({ description: 'e.g. auth.login, sandbox.launch, user.update, token.create' }),
  target: Nullable(Type.String()),
  result: Type.Union([Type.Literal('ok'), Type.Literal('refused'), Type.Literal('failed')]),
  address: Nullable(Type.String()),
  details: Nullable(Type.Record(Type.String(), Type.Unknown())),
});
export type AuditEntryView = Static<typeof AuditEntryView>;

/** Usage accounting: hours of sandboxes, CPUs, GPUs and memory, from sandbox lifetimes. */
export const UsageFigures = Type.Object({
  sandboxes: Type.Integer({ description: 'Sandboxes that were alive for some of the time' }),
  sandboxHours: Type.Number({ description: 'Hours sandboxes were alive' }),
  cpuHours: Type.Number({ description: 'CPUs given × hours' }),
  gpuHours: Type.Number({ description: 'GPUs given × hours' }),
  memoryGiBHours: Type.Number({ description: 'GiB of memory given × hours' }),
});
export type UsageFigures = Static<typeof UsageFigures>;

export const UsageDay = Type.Composite([Type.Object({ user: Type.String(), day: Type.String({ description: 'A UTC day, YYYY-MM-DD' }) }), UsageFigures]);
export type UsageDay = Static<typeof UsageDay>;

export const UsageUser = Type.Composite([Type.Object({ user: Type.String() }), UsageFigures]);
export type UsageUser = Static<typeof UsageUser>;

/** GET /api/usage: one row per user and day with any use, the totals of each user, and the grand total. */
export const UsageReport = Type.Object({
  from: Type.String({ description: 'First UTC day, YYYY-MM-DD' }),
  to: Type.String({ description: 'Last UTC day, included' }),
  at: Time,
  days: Type.Array(UsageDay, { description: 'By user, then day; days without use are left out' }),
  users: Type.Array(UsageUser, { description: 'By user name' }),
  total: UsageFigures,
});
export type UsageReport = Static<typeof UsageReport>;

// --- Image pulls (POST /api/images/:name/pull, GET /api/images/pulls, GET /api/images/pulls/events) ---

export type { ImagePullState } from './image-pull-states.js';

/** One pull of a catalogue image to one machine, as it stands. */
export const ImagePull = Type.Object({
  id: Type.String({ description: 'The pull; a second request for the same image and machine while it is queued or pulling joins it' }),
  image: Type.String({ description: 'The catalogue name' }),
  ref: Type.String({ description: 'The reference the machine pulls' }),
  machine: Type.String(),
  state: Type.Union(IMAGE_PULL_STATES.map((state) => Type.Literal(state)), {
    description: 'queued (waiting for one of the machine\'s images.pullConcurrency slots), pulling, done or failed',
  }),
  bytesDone: Nullable(Type.Integer({ minimum: 0, description: 'Compressed bytes downloaded so far' })),
  bytesTotal: Nullable(
    Type.Integer({ minimum: 0, description: 'The sizes of the layers the engine has named so far: it names a layer\'s size as its download starts, so this grows during a pull' }),
  ),
  percent: Nullable(Type.Integer({ minimum: 0, maximum: 100 })),
  reason: Nullable(Type.String({ description: "Why it failed, in the registry's or the engine's words, one line" })),
  trigger: Type.Union([Type.Literal('admin'), Type.Literal('prePull')], { description: 'An admin asked, or the hub pre-pulls a prePull image to a machine that joined or came back' }),
  by: Type.String({ description: "Who asked: the admin's user name, or hub:images for a pre-pull" }),
  queuedAt: Time,
  startedAt: Nullable(Time),
  endedAt: Nullable(Time),
});
export type ImagePull = Static<typeof ImagePull>;

export const PullImageRequest = Type.Object(
  { machine: Type.Optional(Type.String({ maxLength: 64, description: 'Only this machine; every machine when absent' })) },
  { additionalProperties: false },
);
export type PullImageRequest = Static<typeof PullImageRequest>;

export const ImagePullsQueued = Type.Object({
  image: Type.String(),
  pulls: Type.Array(ImagePull, { description: 'One per machine: queued, or the pull in flight it joined' }),
});
export type ImagePullsQueued = Static<typeof ImagePullsQueued>;
