/**
 * Versioned migrations, applied in order at start-up. Never edit one that has shipped: add the next.
 */
import { sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';

const migrations: Record<string, Migration> = {
  '0001_initial': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('meta')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('value', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('users')
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('username', 'text', (c) => c.notNull().unique())
        .addColumn('password_hash', 'text')
        .addColumn('role', 'text', (c) => c.notNull().check(sql`role in ('admin', 'user')`))
        .addColumn('disabled', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('sessions')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('tokens')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('hash', 'text', (c) => c.notNull().unique())
        .addColumn('scopes', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text')
        .addColumn('last_used_at', 'text')
        .execute();
      await db.schema
        .createTable('sandboxes')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id'))
        .addColumn('username', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('image', 'text', (c) => c.notNull())
        .addColumn('image_ref', 'text', (c) => c.notNull())
        .addColumn('machine', 'text', (c) => c.notNull())
        .addColumn('cpus', 'real', (c) => c.notNull())
        .addColumn('memory_bytes', 'integer', (c) => c.notNull())
        .addColumn('gpus', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('reason', 'text')
        .addColumn('container_id', 'text')
        .addColumn('host', 'text')
        .addColumn('port', 'integer')
        .addColumn('token', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('started_at', 'text')
        .addColumn('stopped_at', 'text')
        .addColumn('last_activity_at', 'text')
        .execute();
      // A name is taken only while its sandbox lives; stopped and failed ones stay as history.
      await sql`create unique index sandboxes_live_name on sandboxes (user_id, name)
                where state not in ('stopped', 'failed')`.execute(db);
      await db.schema.createIndex('sandboxes_state').on('sandboxes').column('state').execute();
      await db.schema
        .createTable('sandbox_events')
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('sandbox_id', 'text', (c) => c.notNull().references('sandboxes.id').onDelete('cascade'))
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('message', 'text', (c) => c.notNull())
        .addColumn('percent', 'real')
        .execute();
      await db.schema.createIndex('sandbox_events_sandbox').on('sandbox_events').columns(['sandbox_id', 'id']).execute();
    },
  },
  '0002_audit': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('audit_events')
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('actor', 'text')
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('target', 'text')
        .addColumn('result', 'text', (c) => c.notNull().check(sql`result in ('ok', 'refused', 'failed')`))
        .addColumn('address', 'text')
        .addColumn('details', 'text')
        .execute();
      await db.schema.createIndex('audit_events_at').on('audit_events').column('at').execute();
      await db.schema.createIndex('audit_events_actor').on('audit_events').columns(['actor', 'id']).execute();
    },
  },
  '0003_session_idle': {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('sessions').addColumn('last_seen_at', 'text').execute();
      await sql`update sessions set last_seen_at = created_at`.execute(db);
    },
  },
  '0004_oidc_accounts': {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('users').addColumn('email', 'text').execute();
      await db.schema.alterTable('users').addColumn('oidc_issuer', 'text').execute();
      await db.schema.alterTable('users').addColumn('oidc_subject', 'text').execute();
      await sql`create unique index users_oidc on users (oidc_issuer, oidc_subject) where oidc_subject is not null`.execute(db);
    },
  },
  '0005_token_address': {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('tokens').addColumn('last_used_address', 'text').execute();
    },
  },
  '0006_cpu_request': {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('sandboxes').addColumn('cpu_request', 'real').execute();
      // Sandboxes from before requests were scheduled by their limit: they keep holding it.
      await sql`update sandboxes set cpu_request = cpus`.execute(db);
    },
  },
  '0007_event_codes': {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('sandbox_events').addColumn('code', 'text').execute();
      await db.schema.alterTable('sandbox_events').addColumn('params', 'text').execute();
    },
  },
  '0008_sandbox_version': {
    async up(db: Kysely<unknown>) {
      // Bumped by every change of a sandbox's state (src/sandboxes/lifecycle.ts), so a writer can
      // tell that the row it decided on is still the row it changes.
      await db.schema.alterTable('sandboxes').addColumn('version', 'integer', (c) => c.notNull().defaultTo(0)).execute();
    },
  },
  '0009_user_identity': {
    async up(db: Kysely<unknown>) {
      // Null until the hub gives one at its next start (src/store/users.ts, backfillIds): the
      // range is configuration, which a migration does not read.
      await db.schema.alterTable('users').addColumn('uid', 'integer').execute();
      await db.schema.alterTable('users').addColumn('gid', 'integer').execute();
      // Two accounts sharing a uid would own each other's files on the shared homes.
      await sql`create unique index users_uid on users (uid) where uid is not null`.execute(db);
    },
  },
  '0010_home_made': {
    async up(db: Kysely<unknown>) {
      // Which homes a job has made, and for which owner (src/sandboxes/homes.ts): a launch runs the
      // job only for a home not made yet, made for another owner, or missing on its machine.
      await db.schema
        .createTable('homes')
        .addColumn('username', 'text', (c) => c.primaryKey())
        .addColumn('uid', 'integer', (c) => c.notNull())
        .addColumn('gid', 'integer', (c) => c.notNull())
        .addColumn('made_at', 'text', (c) => c.notNull())
        .execute();
    },
  },
  '0011_home_quota': {
    async up(db: Kysely<unknown>) {
      // An admin's quota for this user in bytes; null: storage.quota.defaultGiB applies.
      await db.schema.alterTable('users').addColumn('quota_bytes', 'integer').execute();
      // The home's allocated bytes at the last measurement, and when it was taken; null: never measured.
      await db.schema.alterTable('users').addColumn('home_bytes', 'integer').execute();
      await db.schema.alterTable('users').addColumn('home_measured_at', 'text').execute();
    },
  },
  '0012_sandbox_log_tail': {
    async up(db: Kysely<unknown>) {
      // The last lines its server wrote when a sandbox's container ended on its own, secrets
      // removed (src/sandboxes/log-tail.ts); null for sandboxes stopped by the hub.
      await db.schema.alterTable('sandboxes').addColumn('log_tail', 'text').execute();
      // How many of its processes the kernel killed for memory, and the last time (src/sandboxes/exits.ts).
      await db.schema.alterTable('sandboxes').addColumn('oom_kills', 'integer', (c) => c.notNull().defaultTo(0)).execute();
      await db.schema.alterTable('sandboxes').addColumn('last_oom_at', 'text').execute();
    },
  },
  '0013_environments': {
    async up(db: Kysely<unknown>) {
      // Saved environments (src/environments/): one row per user and name, pointing at the
      // manifest pushed last under that name.
      await db.schema
        .createTable('environments')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id'))
        .addColumn('username', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('description', 'text', (c) => c.notNull())
        .addColumn('base_image', 'text', (c) => c.notNull())
        .addColumn('sudo', 'integer', (c) => c.notNull())
        .addColumn('repository', 'text', (c) => c.notNull())
        .addColumn('tag', 'text', (c) => c.notNull())
        .addColumn('digest', 'text', (c) => c.notNull())
        .addColumn('size_bytes', 'integer', (c) => c.notNull())
        .addColumn('layers', 'integer', (c) => c.notNull())
        .addColumn('shared', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('environments_user_name').on('environments').columns(['user_id', 'name']).unique().execute();
    },
  },
  '0014_ssh_keys': {
    async up(db: Kysely<unknown>) {
      // Public keys that sign in to the SSH gateway (src/ssh/): a key belongs to one user, so
      // its fingerprint is unique across all of them (as GitHub's "key is already in use").
      await db.schema
        .createTable('ssh_keys')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('algorithm', 'text', (c) => c.notNull())
        .addColumn('fingerprint', 'text', (c) => c.notNull().unique())
        .addColumn('public_key', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('last_used_at', 'text')
        .addColumn('last_used_address', 'text')
        .execute();
      await db.schema.createIndex('ssh_keys_user').on('ssh_keys').column('user_id').execute();
    },
  },
  '0015_list_indexes': {
    async up(db: Kysely<unknown>) {
      // Every filter the API offers reads an index, never the whole table (issue: a million audit
      // entries took 85-90 ms to filter on a rare action or result). src/store/query-plans.test.ts
      // holds each list query to its index with EXPLAIN QUERY PLAN.
      //
      // An index of a table with an integer primary key holds the rowid after its columns, so
      // (action) is also in id order: "newest first" pages walk it backwards without sorting.
      await db.schema.createIndex('audit_events_action').on('audit_events').column('action').execute();
      await db.schema.createIndex('audit_events_result').on('audit_events').column('result').execute();
      // Lists of sandboxes page by (created_at, id): a user's own, and everyone's for admins.
      await db.schema.createIndex('sandboxes_user_created').on('sandboxes').columns(['user_id', 'created_at', 'id']).execute();
      await db.schema.createIndex('sandboxes_created').on('sandboxes').columns(['created_at', 'id']).execute();
    },
  },
  '0016_usage_days': {
    async up(db: Kysely<unknown>) {
      // The daily usage roll-up (src/usage/rollup.ts, src/store/usage-days.ts): usage of a range
      // is read from its days rather than from every sandbox that ever ran in it. Keyed by size
      // so that milliseconds stay integers and the figures exact.
      await db.schema
        .createTable('usage_days')
        .addColumn('day', 'text', (c) => c.notNull())
        .addColumn('username', 'text', (c) => c.notNull())
        .addColumn('cpu_request', 'real', (c) => c.notNull())
        .addColumn('memory_bytes', 'integer', (c) => c.notNull())
        .addColumn('gpus', 'integer', (c) => c.notNull())
        .addColumn('sandboxes', 'integer', (c) => c.notNull())
        .addColumn('started', 'integer', (c) => c.notNull())
        .addColumn('ms', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('usage_days_key', ['day', 'username', 'cpu_request', 'memory_bytes', 'gpus'])
        .modifyEnd(sql`without rowid`)
        .execute();
      await db.schema.createIndex('usage_days_user').on('usage_days').columns(['username', 'day']).execute();
      // The sandboxes that ended today are read from their rows (src/usage/report.ts).
      await db.schema.createIndex('sandboxes_stopped_at').on('sandboxes').column('stopped_at').execute();
      // Every sandbox that ended before this version, cut at UTC midnights as usageDaysOf cuts
      // it (written out here so that this migration never changes with that code). Times are
      // toISOString's, read to the millisecond.
      await sql`
        insert into usage_days (day, username, cpu_request, memory_bytes, gpus, sandboxes, started, ms)
        with recursive
          lives (username, cpu_request, memory_bytes, gpus, a, b) as (
            select username, cpu_request, memory_bytes,
                   case when json_valid(gpus) and json_type(gpus) = 'array' then json_array_length(gpus) else 0 end,
                   cast(round((julianday(started_at) - 2440587.5) * 86400000) as integer),
                   cast(round((julianday(stopped_at) - 2440587.5) * 86400000) as integer)
            from sandboxes
            where state in ('stopped', 'failed') and started_at is not null and stopped_at is not null
          ),
          pieces (username, cpu_request, memory_bytes, gpus, a, b, midnight) as (
            select username, cpu_request, memory_bytes, gpus, a, b, (a / 86400000) * 86400000 from lives where b > a
            union all
            select username, cpu_request, memory_bytes, gpus, a, b, midnight + 86400000 from pieces where midnight + 86400000 < b
          )
        select strftime('%Y-%m-%d', midnight / 1000, 'unixepoch'), username, cpu_request, memory_bytes, gpus,
               count(*), sum(a >= midnight), sum(min(b, midnight + 86400000) - max(a, midnight))
        from pieces
        group by 1, 2, 3, 4, 5`.execute(db);
    },
  },
};

export const migrationProvider: MigrationProvider = {
  async getMigrations() {
    return migrations;
  },
};
