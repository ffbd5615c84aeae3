/**
 * The sandboxes core's dependencies for tests that run it without a hub (src/sandboxes/*.test.ts,
 * the lifecycle conformance worlds): an in-memory database with the given users, each machine's
 * runtime from `makeRuntime`, a fresh route table, and a log that is silent unless given.
 */
import pino, { type Logger } from 'pino';
import type { Config, MachineEntry } from '../../src/config/schema.js';
import { MachineRegistry } from '../../src/machines/registry.js';
import { sandboxOrigins } from '../../src/proxy/origins.js';
import { RouteTable } from '../../src/proxy/route-table.js';
import type { Runtime } from '../../src/runtime/types.js';
import { ActivityRecorder } from '../../src/sandboxes/activity.js';
import { SandboxEvents } from '../../src/sandboxes/events.js';
import { HomeMaker } from '../../src/sandboxes/homes.js';
import type { AdmissionCheck, SandboxServiceDeps } from '../../src/sandboxes/service.js';
import type { Actor } from '../../src/sandboxes/types.js';
import { AuditRepository } from '../../src/store/audit.js';
import { openDatabase, type Db } from '../../src/store/database.js';
import { HomeRepository } from '../../src/store/homes.js';
import { SandboxRepository } from '../../src/store/sandboxes.js';
import { UserRepository } from '../../src/store/users.js';

export interface CoreDeps {
  deps: SandboxServiceDeps & { routes: RouteTable };
  db: Db;
  audit: AuditRepository;
  /** The users made, by name; `root` (when asked for) is an admin. */
  actors: Map<string, Actor>;
  /** The users table, whole (the core sees only `byId`). */
  users: UserRepository;
}

/**
 * Builds the core's dependencies over a fresh in-memory database, refreshes the machines once
 * (so their status and capacities are known) and makes `users` (`root` as an admin). The
 * launch checks are `admission` (none when absent).
 */
export async function coreDeps(args: {
  config: Readonly<Config>;
  makeRuntime: (entry: MachineEntry) => Runtime;
  deploymentId: string;
  users: readonly string[];
  log?: Logger;
  /** The launch checks, as the hub wires them (homes filesystem, then quota); none by default. */
  admission?: readonly AdmissionCheck[];
}): Promise<CoreDeps> {
  const db = await openDatabase(':memory:');
  const userRepo = new UserRepository(db);
  const actors = new Map<string, Actor>();
  for (const username of args.users) {
    const admin = username === 'root';
    const user = (await userRepo.create({ username, passwordHash: null, role: admin ? 'admin' : 'user' }))!;
    actors.set(username, { userId: user.id, username, admin });
  }
  const repo = new SandboxRepository(db);
  const audit = new AuditRepository(db);
  const machines = MachineRegistry.fromConfig(args.config, args.makeRuntime);
  const deps = {
    config: args.config,
    repo,
    machines,
    routes: new RouteTable(),
    events: new SandboxEvents(repo),
    activity: new ActivityRecorder(),
    deploymentId: args.deploymentId,
    origins: sandboxOrigins('http://hub.test', undefined),
    audit,
    users: userRepo,
    homes: new HomeMaker({ root: args.config.homes.root!, deploymentId: args.deploymentId, records: new HomeRepository(db) }),
    log: args.log ?? pino({ level: 'silent' }),
    admission: args.admission ?? [],
  };
  await deps.machines.refresh();
  return { deps, db, audit, actors, users: userRepo };
}
