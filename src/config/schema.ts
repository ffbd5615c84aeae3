/**
 * The configuration schema: every key, its type and its default. Unknown keys are rejected so a
 * typo never silently does nothing. docs/configuration.md documents the same keys.
 */
import { Type, type Static } from '@sinclair/typebox';
import { NAME_PATTERN } from '../contract/names.js';
import { MIN_CPUS, MIN_MEMORY_GIB } from '../contract/resources.js';
import { CullingOverride, CullingSettings } from './culling.js';

const Name = Type.String({ pattern: NAME_PATTERN });
const strict = { additionalProperties: false } as const;
/** A Linux interface name: at most 15 bytes (IFNAMSIZ 16 with its NUL, linux/if.h). */
const BRIDGE_PATTERN = '^[a-z][a-z0-9-]{0,14}$';

export const ImageEntry = Type.Object(
  {
    name: Name,
    image: Type.String({ minLength: 1, description: 'Image reference on the engine, e.g. shiva/notebook:latest' }),
    description: Type.String({ default: '' }),
    port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535, description: 'Overrides the image label org.shiva.port' })),
    home: Type.Optional(Type.String({ pattern: '^/', description: 'Overrides the image label org.shiva.home' })),
    uid: Type.Optional(
      Type.Integer({
        minimum: 0,
        description:
          'Deprecated and ignored: sandboxes run as their owner\'s uid (identity.firstUid); kept so that older configurations still load, and warned about at start',
      }),
    ),
    sudo: Type.Boolean({
      default: false,
      description:
        'The sandbox user may become root with sudo (the image must bring sudo, as shiva/notebook-sudo does): the container keeps the capabilities apt and sudo need and runs without no-new-privileges; see docs/security.md',
    }),
    env: Type.Record(Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$' }), Type.String(), { default: {} }),
    culling: Type.Optional({ ...CullingOverride, description: 'Culling limits for sandboxes of this image, over the hub-wide culling block (docs/culling.md)' }),
    prePull: Type.Boolean({
      default: false,
      description: 'Pull this image to each machine that lacks it when the machine joins (hub start) or comes back, so that no launch waits for it',
    }),
  },
  strict,
);

const StaticGpu = Type.Object(
  {
    index: Type.Integer({ minimum: 0, description: 'The GPU\'s index on its machine (the N of /dev/nvidiaN)' }),
    uuid: Type.String({ minLength: 1, description: 'The id sandboxes are given this GPU by, e.g. GPU-… or MIG-…' }),
    name: Type.String({ default: 'GPU' }),
    memoryGiB: Type.Number({ minimum: 0, default: 0 }),
  },
  strict,
);

