/** Table types of the database, as Kysely sees them. Times are ISO-8601 strings in UTC. */
import type { Generated } from 'kysely';
import type { SandboxState } from '../contract/sandbox-states.js';

export type Role = 'admin' | 'user';

/** Listed once, in the contract the CLI and the dashboard share. */
export type { SandboxState } from '../contract/sandbox-states.js';

export interface MetaTable {
  key: string;
  value: string;
}

export interface UsersTable {
  id: Generated<number>;
  username: string;
  password_hash: string | null;
  role: Role;
  disabled: number;
  created_at: string;
  email: string | null;
  /** The OpenID Connect issuer and subject an account signs in as; null for local accounts. */
  oidc_issuer: string | null;
  oidc_subject: string | null;
  /** The uid and gid the user's sandboxes run as and their home belongs to (src/store/user-ids.ts); null only before the first start after migration 0009. */
  uid: number | null;
  gid: number | null;
  /** An admin's quota for this user's home in bytes; null: storage.quota.defaultGiB applies. */
  quota_bytes: number | null;
  /** The home's allocated bytes at the last measurement; null: never measured. */
  home_bytes: number | null;
  home_measured_at: string | null;
}

export interface SessionsTable {
  /** sha256 of the cookie value: the cookie itself is never stored. */
  id: string;
  user_id: number;
  created_at: string;
  expires_at: string;
  /** Last use, written in batches; a session unused for the idle lifetime ends. */
  last_seen_at: string | null;
}

export interface TokensTable {
  id: string;
  user_id: number;
  name: string;
  /** sha256 of the secret. */
  hash: string;
  scopes: string;
  created_at: string;
  expires_at: string | null;
  last_used_at: string | null;
  last_used_address: string | null;
}

export interface SshKeysTable {
  id: string;
  user_id: number;
  name: string;
  /** The key type (`ssh-ed25519`, …). */
  algorithm: string;
  /** OpenSSH's `SHA256:…` of the key blob; unique. */
  fingerprint: string;
  /** `<type> <base64>`, without a comment. */
  public_key: string;
  created_at: string;
  last_used_at: string | null;
  last_used_address: string | null;
}

export interface SandboxesTable {
  id: string;
  user_id: number;
  /** Kept beside user_id because user names never change and every view and label needs it. */
  username: string;
  name: string;
  image: string;
  image_ref: string;
  machine: string;
  /** The CPU limit (NanoCpus). */
  cpus: number;
  /** The CPU request (CpuShares): what the scheduler holds. Rows from before it existed hold their limit. */
  cpu_request: number;
  memory_bytes: number;
  gpus: string;
  state: SandboxState;
  reason: string | null;
  container_id: string | null;
  host: string | null;
  port: number | null;
  /** The Jupyter token: a credential for the container, given to the proxy and nobody else. */
  token: string;
  created_at: string;
  started_at: string | null;
  stopped_at: string | null;
  last_activity_at: string | null;
  /** How many times its state changed: the compare-and-set of src/sandboxes/lifecycle.ts. */
  version: Generated<number>;
  /** The last lines its server wrote, when its container ended on its own (src/sandboxes/log-tail.ts). */
  log_tail: Generated<string | null>;
  /** Processes of it the kernel killed for memory (the engine's oom events), and when last. */
  oom_kills: Generated<number>;
  last_oom_at: Generated<string | null>;
}

export interface SandboxEventsTable {
  id: Generated<number>;
  sandbox_id: string;
  at: string;
  state: SandboxState;
  message: string;
  percent: number | null;
  /** An EventCode, or null for events that only the message describes. */
  code: string | null;
  /** The code's values as JSON, or null. */
  params: string | null;
}

export interface AuditTable {
  id: Generated<number>;
  at: string;
  actor: string | null;
  action: string;
  target: string | null;
  result: 'ok' | 'refused' | 'failed';
  address: string | null;
  /** JSON object with what else is worth knowing (the changes an admin made, the reason of a refusal). */
  details: string | null;
}

/** A home a job made on a machine (src/sandboxes/homes.ts), and the owner it was made for. */
export interface HomesTable {
  username: string;
  uid: number;
  gid: number;
  made_at: string;
}

/** A saved environment (src/environments/): the manifest last pushed under a user's name. */
export interface EnvironmentsTable {
  id: string;
  user_id: number;
  username: string;
  name: string;
  description: string;
  /** The catalogue name of the image the sandbox ran when it was saved. */
  base_image: string;
  /** 1 when that image's entry allowed sudo: a launch from the environment does too. */
  sudo: number;
  /** `<prefix>envs/<user>/<name>` in the team's registry. */
  repository: string;
  tag: string;
  digest: string;
  /** Compressed, as pushed (config and layers). */
  size_bytes: number;
  layers: number;
  /** 1: every user sees and launches it; 0: its owner and admins only. */
  shared: number;
  created_at: string;
}

/**
 * The daily usage roll-up (src/usage/rollup.ts): per UTC day, user and size, the sandboxes that
 * ended and ran that day, and their milliseconds. Written in the transaction that ends a sandbox.
 */
export interface UsageDaysTable {
  /** `YYYY-MM-DD`, UTC. */
  day: string;
  username: string;
  /** CPUs (the request). */
  cpu_request: number;
  memory_bytes: number;
  /** GPUs held. */
  gpus: number;
  /** Sandboxes that ran for some of the day. */
  sandboxes: number;
  /** Of those, the ones whose run began that day. */
  started: number;
  /** Milliseconds run that day, summed over them. */
  ms: number;
}

export interface Database {
  meta: MetaTable;
  users: UsersTable;
  sessions: SessionsTable;
  tokens: TokensTable;
  sandboxes: SandboxesTable;
  sandbox_events: SandboxEventsTable;
  audit_events: AuditTable;
  homes: HomesTable;
  environments: EnvironmentsTable;
  ssh_keys: SshKeysTable;
  usage_days: UsageDaysTable;
}
