/**
 * The one owner of sandbox state. Every change of a sandbox's state goes through here, with its
 * side effects: the row (a compare-and-set on its version; an ending adds the sandbox's usage to
 * the daily roll-up in the same database transaction), the proxy's route, the room it holds in
 * the ledger, the removal of its container, its event and the log line. Launch, stop, the
 * reconciler and machine health ask; nothing else writes a sandbox row or a route.
 *
 * Transitions of one sandbox are serialised (a lock per sandbox id): each re-reads the row under
 * the lock and checks the move against src/sandboxes/transitions.ts, so a decision taken on what
 * was read earlier cannot undo what another actor did since. Long work (a pull, a readiness wait)
 * runs outside the lock; the launch and a stop in progress hold a claim on the sandbox instead,
 * and the reconciler leaves claimed sandboxes alone.
 */
import AsyncLock from 'async-lock';
import { isLive } from '../contract/sandbox-states.js';
import type { EventDetail } from '../contract/event-codes.js';
import type { MachineRegistry } from '../machines/registry.js';
import { RuntimeError, type ContainerInfo } from '../runtime/types.js';
import type { Ledger } from '../scheduler/ledger.js';
import { systemActor, type AuditLog } from '../store/audit.js';
import { now } from '../store/database.js';
import type { NewSandbox, SandboxChanges, SandboxRepository, SandboxRow } from '../store/sandboxes.js';
import type { ActivityRecorder } from './activity.js';
import type { SandboxEvents } from './events.js';
import { nextState, TRANSITIONS, type TransitionName } from './transitions.js';
import type { Logger, Routes, SandboxRoute } from './types.js';

export interface LifecycleDeps {
  repo: SandboxRepository;
  routes: Routes;
  events: SandboxEvents;
  machines: MachineRegistry;
  activity: ActivityRecorder;
  ledger: Ledger;
  audit: AuditLog;
  log: Logger;
  /** How long a stop lets the container's processes end before the engine kills them. */
  stopTimeoutSeconds: number;
}

/** An event to record with a transition: English message, and code with values for the dashboard. */
export interface TransitionEvent {
  message: string;
  detail?: EventDetail;
}

/** What the reconciler decided about one live sandbox, from its row and the container listed after. */
export type ReconcileDecision =
  /** Its container runs: route it (again), and bring an `unknown` sandbox back to running. */
  | { action: 'adopt'; container: ContainerInfo }
  /**
   * A running (or unknown) sandbox whose container is gone or exited: end it, keeping the last
   * lines its server wrote (secrets removed) when they could be read.
   */
  | { action: 'end'; why: string; container: ContainerInfo | undefined; logTail?: string | null }
  /** A launch no launch in this hub works on (a hub died halfway): remove its container and fail it. */
  | { action: 'abandon'; container: ContainerInfo | undefined }
  /** A stop nobody is finishing (deferred while the machine was down, or a hub died): finish it. */
  | { action: 'finishStop'; container: ContainerInfo | undefined };

/** What became of a reconciler's decision: done, or left for the next pass and why. */
export type ReconcileOutcome = 'done' | 'busy' | 'changed';

/** Who acts, for the log: a user's name, or what the hub does by itself. */
export type ActorName = string;

/** The fields every lifecycle log line of a sandbox carries (docs/operations.md, "Logs"). */
export const who = (row: Pick<SandboxRow, 'id' | 'username' | 'name' | 'machine'>) => ({
  user: row.username,
  sandbox: row.id,
  name: row.name,
  machine: row.machine,
});

export class SandboxLifecycle {
  // maxPending: a burst of transitions of one sandbox must queue, never be refused.
  private readonly lock = new AsyncLock({ maxPending: Infinity });
  /** Sandboxes a launch or a stop in this process is working on, with how many claims each. */
  private readonly claims = new Map<string, number>();

  constructor(private readonly deps: LifecycleDeps) {}