export const MachineEntry = Type.Object(
  {
    name: Name,
    docker: Type.String({ minLength: 1, description: 'Engine URL as DOCKER_HOST takes it: unix://, tcp:// or ssh://' }),
    address: Type.String({
      // Not 127.0.0.1: browsers send cookies to every port of a host, and *.localhost names
      // resolve to 127.0.0.1, so a sandbox whose owner runs their own server on its published
      // port there would be sent the hub's and other sandboxes' cookies. 127.0.0.2 is loopback
      // too (all of 127.0.0.0/8 is), but no browser reaches it under a name that has cookies.
      default: '127.0.0.2',
      description: 'Address sandbox ports are published on and reached at; never one a browser reaches the hub or sandbox origins at',
    }),
    bridge: Type.Optional(
      Type.String({
        pattern: BRIDGE_PATTERN,
        description: 'Linux interface name of the sandbox network\'s bridge on this machine; default: the network\'s name (only a host running two engines needs another)',
      }),
    ),
    tls: Type.Optional(
      Type.Object(
        {
          ca: Type.Optional(Type.String({ description: 'PEM file of the CA that signed the engine\'s certificate' })),
          cert: Type.Optional(Type.String({ description: 'PEM file of the hub\'s client certificate' })),
          key: Type.Optional(Type.String({ description: 'PEM file of the client certificate\'s key' })),
        },
        strict,
      ),
    ),
    ssh: Type.Optional(
      Type.Object(
        {
          identityFile: Type.Optional(Type.String({ description: 'Private key file the hub signs in with; default: the SSH agent of SSH_AUTH_SOCK' })),
          hostKey: Type.String({
            pattern: '^SHA256:[A-Za-z0-9+/]{43}$',
            description: 'The engine host\'s key fingerprint as ssh-keygen -lf prints it; any other key is refused',
          }),
        },
        strict,
      ),
    ),
    reserved: Type.Object(
      {
        cpus: Type.Number({ minimum: 0, default: 0, description: 'CPUs kept for the system, never given to sandboxes' }),
        memoryGiB: Type.Number({ minimum: 0, default: 0, description: 'Memory kept for the system' }),
      },
      { ...strict, default: {} },
    ),
    max: Type.Object(
      {
        cpus: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: 'The most CPUs all sandboxes here may hold together' })),
        memoryGiB: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: 'The most memory all sandboxes here may hold together' })),
        sandboxes: Type.Optional(Type.Integer({ minimum: 0, description: 'The most live sandboxes on this machine' })),
      },
      { ...strict, default: {} },
    ),
    gpus: Type.Object(
      {
        source: Type.Union([Type.Literal('auto'), Type.Literal('nvidia-smi'), Type.Literal('prometheus'), Type.Literal('static'), Type.Literal('none')], {
          default: 'auto',
          description: 'auto: nvidia-smi on the hub\'s own machine or in a short-lived container where the engine has the NVIDIA runtime, else Prometheus when configured, else the static list',
        }),
        mode: Type.Union([Type.Literal('deviceRequests'), Type.Literal('cdi'), Type.Literal('devices')], {
          default: 'deviceRequests',
          description: 'How a sandbox is given its GPUs: Docker DeviceRequests (NVIDIA Container Toolkit), CDI device names, or /dev/nvidiaN passthrough',
        }),
        static: Type.Array(StaticGpu, { default: [], description: 'GPUs listed by hand, for machines whose GPUs cannot be read' }),
        share: Type.Boolean({ default: false, description: 'Let several sandboxes hold the same GPU' }),
        devicesDir: Type.String({ default: '/dev', pattern: '^/', description: 'devices mode: where /dev/nvidiaN, nvidiactl and nvidia-uvm are' }),
        driverLibraries: Type.Array(Type.String({ pattern: '^/' }), {
          default: [],
          description: 'devices mode: host paths mounted read-only at the same path (the driver\'s libraries and binaries)',
        }),
        cdiPrefix: Type.String({ default: 'nvidia.com/gpu', description: 'cdi mode: the device kind; a GPU is named <prefix>=<uuid>' }),
      },
      { ...strict, default: {} },
    ),
    prometheus: Type.Optional(
      Type.Object(
        {
          instance: Type.String({ minLength: 1, description: 'The value of the instance label of this machine\'s node_exporter series' }),
          gpuHostname: Type.Optional(Type.String({ description: 'The Hostname label of this machine\'s DCGM exporter series' })),
        },
        strict,
      ),
    ),
  },
  strict,
);

/**
 * A shared dataset: a host folder (the same path on every machine, on the shared filesystem)
 * mounted into sandboxes. Who gets it: everyone when neither `users` nor `admins` is set;
 * otherwise the users `users` names, plus every admin when `admins` is true. Paths are checked
 * in config/datasets.ts (absolute, no overlap with homes, the data directory, system folders).
 */
export const DatasetEntry = Type.Object(
  {
    name: Name,
    hostPath: Type.String({ minLength: 1, description: 'Absolute path of the folder on every machine (the same path on each, e.g. on the shared filesystem)' }),
    containerPath: Type.String({ minLength: 1, description: 'Absolute path the folder is mounted at inside sandboxes' }),
    readOnly: Type.Boolean({
      default: true,
      description: 'false lets every sandbox that gets the dataset change and delete its files, for all its users: only with care',
    }),
    description: Type.String({ default: '', description: 'Shown to users in the launch form and GET /api/datasets' }),
    users: Type.Optional(Type.Array(Name, { description: 'Only these users get it (plus admins with admins: true); absent with admins absent: everyone' })),
    admins: Type.Optional(Type.Boolean({ description: 'true: every admin gets it too (with users: the listed users and the admins; alone: admins only)' })),
  },
  strict,
);

