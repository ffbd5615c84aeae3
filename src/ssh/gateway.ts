/**
 * The SSH gateway (docs/ssh.md): one SSH server on the hub, ssh2's, that signs users in by
 * public key and joins each session to a process inside their sandbox (Runtime.exec), with the
 * proxy's owner-only rule. Sessions, SFTP and `ssh -L` are served by session.ts and
 * forwarding.ts; who may sign in is authentication.ts's; which sandbox is target.ts's.
 *
 * Each signed-in connection is an open tunnel (src/proxy/open-tunnels.ts) held by its key, so
 * removing the key, disabling its owner, demoting an admin who entered another's sandbox, or the
 * sandbox stopping closes it at once, as it closes the proxy's WebSockets.
 *
 * Bounds before sign-in, after OpenSSH's sshd (waiting-room.ts): a connection has LOGIN_GRACE_MS
 * from its first byte to sign in (LoginGraceTime), at most MAX_UNSIGNED_PER_ADDRESS wait from one
 * address and MAX_UNSIGNED from all (MaxStartups); signed-in ones
 * are probed every KEEPALIVE_MS and dropped after KEEPALIVE_COUNT unanswered probes
 * (ClientAliveInterval / ClientAliveCountMax), and have at most MAX_SESSIONS sessions
 * (MaxSessions) and MAX_FORWARDS forwarded connections open at once.
 */
import { once } from 'node:events';
import net, { type AddressInfo } from 'node:net';
import ssh2, { type ClientInfo, type Connection, type Server as SshServer } from 'ssh2';
import { SignInLimiter, type SignInLimits } from '../auth/sign-in-limiter.js';
import { sshUser, type SshTarget } from '../contract/ssh.js';
import type { MachineRegistry } from '../machines/registry.js';
import type { SshCounts } from '../metrics/ssh-series.js';
import { ClosingTunnel, type ClientStream, type OpenTunnels } from '../proxy/open-tunnels.js';
import type { ProxyIdentity } from '../proxy/types.js';
import { RuntimeError, type ExecProcess } from '../runtime/types.js';
import type { ActivityRecorder } from '../sandboxes/activity.js';
import type { Logger } from '../sandboxes/types.js';
import type { AuditEntry, AuditLog } from '../store/audit.js';
import type { SandboxRepository } from '../store/sandboxes.js';
import type { SshKeyRepository } from '../store/ssh-keys.js';
import type { UserRepository } from '../store/users.js';
import { ConnectionSignIn, type SshIdentity } from './authentication.js';
import { serveForward } from './forwarding.js';
import type { HostKey } from './host-key.js';
import { serveSession, type SessionContext } from './session.js';
import { WaitingRoom } from './waiting-room.js';
import { reachedIfRunning, resolveTarget, type TargetResolution } from './target.js';

// ssh2 is CommonJS: Node's ESM loader gives its exports as the default only.
const { Server } = ssh2;

const LOGIN_GRACE_MS = 30_000;
const MAX_UNSIGNED = 256;
const MAX_UNSIGNED_PER_ADDRESS = 64;
const KEEPALIVE_MS = 15_000;
const KEEPALIVE_COUNT = 4;
/** Session channels (shells, commands, SFTP) one connection may have open at once: OpenSSH's MaxSessions. */
const MAX_SESSIONS = 10;
/** Forwarded connections (-L, -D) one connection may have open at once; a browser through -D opens dozens. */
const MAX_FORWARDS = 256;
/** How many of a user's recent sandboxes are read to say what became of a named one. */
const RECENT_LOOKBACK = 50;

export interface SshGatewayDeps {
  hostKey: HostKey;
  keys: SshKeyRepository;
  users: UserRepository;
  sandboxes: Pick<SandboxRepository, 'byId' | 'live' | 'recent'>;
  machines: Pick<MachineRegistry, 'get'>;
  tunnels: OpenTunnels;
  activity: Pick<ActivityRecorder, 'touch'>;
  audit: AuditLog;
  metrics: SshCounts;
  signInLimits: SignInLimits;
  /** `sandboxes.adminAccess`: admins' keys may reach other users' sandboxes. */
  adminAccess: boolean;
  /** An admin entered another user's sandbox (shown in the owner's events). */
  onAdminEntry?: (admin: string, keyId: string, sandboxId: string, address: string | null) => void;
  log: Logger;
}

export class SshGateway {
  /** The TCP listener: sockets go through the waiting room, then to the SSH server. */
  private readonly listener: net.Server;
  private readonly server: SshServer;
  private readonly limiter: SignInLimiter;
  private readonly room = new WaitingRoom({ graceMs: LOGIN_GRACE_MS, perAddress: MAX_UNSIGNED_PER_ADDRESS, total: MAX_UNSIGNED });
  private readonly sockets = new Set<net.Socket>();
  /** Audit entries of connections that ended, still being written: close() waits for them before the database goes. */
  private readonly recording = new Set<Promise<void>>();