  /**
   * Marks a sandbox as worked on (a launch from admission to its end, a stop from its ask to its
   * end) until the returned function is called. The reconciler does not act on claimed sandboxes.
   */
  claim(id: string): () => void {
    this.claims.set(id, (this.claims.get(id) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.claims.get(id) ?? 1) - 1;
      if (left > 0) this.claims.set(id, left);
      else this.claims.delete(id);
    };
  }

  /** Whether a launch or a stop in this process is working on the sandbox. */
  claimed(id: string): boolean {
    return this.claims.has(id);
  }

  /**
   * Records an admitted launch as `queued` (its room is already reserved in the ledger under its
   * id). Answers what the repository's insert answers; on anything but 'ok' the room is released.
   */
  async admit(row: NewSandbox & { id: string }, maxPerUser: number, event: TransitionEvent): Promise<'ok' | 'name_taken' | 'limit'> {
    const outcome = await this.deps.repo.insertLaunch(row, maxPerUser).catch((err: unknown) => {
      this.deps.ledger.release(row.id);
      throw err;
    });
    if (outcome !== 'ok') {
      this.deps.ledger.release(row.id);
      return outcome;
    }
    await this.deps.events.record(row.id, 'queued', event.message, null, event.detail);
    return outcome;
  }

  /**
   * A launch step (pull, create, start, wait), with what it learnt (the container id, its
   * endpoint). False when the sandbox is no longer where the step starts from: a stop came first.
   */
  async advance(id: string, transition: 'pull' | 'create' | 'start' | 'wait', event: TransitionEvent, changes: SandboxChanges = {}): Promise<boolean> {
    return this.serialised(id, async () => {
      const row = await this.current(id, transition);
      if (!row) return false;
      await this.write(row, transition, changes);
      await this.deps.events.record(id, TRANSITIONS[transition].to, event.message, null, event.detail);
      return true;
    });
  }

  /** Records a pull's progress; a pull that a stop overtook records nothing. */
  async progress(id: string, percent: number, event: TransitionEvent): Promise<void> {
    await this.serialised(id, async () => {
      const row = await this.deps.repo.byId(id);
      if (row?.state === 'pulling') await this.deps.events.record(id, 'pulling', event.message, percent, event.detail);
    });
  }

  /**
   * The server answers: sets the route first and then announces `running`, so whoever sees the
   * state can open the URL at once. False (and no route) when a stop came first.
   */
  async ready(id: string, route: SandboxRoute, event: TransitionEvent): Promise<boolean> {
    return this.serialised(id, async () => {
      const row = await this.current(id, 'ready');
      if (!row) return false;
      this.deps.routes.set(route);
      await this.write(row, 'ready', { started_at: now() });
      await this.deps.events.record(id, 'running', event.message, null, event.detail);
      return true;
    });
  }

  /**
   * A launch failed (`fail`: its container, when it made one, is removed) or was cut by the hub's
   * shutdown (`cut`: the container is left for the next start's reconciler). The container is
   * removed even when a stop overtook the launch, since the stop may not know its id yet.
   * Returns whether the sandbox was still launching and is now failed.
   */
  async failLaunch(id: string, how: 'fail' | 'cut', reason: string, message: string, containerId: string | null): Promise<boolean> {
    return this.serialised(id, async () => {
      const row = await this.deps.repo.byId(id);
      if (!row) return false;
      const removed = how === 'fail' && containerId && row.state !== 'running' ? await this.removeContainer(row, containerId, 'the launch failed', 'launch') : true;
      if (!nextState(row.state, how)) return false;
      await this.write(row, how, { reason, stopped_at: now() }, { keepRoom: !removed });
      await this.deps.events.record(id, 'failed', message);
      return true;
    });
  }