export const ConfigSchema = Type.Object(
  {
    hub: Type.Object(
      {
        host: Type.String({ default: '127.0.0.1' }),
        port: Type.Integer({ minimum: 0, maximum: 65535, default: 8000 }),
        publicUrl: Type.Optional(Type.String({ pattern: '^https?://', description: 'Defaults to http://<host>:<port>' })),
        trustProxy: Type.Boolean({ default: false, description: 'Trust X-Forwarded-* from a load balancer in front' }),
        requestBodyIdleSeconds: Type.Number({
          exclusiveMinimum: 0,
          maximum: 3600,
          default: 60,
          description: 'A request body that sends no byte for this long is answered 408 and its connection closed (slow uploads that keep sending are not limited)',
        }),
        requestHeadersTimeoutSeconds: Type.Number({
          exclusiveMinimum: 0,
          maximum: 3600,
          default: 60,
          description: 'How long a client may take to send a request head, from its first byte',
        }),

        sandboxDomain: Type.Optional(
          Type.String({
            // A DNS name of labels (RFC 1035 §2.3.1, lowercase), without a port or trailing dot.
            pattern: '^(?=.{1,200}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$',
            description: 'Each sandbox is served at <name>--<user>.<sandboxDomain> (wildcard DNS and certificate); see docs/security.md',
          }),
        ),
      },
      { ...strict, default: {} },
    ),
    dataDir: Type.String({ default: './data', description: 'SHIVA_DATA_DIR overrides it' }),
    homes: Type.Object(
      {
        root: Type.Optional(
          Type.String({ description: 'Defaults to <dataDir>/homes; a shared filesystem mounted at this same path on the hub and every machine (docs/storage.md)' }),
        ),
        check: Type.Union([Type.Literal('marker'), Type.Literal('none')], {
          default: 'marker',
          description:
            'marker: the hub writes <root>/.shiva-homes-<deployment id> and a job on each machine reads it; a machine that does not see it is not ready. none: for a hub that cannot see homes.root itself (no check; a machine without the homes fails launches instead)',
        }),
        checkIntervalSeconds: Type.Number({
          minimum: 1,
          default: 60,
          description: 'How often each machine\'s view of homes.root is checked again (also at start and whenever a machine comes back up); each check is a short job on the machine',
        }),
      },
      { ...strict, default: {} },
    ),
    storage: Type.Object(
      {
        datasets: Type.Array(DatasetEntry, { default: [], description: 'Shared datasets mounted into sandboxes; see docs/storage.md' }),
        minFreePercent: Type.Number({
          minimum: 0,
          maximum: 100,
          default: 5,
          description:
            'Launches are refused (503 STORAGE_FULL) while the homes filesystem has less than this share of its size free for users; 0 turns the check off',
        }),
        quota: Type.Object(
          {
            defaultGiB: Type.Optional(
              Type.Number({ minimum: 0, maximum: 1048576, description: "Each user's home quota in GiB unless an admin sets another; unset: no quota" }),
            ),
            backend: Type.Union([Type.Literal('measure'), Type.Literal('xfs'), Type.Literal('cephfs')], {
              default: 'measure',
              description: 'measure: warn at 90%, refuse launches at 100%; xfs and cephfs also set a hard limit on the filesystem (see docs/storage.md)',
            }),
            measureIntervalSeconds: Type.Number({ minimum: 10, default: 300, description: 'How often every home is measured' }),
            measureTimeoutSeconds: Type.Number({ minimum: 1, default: 600, description: 'How long the walk of one home may take; a home cut off keeps its previous figure' }),
            machine: Type.Optional(Type.String({ description: 'The machine whose jobs measure the homes (measure backend); the first that answers by default' })),
            xfs: Type.Optional(
              Type.Object(
                {
                  mountPoint: Type.String({ minLength: 1, description: 'Where the XFS filesystem that holds homes.root is mounted on the hub' }),
                  projectIdBase: Type.Integer({ minimum: 1, maximum: 4_000_000_000, default: 100000, description: "A user's project id is this plus their user id" }),
                },
                strict,
              ),
            ),
          },
          { ...strict, default: {} },
        ),
      },
      { ...strict, default: {} },
    ),
    identity: Type.Object(
      {
        firstUid: Type.Integer({
          minimum: 1000,
          default: 20000,
          description: 'The first uid (and own gid) given to new users; ids below 1000 are the system\'s and refused',
        }),
        lastUid: Type.Integer({ minimum: 1000, default: 59999, description: 'The last uid given; a user made when all are taken is refused' }),
      },
      { ...strict, default: {} },
    ),
    machines: Type.Array(MachineEntry, {
      minItems: 1,
      description: 'Defaults to one machine, "local", on DOCKER_HOST or /var/run/docker.sock',
    }),
    scheduler: Type.Object(
      {
        policy: Type.Union([Type.Literal('pack'), Type.Literal('spread')], {
          default: 'pack',
          description: 'pack fills the fullest machine that fits, keeping whole machines free; spread takes the emptiest',
        }),
        cpuOvercommit: Type.Number({
          minimum: 1,
          default: 1,
          description: 'How many times its CPUs a machine may hand out in CPU requests (limits are never counted; memory is never overcommitted)',
        }),
      },
      { ...strict, default: {} },
    ),
    health: Type.Object(
      {
        intervalSeconds: Type.Number({ exclusiveMinimum: 0, default: 15, description: 'How often each machine is asked for its state' }),
        timeoutSeconds: Type.Number({ exclusiveMinimum: 0, default: 5, description: 'A machine that takes longer to answer is down' }),
        historyMinutes: Type.Number({ minimum: 1, default: 60, description: 'How much of each machine\'s usage is kept in memory for the charts' }),
      },
      { ...strict, default: {} },
    ),
    prometheus: Type.Optional(
      Type.Object(
        {
          url: Type.String({ pattern: '^https?://', description: 'A Prometheus server to read node_exporter and DCGM exporter series from' }),
          timeoutSeconds: Type.Number({ exclusiveMinimum: 0, default: 5 }),
        },
        strict,
      ),
    ),
    metrics: Type.Object(
      {
        public: Type.Boolean({ default: false, description: '/metrics without a token (only behind a firewall); otherwise a token with the metrics:read scope' }),
      },
      { ...strict, default: {} },
    ),
    registry: Type.Optional(
      Type.Object(
        {
          url: Type.String({ pattern: '^https?://[^/?#@]+/?$', description: "The team's registry (registry HTTP API v2): https://registry.example:5000, or http:// on a trusted network" }),
          username: Type.Optional(Type.String({ minLength: 1, description: 'For a registry that asks for credentials (HTTP Basic, or a bearer token from its token service)' })),
          passwordEnv: Type.Optional(
            Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$', description: "The environment variable that holds username's password: never the password itself in this file" }),
          ),
          insecure: Type.Boolean({ default: false, description: 'Accept a TLS certificate no trusted authority signed (a team\'s own)' }),
          prefix: Type.String({
            pattern: '^([a-z0-9]+([._-][a-z0-9]+)*/)*$',
            default: 'shiva/',
            description: "Repositories under this prefix are Shiva's: its catalogue entries and, under <prefix>envs/<user>/, saved environments (empty: the whole registry)",
          }),
          refreshSeconds: Type.Integer({ minimum: 10, default: 300, description: 'How often the catalogue lists the registry again (GET /api/images shows the last listing)' }),
        },
        strict,
      ),
    ),
    ssh: Type.Object(
      {
        enabled: Type.Boolean({ default: true, description: 'Run the SSH gateway (docs/ssh.md): ssh, scp, sftp, rsync and ssh -L into sandboxes, signed in by public key' }),
        host: Type.Optional(Type.String({ minLength: 1, description: "The address it listens on; default hub.host" })),
        port: Type.Integer({ minimum: 0, maximum: 65535, default: 2222, description: 'The port it listens on (0: any free port)' }),
        publicHost: Type.Optional(
          Type.String({ pattern: '^[A-Za-z0-9.:-]+$', description: "The host name users connect to, as shiva ssh-config prints it; default the public URL's host" }),
        ),
        publicPort: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535, description: 'The port users connect to, when a firewall forwards another one; default port' })),
      },
      { ...strict, default: {} },
    ),
    environments: Type.Object(
      {
        maxPerUser: Type.Integer({ minimum: 0, default: 5, description: 'Saved environments a user may keep (0: saving is off); a save under a name they have replaces it' }),
        maxGiBPerUser: Type.Number({ minimum: 0, default: 50, description: "GiB of the team's registry a user's saved environments may take, as pushed (compressed)" }),
        flattenAboveLayers: Type.Integer({
          minimum: 2,
          maximum: 120,
          default: 100,
          description: 'A save whose image would have more layers than this is flattened into one (the overlay filesystem mounts at most 127)',
        }),
      },
      { ...strict, default: {} },
    ),
    images: Type.Object(
      {
        default: Name,
        catalogue: Type.Array(ImageEntry, { minItems: 1 }),
        pullConcurrency: Type.Integer({
          minimum: 1,
          maximum: 16,
          default: 2,
          description: 'Pulls an admin asks for or pre-pulls run on one machine at once; more wait their turn (launches pull on their own)',
        }),
      },
      { ...strict, default: {} },
    ),
    sandboxes: Type.Object(
      {
        defaults: Type.Object(
          {
            cpus: Type.Number({ minimum: MIN_CPUS, default: 2, description: 'The CPU limit: what a sandbox may burst to (its NanoCpus)' }),
            cpuRequestFraction: Type.Number({
              exclusiveMinimum: 0,
              maximum: 1,
              default: 0.25,
              description:
                'The CPU request of a sandbox that names none, as a fraction of its CPU limit: what it is guaranteed under contention and what the scheduler reserves (Kubernetes requests vs limits)',
            }),
            memoryGiB: Type.Number({ minimum: MIN_MEMORY_GIB, default: 4, description: 'Memory is not compressible: request and limit are one figure' }),
          },
          { ...strict, default: {} },
        ),
        limits: Type.Object(
          {
            cpus: Type.Number({ minimum: MIN_CPUS, default: 8 }),
            memoryGiB: Type.Number({ minimum: MIN_MEMORY_GIB, default: 32 }),
            gpus: Type.Integer({ minimum: 0, default: 8, description: 'The most GPUs one sandbox may ask for' }),
          },
          { ...strict, default: {} },
        ),
        pidsLimit: Type.Integer({ minimum: 16, default: 2048 }),
        shmGiB: Type.Optional(
          Type.Number({
            exclusiveMinimum: 0,
            description: "Each sandbox's /dev/shm; unset: a quarter of its memory, at least 1 GiB; never above its memory (Docker's 64 MB default crashes PyTorch's DataLoader workers)",
          }),
        ),
        network: Type.String({
          pattern: BRIDGE_PATTERN,
          default: 'shiva-sandboxes',
          description: 'The Docker network sandboxes run on, made by the hub on each machine with inter-container traffic off; it names the bridge interface too, hence at most 15 characters',
        }),
        maxPerUser: Type.Integer({ minimum: 1, default: 3 }),
        readinessTimeoutSeconds: Type.Number({ exclusiveMinimum: 0, default: 90 }),
        stopTimeoutSeconds: Type.Integer({ minimum: 0, default: 10 }),
        reconcileIntervalSeconds: Type.Number({ exclusiveMinimum: 0, default: 30 }),
        activityFlushSeconds: Type.Number({ exclusiveMinimum: 0, default: 15 }),
        adminAccess: Type.Boolean({
          default: false,
          description: "Let admins open other users' sandboxes (audited, and shown in the owner's events), as JupyterHub's admin_access",
        }),
      },
      { ...strict, default: {} },
    ),
    auth: Type.Object(
      {
        sessionHours: Type.Number({ exclusiveMinimum: 0, default: 168, description: 'Absolute lifetime of a sign-in' }),
        sessionIdleHours: Type.Number({ exclusiveMinimum: 0, default: 24, description: 'A sign-in unused this long ends' }),
        signInAttempts: Type.Object(
          {
            perAccount: Type.Integer({ minimum: 1, default: 10 }),
            perAddress: Type.Integer({ minimum: 1, default: 50 }),
            windowMinutes: Type.Number({ exclusiveMinimum: 0, default: 15 }),
          },
          { ...strict, default: {} },
        ),
        local: Type.Object(
          {
            enabled: Type.Boolean({ default: true, description: 'Sign-in with a local username and password' }),
            breakGlassAdmin: Type.Boolean({
              default: false,
              description: 'With local sign-in off, still let the local user admin sign in (for when the provider is down)',
            }),
          },
          { ...strict, default: {} },
        ),
        oidc: Type.Optional(
          Type.Object(
            {
              preset: Type.Optional(Type.Literal('google')),
              issuer: Type.Optional(Type.String({ pattern: '^https?://', description: 'Required without a preset; overrides the preset' })),
              clientId: Type.String({ minLength: 1 }),
              displayName: Type.Optional(Type.String({ description: 'Shown on the button: "Sign in with <displayName>"' })),
              scopes: Type.Array(Type.String(), { default: ['openid', 'email', 'profile'] }),
              allowedDomains: Type.Array(Type.String(), { default: [], description: 'Google: the hd claim; others: the email domain' }),
              allowedEmails: Type.Array(Type.String(), { default: [] }),
              admins: Type.Array(Type.String(), { default: [], description: 'Emails that sign in as admins' }),
              adminGroups: Type.Array(Type.String(), { default: [], description: 'Groups (from groupsClaim) whose members sign in as admins' }),
              groupsClaim: Type.String({ default: 'groups' }),
              uidClaim: Type.Optional(
                Type.String({
                  minLength: 1,
                  description: 'A claim holding the person\'s numeric uid (e.g. from LDAP): new accounts take it instead of one from identity.firstUid..lastUid',
                }),
              ),
              gidClaim: Type.Optional(
                Type.String({ minLength: 1, description: 'With uidClaim: a claim holding the numeric gid; default: a group of the uid\'s own number' }),
              ),
            },
            strict,
          ),
        ),
        tokenCacheSeconds: Type.Number({ minimum: 0, default: 5, description: 'How long a checked session or token is trusted without the database' }),
      },
      { ...strict, default: {} },
    ),
    culling: { ...CullingSettings, description: 'When idle sandboxes are warned and stopped (docs/culling.md)' },
    audit: Type.Object(
      {
        retentionDays: Type.Integer({ minimum: 1, default: 365, description: 'Audit entries older than this are deleted' }),
      },
      { ...strict, default: {} },
    ),
    log: Type.Object(
      {
        level: Type.Union(
          ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
          { default: 'info' },
        ),
      },
      { ...strict, default: {} },
    ),
  },
  strict,
);

export type Config = Static<typeof ConfigSchema>;
export type ImageEntry = Static<typeof ImageEntry>;
export type MachineEntry = Static<typeof MachineEntry>;
export type DatasetEntry = Static<typeof DatasetEntry>;

/** The embedded catalogue: what `npm start` offers with no configuration at all. */
export const DEFAULT_IMAGES = {
  default: 'notebook',
  catalogue: [
    { name: 'notebook', image: 'shiva/notebook:latest', description: 'Jupyter Notebook with Python 3 (Debian)', env: {}, sudo: false, prePull: false },
  ],
};
