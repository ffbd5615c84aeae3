/**
 * The hub's parts, made and wired once: data directory lock, database, accounts, machines,
 * images (images/hub-images.ts), sandboxes core, proxy and the periodic jobs. Whoever opens a
 * resource registers its close here.
 */
import type { Environments } from './environments/environments.js';
import type { EnvironmentSaver } from './environments/save.js';
import path from 'node:path';
import type { Config, MachineEntry } from './config/schema.js';
import { publicUrl } from './config/load.js';
import { Authenticator, type Identity } from './auth/authenticator.js';
import { credentialsFor } from './auth/authorization-header.js';
import { sweepEndedCredentials } from './auth/credential-sweep.js';
import { endCredentials, type CredentialSelector, type EndedCredentials } from './auth/end-credentials.js';
import { SANDBOX_COOKIE, sandboxCookieValues, SandboxSignIn } from './auth/sandbox-sign-in.js';
import { ensureAdmin } from './bootstrap.js';
import { OidcSignIn } from './auth/oidc.js';
import { HomesCheck, keepHomesRootPrivate, writeHomesMarker } from './machines/homes-check.js';
import { MachineRegistry } from './machines/registry.js';
import { hubFirewallAccess, prepareSandboxNetwork } from './machines/sandbox-networks.js';
import { PrometheusSource } from './machines/sources/prometheus.js';
import { HubMetrics } from './metrics/hub-metrics.js';
import { makeEnforcer } from './quota/enforcer.js';
import type { CommandRunner } from './quota/command.js';
import { HomeQuotas } from './quota/home-quotas.js';
import { OpenTunnels } from './proxy/open-tunnels.js';
import { sandboxOrigins, type SandboxOrigins } from './proxy/origins.js';
import { createProxy } from './proxy/proxy.js';
import { RouteTable } from './proxy/route-table.js';
import type { Proxy } from './proxy/types.js';
import { DockerRuntime } from './runtime/docker/docker-runtime.js';
import { sandboxControls } from './sandbox-controls.js';
import type { Runtime } from './runtime/types.js';
import { ActivityRecorder } from './sandboxes/activity.js';
import type { ImageCatalogue } from './images/catalogue.js';
import { hubImages } from './images/hub-images.js';
import type { ImagePulls } from './images/pulls.js';
import { hubActivityView } from './sandboxes/culling/activity-view.js';
import { Culler } from './sandboxes/culling/culler.js';
import { PendingStops } from './sandboxes/culling/pending-stops.js';
import { countsAsActivity } from './sandboxes/culling/traffic-rules.js';
import type { ActivityView } from './sandboxes/culling/types.js';
import { AdminEntries } from './sandboxes/admin-entries.js';
import { SandboxEvents } from './sandboxes/events.js';
import { HomeMaker } from './sandboxes/homes.js';
import { LastKnownStates } from './sandboxes/last-known.js';
import { ExitWatch } from './sandboxes/exits.js';
import { reconcile } from './sandboxes/reconcile.js';
import { SandboxService, type SandboxServiceDeps } from './sandboxes/service.js';
import { LiveSandboxStats } from './sandboxes/live-stats.js';
import { MemoryWarnings } from './sandboxes/memory-warnings.js';
import { HomesFilesystem } from './storage/homes-filesystem.js';
import type { Logger } from './sandboxes/types.js';
import { DATA_FILES } from './store/data-dir.js';
import { lockDataDir } from './store/data-dir-lock.js';
import { openDatabase, type Db } from './store/database.js';
import { EventCursors } from './store/event-cursors.js';
import { deploymentId, sandboxCookieKey } from './store/meta.js';
import { AuditRepository } from './store/audit.js';
import { HomeRepository } from './store/homes.js';
import { SandboxRepository } from './store/sandboxes.js';
import type { UsageSource } from './usage/report.js';
import { usageSourceOf } from './usage/source.js';
import { SessionRepository } from './store/sessions.js';
import { SshKeyRepository } from './store/ssh-keys.js';
import { SshGateway } from './ssh/gateway.js';
import { loadOrCreateHostKey, type HostKey } from './ssh/host-key.js';
import { TokenRepository } from './store/tokens.js';
import { UserRepository } from './store/users.js';