  /** A launch a stop overtook removes the container it made (the stop may not know its id yet). */
  async discardLaunchContainer(id: string, containerId: string): Promise<void> {
    await this.serialised(id, async () => {
      const row = await this.deps.repo.byId(id);
      if (row && row.state !== 'running') await this.removeContainer(row, containerId, 'stopped while launching', 'launch');
    });
  }

  /**
   * Marks a live sandbox `stopping`, keeping `reason` as what ends it unless the stop is
   * overtaken. Returns the row as it is now, or null when it had already ended.
   */
  async askStop(id: string, reason: string, by: ActorName, event: TransitionEvent): Promise<SandboxRow | null> {
    return this.serialised(id, async () => {
      const row = await this.deps.repo.byId(id);
      if (!row) return null;
      // Asked again while a stop waits for its machine: that stop goes on, with its first reason.
      if (row.state === 'stopping') return row;
      if (!nextState(row.state, 'askStop')) return null;
      const after = await this.write(row, 'askStop', { reason });
      await this.deps.events.record(id, 'stopping', event.message, null, event.detail);
      this.deps.log.info({ ...who(row), by, reason }, 'stop asked');
      return after;
    });
  }

  /**
   * Finishes a stop: route, container (stopped within the stop timeout, then removed), row, room.
   * When the machine does not answer, the sandbox stays `stopping` with its room until the
   * reconciler can remove the container. Returns what happened.
   */
  async finishStop(id: string, by: ActorName): Promise<'ended' | 'deferred' | 'not_stopping'> {
    return this.serialised(id, async () => {
      const row = await this.deps.repo.byId(id);
      if (!row || row.state !== 'stopping') return 'not_stopping';
      return this.endWithContainer(row, row.reason ?? 'stopped', row.container_id, by);
    });
  }

  /** Its machine stopped answering: a running sandbox becomes `unknown`, keeps its room, loses its route. */
  async lose(id: string, machine: string): Promise<boolean> {
    return this.serialised(id, async () => {
      // A machine that answers again before this got here: the sandbox runs on, routed.
      if (this.deps.machines.get(machine)?.status !== 'down') return false;
      const row = await this.current(id, 'lose');
      if (!row) return false;
      this.dropRoute(row);
      await this.write(row, 'lose', {});
      await this.deps.events.record(id, 'unknown', `Its machine ${machine} stopped answering; the sandbox is kept and comes back when the machine does`, null, {
        code: 'machine_silent',
        params: { machine },
      });
      return true;
    });
  }