  constructor(private readonly deps: SshGatewayDeps) {
    this.limiter = new SignInLimiter(deps.signInLimits);
    this.server = new Server(
      { hostKeys: [deps.hostKey.privateKey], ident: 'Shiva', keepaliveInterval: KEEPALIVE_MS, keepaliveCountMax: KEEPALIVE_COUNT },
      (client: Connection, info: ClientInfo) => this.accept(client, info),
    );
    this.listener = net.createServer((socket) => this.admit(socket));
    // A client that resets its connection mid-handshake is routine, not the hub's error.
    this.server.on('error', (err: Error) => deps.log.debug({ err: err.message }, 'SSH connection error before sign-in'));
  }

  /** Listens on host:port (0: any free port); resolves to the port. */
  listen(host: string, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      this.listener.once('error', onError);
      this.listener.listen(port, host, () => {
        this.listener.off('error', onError);
        resolve((this.listener.address() as AddressInfo).port);
      });
    });
  }

  /**
   * Stops listening, ends every connection, and waits until each has recorded its end: the hub
   * closes the database next, and an entry written after it would be lost (and fail unhandled).
   */
  async close(): Promise<void> {
    // Listened for after ssh2's own close handler, which emits the connection's close (and so
    // starts its entry) first.
    const gone = [...this.sockets].map((socket) => once(socket, 'close'));
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.listener.close(() => resolve()));
    await Promise.all(gone);
    await Promise.all(this.recording);
  }

  /** Writes an entry of a connection that ended, in the background; a failure is logged, never thrown. */
  private recordEnd(entry: AuditEntry): void {
    const write = this.deps.audit.record(entry).catch((err: Error) => this.deps.log.warn({ err: err.message, action: entry.action }, 'could not record an SSH audit entry'));
    this.recording.add(write);
    void write.finally(() => this.recording.delete(write));
  }

  private admit(socket: net.Socket): void {
    const admitted = this.room.admit(socket);
    if (admitted !== 'admitted') {
      // A refusal, or another connection cut to make room: either way one that waited too many.
      this.deps.metrics.failed('too_many_waiting');
      this.deps.log.warn({ address: socket.remoteAddress, why: admitted }, 'SSH connection waiting to sign in cut: too many were waiting');
      if (admitted === 'address_full') {
        socket.destroy();
        return;
      }
    }
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined);
    this.server.injectSocket(socket);
  }

  private accept(client: Connection, info: ClientInfo): void {
    const address = info.ip;
    const signedIn = () => this.room.signedIn(info.ip, info.port);
    const signIn = new ConnectionSignIn(
      { keys: this.deps.keys, users: this.deps.users, limiter: this.limiter, adminAccess: this.deps.adminAccess },
      address,
      () => client.end(),
    );
    let endingsBeforeCheck = this.deps.tunnels.endings;
    let opened: { identity: SshIdentity; at: number } | null = null;
    client.on('authentication', (ctx) => {
      endingsBeforeCheck = this.deps.tunnels.endings;
      signIn.handle(ctx).catch((err: Error) => {
        this.deps.log.warn({ err: err.message }, 'SSH sign-in check failed');
        ctx.reject();
      });
    });
    client.on('ready', () => {
      signedIn();
      const identity = signIn.identity!;
      opened = { identity, at: Date.now() };
      this.ready(client, identity, address, endingsBeforeCheck);
    });
    client.on('error', (err: Error) => this.deps.log.debug({ address, err: err.message }, 'SSH connection error'));
    client.on('close', () => {
      if (opened) {
        const { identity, at } = opened;
        this.recordEnd({
          actor: identity.username,
          action: 'ssh.disconnect',
          target: sshUser(identity.target.username, identity.target.sandbox),
          result: 'ok',
          address,
          details: { key: identity.fingerprint, seconds: Math.round((Date.now() - at) / 1000) },
        });
        return;
      }
      signIn.ended();
      if (signIn.refusal) {
        this.deps.metrics.failed(signIn.refusal);
        this.deps.log.info({ address, user: signIn.askedFor, reason: signIn.refusal }, 'SSH sign-in refused');
        this.recordEnd({ actor: null, action: 'ssh.connect', target: signIn.askedFor, result: 'refused', address, details: { reason: signIn.refusal } });
      }
    });
  }

  /**
   * A signed-in connection: its channel handlers are in place at once (a channel opened while
   * the connection is being recorded waits for it, rather than being refused), and it reaches
   * only the sandbox its user name reached when it signed in; one started since needs a new
   * connection, so that the connection's tunnel (which the sandbox's stop ends) is that sandbox's.
   */
  private ready(client: Connection, identity: SshIdentity, address: string, since: number): void {
    // Every process the connection started in the sandbox ends with it: a channel's own close
    // does not come while the client's unread input is stuck in it, nor for a forward confirmed
    // after the connection went.
    const processes = new Set<ExecProcess>();
    let gone = false;
    client.once('close', () => {
      gone = true;
      for (const proc of processes) proc.close();
    });
    const pinned = this.record(client, identity, address, since);
    pinned.catch((err: Error) => {
      this.deps.log.warn({ err: err.message }, 'SSH connection setup failed');
      client.end();
    });
    const context: SessionContext = {
      resolve: async () => {
        const sandboxId = await pinned;
        // Each channel (a -D browser opens dozens) asks once by id while the sandbox runs; the
        // whole resolution, with its words, only when it does not.
        const running = sandboxId ? reachedIfRunning(await this.deps.sandboxes.byId(sandboxId)) : null;
        if (running) return { ok: true, sandbox: running };
        const now = await this.resolve(identity.target);
        if (now.ok && now.sandbox.id !== sandboxId) {
          return { ok: false, message: `sandbox ${now.sandbox.name} started after this connection was made: connect again to reach it` };
        }
        return now;
      },
      exec: async (sandbox, spec) => {
        const machine = this.deps.machines.get(sandbox.machine);
        if (!machine) throw new RuntimeError('not_found', `machine ${sandbox.machine} is not configured`);
        // Each entry of an admin into another's sandbox is recorded (once an hour per key and sandbox).
        if (identity.asAdmin) this.deps.onAdminEntry?.(identity.username, identity.keyId, sandbox.id, address);
        const proc = await machine.runtime.exec(sandbox.containerId, spec);
        processes.add(proc);
        void proc.exit.then(() => processes.delete(proc));
        if (gone) proc.close();
        return proc;
      },
      touch: (sandbox) => this.deps.activity.touch(sandbox.id, 'ssh'),
      opened: () => this.deps.metrics.opened(),
      closed: () => this.deps.metrics.closed(),
      logFailure: (sandbox, err) =>
        this.deps.log.warn({ user: identity.username, sandbox: sandbox.id, err: err instanceof Error ? err.message : String(err) }, 'SSH session could not start in the sandbox'),
    };
    // Each channel is a process in the sandbox: a connection opens a bounded number at once.
    let sessions = 0;
    let forwards = 0;
    client.on('session', (accept, reject) => {
      if (sessions >= MAX_SESSIONS) return reject();
      sessions++;
      const session = accept();
      session.once('close', () => sessions--);
      serveSession(session, context);
    });
    client.on('tcpip', (accept, reject, info) => {
      if (forwards >= MAX_FORWARDS) return reject();
      forwards++;
      void serveForward(accept, reject, info, context)
        .catch(() => undefined)
        .finally(() => forwards--);
    });
    // Remote forwarding (-R) and its relatives would open a listener on the hub: refused.
    client.on('request', (_accept, reject, name) => {
      this.deps.log.info({ user: identity.username, request: name }, 'SSH request refused: the gateway takes no remote forwarding');
      reject?.();
    });
  }

  /**
   * Tracks the connection as an open tunnel of its key into the sandbox it reaches now, records
   * the key's use and audits it; resolves to that sandbox's id ('' when none runs). Rejects when
   * the key, its owner or the sandbox ended while the check waited (the tunnel registry says so).
   */
  private async record(client: Connection, identity: SshIdentity, address: string, since: number): Promise<string> {
    const first = await this.resolve(identity.target);
    const sandboxId = first.ok ? first.sandbox.id : '';
    const proxyIdentity: ProxyIdentity = { userId: identity.userId, username: identity.username, admin: identity.admin, via: 'ssh-key', credentialId: identity.keyId };
    const tunnel = new ClosingTunnel('ssh', proxyIdentity, sandboxId, identity.asAdmin, () => client.end());
    if (!this.deps.tunnels.track(tunnel, connectionStream(client), since)) {
      client.end();
      // Channels already waiting for this answer must not go on into the sandbox.
      throw new Error('its credential ended while it was being recorded');
    }
    await this.deps.keys.touch(identity.keyId, new Date().toISOString(), address);
    await this.deps.audit.record({
      actor: identity.username,
      action: 'ssh.connect',
      target: sshUser(identity.target.username, identity.target.sandbox),
      result: 'ok',
      address,
      details: { key: identity.fingerprint, sandbox: sandboxId || null, ...(identity.asAdmin ? { asAdmin: true } : {}) },
    });
    return sandboxId;
  }

  /** Which sandbox `target` reaches now. */
  private async resolve(target: SshTarget): Promise<TargetResolution> {
    const user = await this.deps.users.byName(target.username);
    if (!user) return { ok: false, message: `there is no user ${target.username}` };
    const live = await this.deps.sandboxes.live(user.id);
    const latest = target.sandbox === null ? undefined : (await this.deps.sandboxes.recent({ userId: user.id, limit: RECENT_LOOKBACK })).find((s) => s.name === target.sandbox);
    return resolveTarget(target, live, latest);
  }
}

/** The connection as the tunnel registry sees a client stream: closed once, ended by `end`. */
function connectionStream(client: Connection): ClientStream {
  let closed = false;
  client.once('close', () => (closed = true));
  return {
    get destroyed() {
      return closed;
    },
    destroy: () => client.end(),
    on: (_event, listener) => client.once('close', listener),
  };
}
