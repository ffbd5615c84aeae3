/**
 * Every filter the API offers reads an index (migration 0015 and earlier): each repository query
 * below is run for real, its SQL caught as Kysely sends it, and SQLite's EXPLAIN QUERY PLAN for
 * that SQL must SEARCH its table, never SCAN all of it. A filter that loses its index fails here,
 * not in a hub with a million audit entries.
 */
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect, type CompiledQuery } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditRepository } from './audit.js';
import { migrationProvider } from './migrations.js';
import { SandboxRepository } from './sandboxes.js';
import type { Database } from './schema.js';
import { UserRepository } from './users.js';

interface Plan {
  /** The plan's lines, as EXPLAIN QUERY PLAN words them ("SEARCH audit_events USING INDEX …"). */
  lines: string[];
}

describe('the list queries the API offers', () => {
  const sqlite = new SQLite(':memory:');
  let caught: CompiledQuery[] = [];
  const db = new Kysely<Database>({
    dialect: new SqliteDialect({ database: sqlite }),
    log: (event) => {
      if (event.level === 'query') caught.push(event.query);
    },
  });
  const audit = new AuditRepository(db);
  const sandboxes = new SandboxRepository(db);
  const users = new UserRepository(db);

  beforeAll(async () => {
    expect((await new Migrator({ db, provider: migrationProvider }).migrateToLatest()).error).toBeUndefined();
    // Some rows, so that the plans are those of a table in use, not of an empty one.
    const insertAudit = sqlite.prepare("insert into audit_events (at, actor, action, target, result) values (?, ?, ?, 'x', ?)");
    const insertUser = sqlite.prepare("insert into users (username, role, created_at, email) values (?, 'user', ?, ?)");
    const insertSandbox = sqlite.prepare(
      "insert into sandboxes (id, user_id, username, name, image, image_ref, machine, cpus, memory_bytes, state, token, created_at) values (?, ?, ?, ?, 'notebook', 'shiva/notebook', 'local', 1, 1073741824, ?, 't', ?)",
    );
    const insertEvent = sqlite.prepare("insert into sandbox_events (sandbox_id, at, state, message) values (?, ?, 'running', 'Ready')");
    sqlite.transaction(() => {
      for (let i = 0; i < 2000; i++) {
        const at = new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString();
        insertAudit.run(at, `user${i % 50}`, i % 100 === 0 ? 'user.update' : 'auth.login', i % 97 === 0 ? 'refused' : 'ok');
      }
      for (let u = 1; u <= 50; u++) insertUser.run(`user${u}`, new Date(Date.UTC(2026, 0, 1) + u * 1000).toISOString(), `user${u}@example.com`);
      for (let i = 0; i < 500; i++) {
        const user = (i % 50) + 1;
        const at = new Date(Date.UTC(2026, 0, 1) + i * 3_600_000).toISOString();
        insertSandbox.run(`sbx${i}`, user, `user${user}`, `s${i}`, i % 10 === 0 ? 'running' : 'stopped', at);
        insertEvent.run(`sbx${i}`, at);
      }
    })();
  });

  afterAll(async () => {
    await db.destroy();
  });

  /** The plans of the queries `work` sends, in order. */
  async function plansOf(work: () => Promise<unknown>): Promise<Plan[]> {
    caught = [];
    await work();
    return caught.map((query) => ({
      lines: (sqlite.prepare(`explain query plan ${query.sql}`).all(...(query.parameters as unknown[])) as Array<{ detail: string }>).map((r) => r.detail),
    }));
  }

  /** Each plan reads `table` through an index (or its primary key), and sorts nothing the index does not already order. */
  function expectSearched(plans: Plan[], table: string, index?: string): void {
    expect(plans.length).toBeGreaterThan(0);
    for (const { lines } of plans) {
      const reads = lines.filter((line) => new RegExp(`^(SCAN|SEARCH) ${table}\\b`).test(line));
      expect(reads, lines.join('\n')).toHaveLength(1);
      expect(reads[0], lines.join('\n')).toMatch(new RegExp(`^SEARCH ${table} USING (COVERING )?(INDEX ${index ?? '\\w+'}|INTEGER PRIMARY KEY)`));
      expect(lines.join('\n')).not.toMatch(/USE TEMP B-TREE FOR ORDER BY/);
    }
  }

  describe('audit log', () => {
    it('filters on an action by its index, newest first without sorting', async () => {
      expectSearched(await plansOf(() => audit.find({ action: 'user.update', limit: 100 })), 'audit_events', 'audit_events_action');
    });

    it('filters on a result by its index', async () => {
      expectSearched(await plansOf(() => audit.find({ result: 'refused', limit: 100 })), 'audit_events', 'audit_events_result');
    });

    it('filters on an actor by its index, with a time range too', async () => {
      expectSearched(await plansOf(() => audit.find({ actor: 'user7', limit: 100 })), 'audit_events', 'audit_events_actor');
      const since = '2026-01-01T10:00:00.000Z';
      const until = '2026-01-01T20:00:00.000Z';
      expectSearched(await plansOf(() => audit.find({ actor: 'user7', since, until, limit: 100 })), 'audit_events');
    });

    it('continues a page after an entry by the primary key', async () => {
      expectSearched(await plansOf(() => audit.find({ before: 1500, limit: 100 })), 'audit_events');
      expectSearched(await plansOf(() => audit.find({ action: 'auth.login', before: 1500, limit: 100 })), 'audit_events', 'audit_events_action');
    });
  });

  describe('sandboxes', () => {
    it("pages a user's sandboxes, live or ended, and counts them, by the user's index", async () => {
      for (const ended of [false, true]) {
        const first = await plansOf(() => sandboxes.page({ userId: 7, ended, limit: 100 }));
        expectSearched(first, 'sandboxes');
        const next = await plansOf(() => sandboxes.page({ userId: 7, ended, limit: 100, after: ['2026-01-05T00:00:00.000Z', 'sbx100'] }));
        expectSearched(next, 'sandboxes');
      }
    });

    it("continues everyone's sandboxes, newest first, by creation time", async () => {
      const plans = await plansOf(() => sandboxes.page({ ended: true, limit: 100, after: ['2026-01-05T00:00:00.000Z', 'sbx100'] }));
      // The page, and the count of all of them (which no cursor bounds).
      expectSearched(plans.slice(0, 1), 'sandboxes', 'sandboxes_created');
    });

    it("lists everyone's live sandboxes by their state", async () => {
      const [page, total] = await plansOf(() => sandboxes.page({ ended: false, limit: 100 }));
      // Live sandboxes are few (machines' room bounds them): sorting them is allowed.
      expect(page!.lines.join('\n')).toMatch(/SEARCH sandboxes USING (COVERING )?INDEX/);
      expect(total!.lines.join('\n')).toMatch(/SEARCH sandboxes USING (COVERING )?INDEX/);
    });

    it("reads one sandbox's events, and everyone's events before one, by index", async () => {
      expectSearched(await plansOf(() => sandboxes.events('sbx7', 0)), 'sandbox_events', 'sandbox_events_sandbox');
      const before = await plansOf(() => sandboxes.recentEvents(100, 300));
      expect(before[0]!.lines.join('\n')).toMatch(/SEARCH sandbox_events USING INTEGER PRIMARY KEY \(rowid<\?\)/);
    });
  });

  describe('users', () => {
    it('finds a user by exact name by its unique index', async () => {
      expectSearched(await plansOf(() => users.page({ sort: 'username', limit: 100, username: 'user7' })), 'users');
    });

    it('continues a page of users after a name or an id by index', async () => {
      expectSearched(await plansOf(() => users.page({ sort: 'username', limit: 100, after: 'user20' })).then((p) => p.slice(0, 1)), 'users');
      expectSearched(await plansOf(() => users.page({ sort: '-created', limit: 100, after: 20 })).then((p) => p.slice(0, 1)), 'users');
    });
  });
});