  /**
   * Acts on what the reconciler decided from the row it read at `version` and the containers it
   * listed after. Under the sandbox's lock it re-reads the row: a sandbox a launch or stop works
   * on is left alone ('busy'), and one whose row changed since it was read is left for the next
   * pass ('changed'), since the listing may predate that change. Every removal is logged at info.
   */
  async reconcile(id: string, version: number, decision: ReconcileDecision, by: 'reconciler' | 'exits' = 'reconciler'): Promise<ReconcileOutcome> {
    // Checked before the lock too: a stop holds the lock while the engine stops its container
    // (up to the stop timeout), and the pass must not wait on it only to answer 'busy'.
    if (this.claimed(id)) return 'busy';
    return this.serialised(id, async () => {
      if (this.claimed(id)) return 'busy';
      const row = await this.deps.repo.byId(id);
      if (!row || row.version !== version) return 'changed';
      /** The reconciler's (and the exit watcher's) destructive acts are audited under its system actor, beside being logged. */
      const audit = (action: string, details: Record<string, unknown>) =>
        this.deps.audit.record({ actor: systemActor(by), action, target: `${row.username}/${row.name}`, result: 'ok', details: { sandbox: row.id, ...details } });
      switch (decision.action) {
        case 'adopt': {
          const { container } = decision;
          const { host, port } = container.endpoint!;
          if (row.state === 'unknown') {
            this.deps.routes.set(routeOf(row, { host, port }));
            await this.write(row, 'regain', { host, port, container_id: container.id });
            await this.deps.events.record(id, 'running', `Its machine ${row.machine} answers again and the sandbox is still running`, null, {
              code: 'machine_back',
              params: { machine: row.machine },
            });
            this.deps.log.info({ ...who(row), container: container.id, containerName: container.name }, 'reconcile: a sandbox of a machine that answers again is still running');
            return 'done';
          }
          const routed = this.deps.routes.get(row.username, row.name);
          const same = routed?.sandboxId === id && routed.target.host === host && routed.target.port === port;
          if (row.host !== host || row.port !== port || row.container_id !== container.id) {
            // The engine restarted the container on another port, or a hub died before saving it.
            await this.write(row, 'adopt', { host, port, container_id: container.id });
          }
          if (!same) {
            this.deps.routes.set(routeOf(row, { host, port }));
            this.deps.log.info({ ...who(row), container: container.id, containerName: container.name }, 'reconcile: adopted a running sandbox');
          }
          return 'done';
        }
        case 'end': {
          // Listed after the row was read and the row unchanged since: a container the listing
          // lacks is gone, and only one it shows (exited) is left to remove.
          const containerId = decision.container?.id ?? null;
          this.deps.log.info({ ...who(row), container: containerId ?? row.container_id, reason: decision.why, by }, 'reconcile: ending a sandbox whose container is gone');
          const outcome = await this.endWithContainer(row, decision.why, containerId, by, decision.logTail ?? null);
          await audit('sandbox.stop', { reason: decision.why, container: containerId ?? row.container_id, outcome });
          return 'done';
        }
        case 'abandon': {
          const reason = 'The hub restarted while this sandbox was launching; launch it again.';
          const containerId = decision.container?.id ?? null;
          const removed = containerId ? await this.removeContainer(row, containerId, 'a launch no hub is working on', by) : true;
          await this.write(row, 'abandon', { reason, stopped_at: now() }, { keepRoom: !removed });
          await this.deps.events.record(id, 'failed', reason);
          this.deps.log.info({ ...who(row), state: row.state, container: containerId }, 'reconcile: ended a launch a hub that died left halfway');
          await audit('sandbox.stop', { reason: 'a launch no hub is working on', state: row.state, container: containerId, removed });
          return 'done';
        }
        case 'finishStop': {
          await this.endWithContainer(row, row.reason ?? 'stopped', decision.container?.id ?? null, by);
          return 'done';
        }
      }
    });
  }

  /**
   * Removes a container of this hub's deployment that no live sandbox owns, unless, re-read under
   * the lock, its sandbox turned out live or worked on (a launch that began after the rows were
   * read). Returns whether it was removed.
   */
  async removeOrphan(machineName: string, container: ContainerInfo, sandboxId: string | undefined): Promise<boolean> {
    const remove = async (): Promise<boolean> => {
      const machine = this.deps.machines.get(machineName);
      if (!machine) return false;
      const reason = 'no live sandbox owns it';
      const fields = { machine: machineName, sandbox: sandboxId ?? null, container: container.id, containerName: container.name, reason, by: 'reconciler' };
      const audit = (result: 'ok' | 'failed') =>
        this.deps.audit.record({ actor: systemActor('reconciler'), action: 'container.remove', target: container.name, result, details: { machine: machineName, sandbox: sandboxId ?? null, reason } });
      try {
        await machine.runtime.remove(container.id);
      } catch (err) {
        // Still there: said as it is, and tried again next pass. Its sandbox's room stays held.
        this.deps.log.warn({ ...fields, err: (err as Error).message }, 'reconcile: could not remove a container no sandbox owns');
        await audit('failed');
        return false;
      }
      this.deps.log.info(fields, 'reconcile: removed a container no sandbox owns');
      await audit('ok');
      // The room of an ended sandbox whose container outlived it (its removal had failed) is free now.
      if (sandboxId) this.deps.ledger.release(sandboxId);
      return true;
    };
    if (!sandboxId) return remove();
    if (this.claimed(sandboxId)) return false;
    return this.serialised(sandboxId, async () => {
      if (this.claimed(sandboxId)) return false;
      const row = await this.deps.repo.byId(sandboxId);
      if (row && isLive(row.state)) return false;
      return remove();
    });
  }