export interface HubOptions {
  log: Logger;
  env?: NodeJS.ProcessEnv;
  /** Builds the runtime of a machine; Docker by default. */
  makeRuntime?: (entry: MachineEntry) => Runtime;
  /** Printed once: the generated admin password, and similar. */
  announce?: (message: string) => void;
  /** The nvidia-smi to run for the hub's own machine's GPUs. */
  nvidiaSmi?: string;
  /** Seconds the hub's clock is behind the identity provider's (tests use it to age tokens). */
  oidcClockSkewSeconds?: number;
  /** Start the periodic reconcile and flush jobs (off in some tests, which call them by hand). */
  timers?: boolean;
  /** How the hard quota backends run their commands (tests record them); child_process by default. */
  quotaCommands?: CommandRunner;
}

export interface Hub {
  config: Readonly<Config>;
  publicUrl: string;
  /** Where browsers reach each sandbox: its own origin, or the hub's in path-only mode. */
  origins: SandboxOrigins;
  /** The one-time codes and cookies that sign a browser in to a sandbox origin. */
  sandboxSignIn: SandboxSignIn;
  deploymentId: string;
  db: Db;
  users: UserRepository;
  tokens: TokenRepository;
  audit: AuditRepository;
  sandboxesRepo: SandboxRepository;
  /** Usage reports read the daily roll-up, and the rows of live sandboxes and of today. */
  usage: UsageSource;
  auth: Authenticator;
  /** Company sign-in, when configured. */
  oidc: OidcSignIn | null;
  machines: MachineRegistry;
  routes: RouteTable;
  activity: ActivityRecorder;
  /**
   * When each sandbox was last really active, from every source (docs/culling.md, "What counts
   * as activity"); asked by the culler, it runs no timer of its own.
   */
  activityView: ActivityView;
  events: SandboxEvents;
  sandboxes: SandboxService;
  /** What may be launched: the configured catalogue, the registry's images and saved environments. */
  images: ImageCatalogue;
  /** Saved environments: who may see each, the limits, deleting (src/environments/). */
  environments: Environments;
  /** "Save my environment": commits, pushes and records a running sandbox. */
  saver: EnvironmentSaver;
  /** Pulls of catalogue images to machines, asked by admins or pre-pulls (src/images/pulls.ts). */
  imagePulls: ImagePulls;
  proxy: Proxy;
  /** Open WebSockets, proxied requests in flight and event streams, by the credential that opened them. */
  tunnels: OpenTunnels;
  /** Prometheus series, served at /metrics. */
  metrics: HubMetrics;
  /** Public keys that sign in over SSH. */
  sshKeys: SshKeyRepository;
  /** The SSH gateway (not yet listening: whoever runs the hub listens it), or null with ssh.enabled false. */
  ssh: SshGateway | null;
  /** The gateway's host key, shown to users so they can check it; null with ssh.enabled false. */
  sshHostKey: HostKey | null;
  /** Each running sandbox's CPU and memory, refreshed with the machines. */
  liveStats: LiveSandboxStats;
  /** Free and total bytes of homes.root, read with the machines and fresh at each launch. */
  homesFilesystem: HomesFilesystem;
  /** Home usage and quotas: the figures, the measurements, the launch check. */
  homeQuotas: HomeQuotas;
  /** Warns of and stops idle sandboxes (src/sandboxes/culling/culler.ts); its timer runs with the others. */
  culler: Culler;
  log: Logger;
  reconcile(): ReturnType<typeof reconcile>;
  /**
   * Closes the tunnels of sessions and tokens that no longer stand in the database (ended by
   * another process, expired, gone idle); runs every `auth.tokenCacheSeconds` (src/auth/credential-sweep.ts).
   * Resolves to how many it closed.
   */
  sweepCredentials(): Promise<number>;
  /**
   * Ends credentials everywhere at once: deletes the selected sessions or tokens, forgets their
   * cached identities and closes every tunnel they opened, logging each with `reason`
   * (src/auth/end-credentials.ts says what each selector covers).
   */
  endCredentials(selector: CredentialSelector, reason: string): Promise<EndedCredentials>;
  /** Writes what is only in memory (activity, token use) to the database. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

export async function createHub(config: Readonly<Config>, options: HubOptions): Promise<Hub> {
  const { log } = options;
  const lock = lockDataDir(config.dataDir);
  const closers: Array<() => Promise<void> | void> = [() => lock.release()];
  try {
    const db = await openDatabase(path.join(config.dataDir, DATA_FILES.database));
    closers.unshift(() => db.destroy());
    const users = new UserRepository(db, { first: config.identity.firstUid, last: config.identity.lastUid });
    const tokens = new TokenRepository(db);
    const sshKeys = new SshKeyRepository(db);
    const sandboxesRepo = new SandboxRepository(db);
    const usage = usageSourceOf(db);
    const audit = new AuditRepository(db);
    // Accounts from before per-user uids get theirs before anyone can launch (src/store/user-ids.ts).
    for (const given of await users.backfillIds()) log.info({ user: given.username, uid: given.uid, gid: given.gid }, 'user given a uid');
    for (const entry of config.images.catalogue) {
      if (entry.uid !== undefined) log.warn({ image: entry.name }, 'images.catalogue[].uid is ignored: sandboxes run as their owner\'s uid (docs/configuration.md)');
    }
    await ensureAdmin(users, options.env ?? process.env, options.announce ?? ((m) => log.info({}, m)));
    const sessions = new SessionRepository(db);
    const auth = new Authenticator({
      users,
      sessions,
      tokens,
      sessionHours: config.auth.sessionHours,
      sessionIdleHours: config.auth.sessionIdleHours,
      localSignIn: config.auth.local.enabled ? 'all' : config.auth.local.breakGlassAdmin ? 'admin-only' : 'none',
      cacheSeconds: config.auth.tokenCacheSeconds,
      signInLimits: config.auth.signInAttempts,
    });
    const makeRuntime =
      options.makeRuntime ??
      ((entry: MachineEntry) =>
        new DockerRuntime({
          url: entry.docker,
          tls: entry.tls,
          ssh: entry.ssh,
          sandboxNetwork: { name: config.sandboxes.network, bridge: entry.bridge ?? config.sandboxes.network },
        }));
    const depId = await deploymentId(db);
    const machines = MachineRegistry.fromConfig(config, makeRuntime, {
      // Asked from the first refresh on, once the catalogue below is assembled.
      imageRefs: () => images.list().map(({ entry }) => entry.image),
      nvidiaSmi: options.nvidiaSmi,
      prometheus: config.prometheus ? new PrometheusSource(config.prometheus) : null,
      homes: await homesCheck(config, depId, log),
      onHomesChange: (m) => {
        if (m.homes?.ready) log.info({ machine: m.name }, 'machine sees the shared homes: ready for launches');
        else log.warn({ machine: m.name, reason: m.homes?.reason }, 'machine does not see the shared homes: no launches there until it does');
      },
    });
    const events = new SandboxEvents(sandboxesRepo);
    const { images, registryCatalogue, environments, saver, imagePulls, prePull } = await hubImages({
      config,
      env: options.env ?? process.env,
      db,
      machines,
      audit,
      sandboxesRepo,
      events,
      log,
      onClose: (close) => closers.unshift(close),
    });
    await machines.refresh();
    for (const m of machines.list()) {
      if (m.status === 'down') log.warn({ machine: m.name, err: m.error }, 'machine does not answer');
    }
    await warnAboutMissingImages(config, machines, log);
    // The prePull images a machine lacks, when it joins (now) and when it comes back (below).
    for (const m of machines.list()) if (m.status === 'up') prePull(m);
    const firewallAccess = hubFirewallAccess();
    await Promise.all(machines.list().filter((m) => m.status === 'up').map((m) => prepareSandboxNetwork(m, firewallAccess, log)));
    for (const m of machines.list()) {
      if (m.runtime instanceof DockerRuntime && m.runtime.plainRemote) {
        log.warn(
          { machine: m.name, engine: m.runtime.address },
          'this engine is reached over plain TCP: anyone who can reach its port controls it as root; use TLS (tls key) or ssh://',
        );
      }
    }
    const routes = new RouteTable();
    const tunnels = new OpenTunnels(log);
    const activity = new ActivityRecorder();
    // GPU readings are kept from the next health check on.
    const { view: activityView } = hubActivityView({ activity, routes, machines, log });
    const liveStats = new LiveSandboxStats({ repo: sandboxesRepo, machines });
    const url = publicUrl(config);
    const origins = sandboxOrigins(url, config.hub.sandboxDomain);
    if (origins.mode === 'path-only') {
      log.warn(
        { publicUrl: url },
        "hub.sandboxDomain is not set and the public URL is not on loopback: sandboxes share the hub's origin, so a page a user puts in their sandbox can act for whoever opens it (see docs/security.md)",
      );
    }
    const sandboxSignIn = new SandboxSignIn(await sandboxCookieKey(db));
    const oidcSettings = config.auth.oidc;
    const oidc = oidcSettings
      ? new OidcSignIn({
          settings: oidcSettings,
          clientSecret: (options.env ?? process.env).SHIVA_OIDC_CLIENT_SECRET,
          callbackUrl: `${url}/api/auth/oidc/callback`,
          users,
          clockSkewSeconds: options.oidcClockSkewSeconds,
        })
      : null;
    const homesFilesystem = new HomesFilesystem({ root: config.homes.root!, minFreePercent: config.storage.minFreePercent, log });
    await homesFilesystem.refreshWithin();
    const homeQuotas = new HomeQuotas({
      config,
      users,
      repo: sandboxesRepo,
      events,
      log,
      enforcer: makeEnforcer(config, {
        jobs: () => machines.homesMachine(config.storage.quota.machine).jobs,
        run: options.quotaCommands,
      }),
    });
    const idleStops = new PendingStops();
    const deps: SandboxServiceDeps = {
      idleStops,
      images,
      // A full filesystem first: it is nobody's fault, and freeing one's home would not help.
      admission: [() => homesFilesystem.checkRoomForLaunch(), (actor) => homeQuotas.checkLaunch(actor.userId)],
      config,
      repo: sandboxesRepo,
      machines,
      routes,
      events,
      activity,
      deploymentId: depId,
      origins,
      audit,
      users,
      homes: new HomeMaker({ root: config.homes.root!, deploymentId: depId, records: new HomeRepository(db) }),
      log,
      liveStats,
    };
    const sandboxes = new SandboxService(deps);
    const memoryWarnings = new MemoryWarnings({ repo: sandboxesRepo, events, stats: liveStats, log });
    const metrics = new HubMetrics({
      ...deps,
      routes,
      liveStats,
      homesFilesystem,
      allocation: (machine) => sandboxes.ledger.usedOn(machine),
      homes: async () => (await users.list()).map((row) => ({ user: row.username, bytes: row.home_bytes, quotaBytes: homeQuotas.quotaOf(row) })),
    });
    closers.unshift(() => metrics.close());
    closers.unshift(() => sandboxes.abortLaunches());
    await sandboxes.restoreHoldings();
    // A machine already down at start-up: its sandboxes are unknown, as if it went down now.
    for (const m of machines.list()) if (m.status === 'down') await sandboxes.markUnknown(m.name);
    const culler = new Culler({
      config,
      repo: sandboxesRepo,
      users,
      activity: activityView,
      events,
      stop: (id, by, reason, event) => sandboxes.stopByHub(id, by, reason, event),
      audit,
      pending: idleStops,
      counted: (reason) => metrics.culled.culled(reason),
      log,
    });
    const lastKnown = await LastKnownStates.load(sandboxesRepo, events);
    closers.unshift(() => lastKnown.close());
    const adminEntries = new AdminEntries({ audit, events, repo: sandboxesRepo, log });
    const proxy = createProxy({
      onAdminEntry: (identity, route, address) => void adminEntries.note(identity.username, identity.credentialId ?? '', route.sandboxId, address),
      routes,
      authenticate: (req) => {
        const hit = auth.cached(req);
        return hit !== undefined ? hit : auth.fromRequest(req);
      },
      // Only what counts (docs/culling.md): a page's own polls and static files do not.
      activity: { touch: (sandboxId, kind) => activity.touch(sandboxId, kind), counts: countsAsActivity },
      describe: (user, name) => lastKnown.get(user, name),
      authenticateSandbox: (req, label): Identity | null | Promise<Identity | null> => {
        // A sandbox origin knows bearer tokens and its own cookie only, never the hub's session.
        if (credentialsFor(req.headers.authorization, 'bearer') !== null) {
          const hit = auth.cached(req);
          return hit !== undefined ? hit : auth.fromRequest(req);
        }
        for (const value of sandboxCookieValues(req.headers.cookie)) {
          const sessionId = sandboxSignIn.sessionOf(label, value);
          if (sessionId !== null) return auth.cachedSessionId(sessionId) ?? auth.fromSessionId(sessionId);
        }
        return null;
      },
      origins,
      authorizeUrl: `${url}/api/sandboxes/authorize`,
      signIn: sandboxSignIn,
      adminAccess: config.sandboxes.adminAccess,
      trustProxy: config.hub.trustProxy,
      sandboxCookieName: SANDBOX_COOKIE,
      loginPath: '/login',
      log,
      metrics: metrics.proxy,
      tunnels,
      controls: sandboxControls({
        audit,
        sandboxes,
        idleStops,
        keep: { activity, culler },
        endCredentials: (selector, reason) => endCredentials({ sessions, tokens, sshKeys, auth, tunnels }, selector, reason),
      }),
    });
    closers.unshift(() => proxy.close());
    closers.unshift(() => tunnels.clear());
    const sshHostKey = config.ssh.enabled ? loadOrCreateHostKey(config.dataDir) : null;
    const ssh = sshHostKey
      ? new SshGateway({
          hostKey: sshHostKey,
          keys: sshKeys,
          users,
          sandboxes: sandboxesRepo,
          machines,
          tunnels,
          activity,
          audit,
          metrics: metrics.ssh,
          signInLimits: config.auth.signInAttempts,
          adminAccess: config.sandboxes.adminAccess,
          onAdminEntry: (admin, keyId, sandboxId, address) => void adminEntries.note(admin, keyId, sandboxId, address, 'ssh'),
          log,
        })
      : null;
    if (ssh) closers.unshift(() => ssh.close());

    const sweepCredentials = (): Promise<number> =>
      sweepEndedCredentials({ tunnels, auth, sshKeyStands: (id) => sshKeys.stands(id), endCredentials: (selector, reason) => endCredentials({ sessions, tokens, sshKeys, auth, tunnels }, selector, reason) });

    const flush = async (): Promise<void> => {
      await sandboxesRepo.recordActivity(activity.drain());
      await tokens.touch(auth.drainTokenUse());
      await sessions.touch(auth.drainSessionUse());
      await sessions.deleteExpired(new Date().toISOString(), auth.idleSince());
      await audit.deleteOlderThan(new Date(Date.now() - config.audit.retentionDays * 86_400_000).toISOString());
    };
    // One reconcile at a time: the timer's and the one a machine coming back starts share it.
    let reconciling: ReturnType<typeof reconcile> | null = null;
    const runReconcile = () => (reconciling ??= reconcile(deps, sandboxes).finally(() => (reconciling = null)));
    machines.onStatusChange((machine) => {
      if (machine.status === 'down') {
        log.warn({ machine: machine.name, err: machine.error }, 'machine stopped answering: its sandboxes are unknown until it is back');
        void sandboxes.markUnknown(machine.name).catch((err: Error) => log.warn({ err: err.message }, 'marking sandboxes unknown failed'));
      } else {
        log.info({ machine: machine.name }, 'machine answers again: reconciling its sandboxes');
        void prepareSandboxNetwork(machine, firewallAccess, log);
        prePull(machine);
        void runReconcile().catch((err: Error) => log.warn({ err: err.message }, 'reconcile failed'));
      }
    });
    // Each machine's exits explained as its engine announces them; the exits it kept from while the
    // hub was down are handled before the first reconcile, so they keep their explained reasons.
    const cursors = new EventCursors(db);
    const exitWatches = machines.list().map((machine) => ({
      machine,
      watch: new ExitWatch({
        machine,
        deploymentId: depId,
        repo: sandboxesRepo,
        lifecycle: sandboxes.lifecycle,
        events,
        cursors,
        log,
        onOomKill: (row) => metrics.countOomKill(row.username, row.machine),
      }),
    }));
    closers.unshift(() => Promise.all(exitWatches.map(({ watch }) => watch.close())).then(() => undefined));
    await Promise.all(exitWatches.map(({ machine, watch }) => (machine.status === 'up' ? watch.start() : void watch.start())));
    const report = await runReconcile();
    log.info({ ...report, deployment: depId }, 'reconciled sandboxes with the engines');
    // What was flushed before a restart still counts: idle time does not start again from the launch.
    for (const row of await sandboxesRepo.live()) activity.restore(row.id, row.last_activity_at);

    if (options.timers !== false) {
      const every = (seconds: number, job: () => Promise<unknown>, what: string) => {
        let running = false;
        const timer = setInterval(() => {
          if (running) return;
          running = true;
          job()
            .catch((err: Error) => log.warn({ err: err.message }, `${what} failed`))
            .finally(() => (running = false));
        }, seconds * 1000);
        timer.unref();
        closers.unshift(() => clearInterval(timer));
      };
      every(
        config.sandboxes.reconcileIntervalSeconds,
        async () => {
          const passed = await runReconcile();
          // A pass that changed something, or left something for the next, says so; a quiet one only at debug.
          const acted = passed.ended + passed.removedOrphans + passed.deferred > 0 || passed.unreachableMachines.length > 0;
          log[acted ? 'info' : 'debug']({ ...passed }, 'reconciled sandboxes with the engines');
        },
        'reconcile',
      );
      every(config.sandboxes.activityFlushSeconds, flush, 'activity flush');
      every(config.storage.quota.measureIntervalSeconds, () => homeQuotas.measureNow(), 'home measurement');
      every(Math.max(1, config.auth.tokenCacheSeconds), sweepCredentials, 'credential sweep');
      every(config.health.intervalSeconds, async () => {
        await machines.refresh();
        await liveStats.refresh();
        await memoryWarnings.check();
      }, 'machine health check');
      every(config.health.intervalSeconds, () => homesFilesystem.refresh(), 'homes filesystem reading');
      if (registryCatalogue && config.registry) {
        void registryCatalogue.refresh();
        every(config.registry.refreshSeconds, () => registryCatalogue.refresh(), 'registry catalogue listing');
      }
      culler.start();
      closers.unshift(() => culler.stop());
    }
    closers.unshift(flush);

    return {
      config,
      publicUrl: url,
      origins,
      sandboxSignIn,
      deploymentId: depId,
      db,
      users,
      tokens,
      audit,
      sandboxesRepo,
      usage,
      auth,
      oidc,
      machines,
      routes,
      activity,
      activityView,
      images,
      environments,
      saver,
      imagePulls,
      events,
      sandboxes,
      proxy,
      tunnels,
      metrics,
      sshKeys,
      ssh,
      sshHostKey,
      liveStats,
      homesFilesystem,
      homeQuotas,
      culler,
      log,
      reconcile: runReconcile,
      sweepCredentials,
      endCredentials: (selector, reason) => endCredentials({ sessions, tokens, sshKeys, auth, tunnels }, selector, reason),
      flush,
      async close() {
        for (const close of closers.splice(0)) {
          try {
            await close();
          } catch (err) {
            log.warn({ err: (err as Error).message }, 'error while closing the hub');
          }
        }
      },
    };
  } catch (err) {
    for (const close of closers) await Promise.resolve(close()).catch(() => undefined);
    throw err;
  }
}

/** A missing catalogue image is pulled at first launch; say so early, since offline engines cannot. */
/**
 * The check of each machine's view of homes.root (machines/homes-check.ts): the marker is written
 * anew at every start, so a machine still showing an older hub's or an older start's marker is
 * caught too. None with `homes.check: none`, for a hub that cannot see homes.root.
 */
async function homesCheck(config: Readonly<Config>, deploymentId: string, log: Logger): Promise<HomesCheck | null> {
  if (config.homes.check === 'none') return null;
  const root = config.homes.root!;
  let expected: string;
  try {
    const was = await keepHomesRootPrivate(root);
    if (was !== null) log.warn({ root, mode: was.toString(8) }, 'homes.root was open to other local accounts; made it 0700');
    expected = await writeHomesMarker(root, deploymentId);
  } catch (err) {
    throw new Error(
      `cannot write the homes marker into homes.root ${root} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}): mount the shared homes on the hub, or set homes.check to none if the hub cannot see them`,
    );
  }
  return new HomesCheck({
    root,
    expected,
    deploymentId,
    intervalMs: config.homes.checkIntervalSeconds * 1000,
  });
}

async function warnAboutMissingImages(config: Readonly<Config>, machines: MachineRegistry, log: Logger): Promise<void> {
  for (const machine of machines.list().filter((m) => m.status === 'up')) {
    // A prePull image that is missing is being pulled now, and says so itself.
    for (const image of config.images.catalogue.filter((i) => !i.prePull)) {
      const present = await machine.runtime.inspectImage(image.image).catch(() => null);
      if (!present) {
        log.warn(
          { machine: machine.name, image: image.image },
          'image not on this machine yet: it will be pulled at first launch (build the bundled ones with scripts/build-images.sh)',
        );
      }
    }
  }
}