  /**
   * Drops a route whose sandbox is not running (a safety net: every transition away from
   * running drops its route itself). Logged, since it means something was missed.
   */
  async dropStaleRoute(route: SandboxRoute): Promise<boolean> {
    if (this.claimed(route.sandboxId)) return false;
    return this.serialised(route.sandboxId, async () => {
      if (this.claimed(route.sandboxId)) return false;
      const row = await this.deps.repo.byId(route.sandboxId);
      if (row?.state === 'running') return false;
      if (this.deps.routes.get(route.user, route.name)?.sandboxId !== route.sandboxId) return false;
      this.deps.routes.delete(route.user, route.name);
      this.deps.log.info({ user: route.user, name: route.name, sandbox: route.sandboxId, state: row?.state ?? null }, 'reconcile: dropped the route of a sandbox that is not running');
      return true;
    });
  }

  /**
   * Lets go of room held by sandboxes that ended (should one have been missed). Only ids the
   * database shows ended are released (a launch reserves before its row exists), and none in
   * `withContainer`: sandboxes whose container the engines still show, or whose machine could
   * not be seen, keep their room (and GPUs) until the container is gone.
   */
  async releaseEnded(liveIds: ReadonlySet<string>, withContainer: ReadonlySet<string>): Promise<number> {
    let released = 0;
    for (const id of this.deps.ledger.heldIds()) {
      if (liveIds.has(id) || withContainer.has(id) || this.claimed(id)) continue;
      const row = await this.deps.repo.byId(id);
      if (row && !isLive(row.state)) {
        this.deps.ledger.release(id);
        this.deps.log.info({ ...who(row), state: row.state }, 'reconcile: released the room of a sandbox that ended');
        released++;
      }
    }
    return released;
  }

  /** Runs `fn` with the sandbox's lock held: no other transition of it interleaves. */
  private serialised<T>(id: string, fn: () => Promise<T>): Promise<T> {
    return this.lock.acquire(id, fn);
  }

  /** The row, if `transition` may start from its state now. */
  private async current(id: string, transition: TransitionName): Promise<SandboxRow | null> {
    const row = await this.deps.repo.byId(id);
    return row && nextState(row.state, transition) ? row : null;
  }

  /**
   * Writes a transition by compare-and-set on the row's version, then its bookkeeping: an ending
   * drops the route and releases the room. Returns the row as written. Throws when the table
   * forbids the move or the version moved: both mean a writer bypassed the lock, a bug to hear of.
   */
  private async write(row: SandboxRow, transition: TransitionName, changes: SandboxChanges, options: { keepRoom?: boolean } = {}): Promise<SandboxRow> {
    const to = nextState(row.state, transition);
    if (!to) throw new Error(`sandbox ${row.id}: ${transition} is not allowed from ${row.state}`);
    if (!(await this.deps.repo.transition(row.id, row.version, { ...changes, state: to }))) {
      throw new Error(`sandbox ${row.id} changed under its lock (version ${row.version})`);
    }
    if (TRANSITIONS[transition].ends) {
      this.dropRoute(row);
      // A container the engine would not remove may still run on the sandbox's GPUs: its room
      // stays held until the reconciler removes it (removeOrphan), so no one else gets them.
      if (options.keepRoom) this.deps.log.warn({ ...who(row), state: to }, 'the sandbox ended but its container could not be removed: its room stays held until the reconciler removes it');
      else this.deps.ledger.release(row.id);
    }
    return { ...row, ...changes, state: to, version: row.version + 1 } as SandboxRow;
  }

  /** Deletes the sandbox's route, and only its own: a relaunch under the same name keeps its. */
  private dropRoute(row: SandboxRow): void {
    if (this.deps.routes.get(row.username, row.name)?.sandboxId === row.id) this.deps.routes.delete(row.username, row.name);
  }

  /** Stops and removes the container, then ends the sandbox; defers while its machine does not answer. */
  private async endWithContainer(row: SandboxRow, reason: string, containerId: string | null, by: ActorName, logTail: string | null = null): Promise<'ended' | 'deferred'> {
    const { machines, log } = this.deps;
    const began = performance.now();
    this.dropRoute(row);
    const machine = machines.get(row.machine);
    let removed = true;
    if (containerId && machine) {
      // A container on a machine that does not answer may still run and hold its GPUs: the
      // sandbox stays `stopping` (and keeps its room) until the reconciler can remove it.
      if (machine.status === 'down') return this.defer(row, reason, `${machine.name} does not answer`);
      try {
        await machine.runtime.stop(containerId, this.deps.stopTimeoutSeconds);
        await machine.runtime.remove(containerId);
        log.info({ ...who(row), container: containerId, reason, by }, 'container removed');
      } catch (err) {
        if (err instanceof RuntimeError && err.kind === 'unavailable') {
          log.warn({ sandbox: row.id, err: err.message }, 'the engine did not answer a stop');
          return this.defer(row, reason, `${machine.name} does not answer`);
        }
        // The engine answered but refused: the record ends; the container is the reconciler's
        // to remove, and until then it keeps the sandbox's room.
        log.warn({ sandbox: row.id, container: containerId, err: (err as Error).message }, 'could not remove the container of a stopped sandbox');
        removed = false;
      }
    }
    const lastActivity = this.deps.activity.last(row.id);
    this.deps.activity.forget(row.id);
    await this.write(row, 'end', { stopped_at: now(), reason, ...(logTail !== null ? { log_tail: logTail } : {}), ...(lastActivity ? { last_activity_at: lastActivity } : {}) }, { keepRoom: !removed });
    await this.deps.events.record(row.id, 'stopped', `Stopped: ${reason}`);
    // `ms`: what the stop took; `ranSeconds`: how long it had been running (null: it never ran).
    const ranSeconds = row.started_at ? Math.round((Date.now() - Date.parse(row.started_at)) / 1000) : null;
    log.info({ ...who(row), reason, by, ms: Math.round(performance.now() - began), ranSeconds }, 'sandbox stopped');
    return 'ended';
  }

  private async defer(row: SandboxRow, reason: string, why: string): Promise<'deferred'> {
    if (row.state !== 'stopping' || row.reason !== reason) {
      await this.write(row, 'defer', { reason });
      await this.deps.events.record(row.id, 'stopping', `Stopping: ${reason}; ${why}, so its container is removed when it answers again`);
      this.deps.log.info({ ...who(row), reason, why }, 'stop deferred until the machine answers');
    }
    return 'deferred';
  }

  /**
   * Removes a container of a sandbox that is not running, and says so in the log. Returns
   * whether it is gone (a machine no longer configured counts as gone: nothing can reach it).
   */
  private async removeContainer(row: SandboxRow, containerId: string, reason: string, by: ActorName): Promise<boolean> {
    const runtime = this.deps.machines.get(row.machine)?.runtime;
    if (!runtime) return true;
    try {
      await runtime.remove(containerId);
      this.deps.log.info({ ...who(row), container: containerId, reason, by }, 'container removed');
      return true;
    } catch (err) {
      this.deps.log.warn({ ...who(row), container: containerId, err: (err as Error).message }, 'could not remove a container');
      return false;
    }
  }
}

const routeOf = (row: SandboxRow, target: { host: string; port: number }): SandboxRoute => ({
  sandboxId: row.id,
  user: row.username,
  name: row.name,
  target,
  token: row.token,
});

