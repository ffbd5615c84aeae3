/**
 * Every exit of a sandbox explained, and every out-of-memory kill seen, as the engine announces
 * them (Runtime.events), instead of at the reconciler's next pass with a bare exit code.
 *
 * One watcher per machine follows its engine's container events of this deployment:
 * - `oom`: a process of a running sandbox was killed for memory. The container usually lives on
 *   (Jupyter restarts the kernel) and only this event tells (DESIGN.md, known pitfalls): the
 *   sandbox gets an `oom_kill` event and the counter goes up.
 * - `kill` from outside the hub: its signal is remembered for the `die` that follows.
 * - `die` of a running sandbox the hub is not stopping itself: the container is inspected
 *   (State.OOMKilled, exit code, or already in removal) and its last log lines read, before
 *   anything removes it, and the sandbox ends through the lifecycle with the explained reason.
 * - `destroy` without a `die` handled: the container was removed behind the hub's back.
 *
 * The cursor of the last handled event is kept per machine (src/store/event-cursors.ts); after a
 * reconnect or a restart of the hub the watcher resumes from it, so an exit while the hub was
 * down is explained too. When the stream ends (the engine restarted) or fails, it reconnects
 * with a growing delay. The reconciler stays the backstop for what an engine no longer keeps.
 */
import type { Machine } from '../machines/registry.js';
import { LABELS, RuntimeError, type ContainerEvent, type EventQuery, type Runtime } from '../runtime/types.js';
import type { EventCursors } from '../store/event-cursors.js';
import type { SandboxRepository, SandboxRow } from '../store/sandboxes.js';
import type { SandboxEvents } from './events.js';
import { explainExit, formatGiB, limitGiB } from './exit-reason.js';
import type { SandboxLifecycle } from './lifecycle.js';
import { logTail, LOG_TAIL_LINES } from './log-tail.js';
import type { Logger } from './types.js';

export interface ExitWatchDeps {
  machine: Pick<Machine, 'name' | 'runtime'>;
  deploymentId: string;
  repo: SandboxRepository;
  lifecycle: SandboxLifecycle;
  events: SandboxEvents;
  cursors: EventCursors;
  log: Logger;
  /** Counts one out-of-memory kill in a sandbox (shiva_sandbox_oom_kills_total). */
  onOomKill: (row: SandboxRow) => void;
  /** The first and the longest wait before reconnecting, in milliseconds (default 200 and 5000). */
  backoffMs?: { first: number; max: number };
}

/** How often the events cursor is stored at most, in milliseconds. */
const CURSOR_SAVE_MS = 1000;
/** How often one sandbox's out-of-memory kills are said in its events and the log at most, in milliseconds. */
const OOM_EVENT_EVERY_MS = 60_000;

/** One machine's watcher, from `start` until `close`. */
export class ExitWatch {
  private readonly stopping = new AbortController();
  /** Signals sent from outside to containers that have not died yet, by container id. */
  private readonly signals = new Map<string, string>();
  /** Containers whose death was handled, so their `destroy` is not taken for a removal from outside. */
  private readonly handled = new Set<string>();
  /** When each sandbox's last out-of-memory event was recorded (ms). */
  private readonly oomSaidAt = new Map<string, number>();
  private running: Promise<void> | null = null;

  constructor(private readonly deps: ExitWatchDeps) {}

  /**
   * Handles the events the engine kept since the last cursor, then follows new ones in the
   * background. Resolves once the kept ones are handled (or could not be read: the engine does
   * not answer, and the watcher keeps trying), so the hub's first reconcile sees explained ends.
   */
  start(): Promise<void> {
    let caughtUp!: () => void;
    const ready = new Promise<void>((resolve) => (caughtUp = resolve));
    this.running = this.run(caughtUp).catch((err: unknown) => {
      this.deps.log.error({ machine: this.deps.machine.name, err: (err as Error).message }, 'exit watcher stopped');
      caughtUp();
    });
    return ready;
  }

  /** Stops following; resolves once the event being handled, if any, is done. */
  async close(): Promise<void> {
    this.stopping.abort();
    await this.running;
  }

  private async run(caughtUp: () => void): Promise<void> {
    const { machine, cursors, log } = this.deps;
    const { first, max } = this.deps.backoffMs ?? { first: 200, max: 5000 };
    const signal = this.stopping.signal;
    const kept = await cursors.get(machine.name);
    // Nothing kept yet (a new hub or machine): from now on; the reconciler settles the past.
    let cursor: string = kept ?? nowCursor();
    if (kept === null) await cursors.set(machine.name, cursor);
    let delay = first;
    let catchingUp = true;
    while (!signal.aborted) {
      try {
        const query: EventQuery = { labels: { [LABELS.deployment]: this.deps.deploymentId }, since: cursor, signal, ...(catchingUp ? { until: 'now' as const } : {}) };
        let saved = Date.now();
        try {
          for await (const event of machine.runtime.events(query)) {
            await this.handle(event);
            cursor = event.cursor;
            // At most once a second: a process in a sandbox can make the engine send events
            // without end (out-of-memory kills in a loop). An event seen again after a crash is
            // harmless: an ended sandbox is not ended twice.
            if (Date.now() - saved >= CURSOR_SAVE_MS) {
              await cursors.set(machine.name, cursor);
              saved = Date.now();
            }
            delay = first;
          }
        } finally {
          await cursors.set(machine.name, cursor);
        }
        if (catchingUp) {
          catchingUp = false;
          caughtUp();
          continue;
        }
        if (!signal.aborted) log.info({ machine: machine.name }, 'the engine ended its event stream: following it again');
      } catch (err) {
        if (signal.aborted) break;
        const level = err instanceof RuntimeError && err.kind === 'unavailable' ? 'debug' : 'warn';
        log[level]({ machine: machine.name, err: (err as Error).message }, 'could not follow the engine\'s events: trying again');
        if (catchingUp) caughtUp();
      }
      await sleep(delay, signal);
      delay = Math.min(delay * 2, max);
    }
    caughtUp();
  }

  /** Acts on one event; a failure is logged and the event counted as handled (the reconciler is the backstop). */
  private async handle(event: ContainerEvent): Promise<void> {
    const sandboxId = event.labels[LABELS.sandbox];
    if (!sandboxId) return;
    try {
      switch (event.action) {
        case 'oom':
          return await this.outOfMemory(sandboxId, event.containerId);
        case 'kill':
          // The hub's own stops send signals too; those sandboxes are claimed or no longer running.
          if (!this.deps.lifecycle.claimed(sandboxId) && event.signal !== null) this.signals.set(event.containerId, event.signal);
          return;
        case 'die':
          return await this.died(sandboxId, event.containerId);
        case 'destroy':
          if (!this.handled.delete(event.containerId)) await this.died(sandboxId, event.containerId, true);
          this.signals.delete(event.containerId);
          return;
        case 'stop':
          return;
      }
    } catch (err) {
      this.deps.log.warn({ machine: this.deps.machine.name, sandbox: sandboxId, action: event.action, err: (err as Error).message }, 'could not act on an engine event');
    }
  }

  /**
   * Counts an out-of-memory kill in the sandbox's current container, and says so in its events
   * and the log at most once a minute per sandbox: a process in a loop of kills would otherwise
   * write without end (the count and the metric still see every kill).
   */
  private async outOfMemory(sandboxId: string, containerId: string): Promise<void> {
    const row = await this.deps.repo.byId(sandboxId);
    if (!row || (row.state !== 'running' && row.state !== 'waiting' && row.state !== 'unknown')) return;
    // Another machine's view of the same engine, or an old container of the sandbox: not this one's.
    if (row.container_id !== containerId || row.machine !== this.deps.machine.name) return;
    const limit = formatGiB(row.memory_bytes);
    this.deps.onOomKill(row);
    await this.deps.repo.recordOomKill(row.id, new Date().toISOString());
    const now = Date.now();
    if (now - (this.oomSaidAt.get(row.id) ?? -Infinity) < OOM_EVENT_EVERY_MS) return;
    this.oomSaidAt.set(row.id, now);
    if (this.oomSaidAt.size > 1000) for (const [id, at] of this.oomSaidAt) if (now - at >= OOM_EVENT_EVERY_MS) this.oomSaidAt.delete(id);
    await this.deps.events.record(row.id, row.state, `A process was killed: out of memory at the ${limit} limit`, null, {
      code: 'oom_kill',
      params: { limitGiB: limitGiB(row.memory_bytes) },
    });
    this.deps.log.info({ user: row.username, sandbox: row.id, name: row.name, machine: row.machine, limit }, 'a process of a sandbox was killed: out of memory');
  }

  /** Ends a running sandbox whose container died (or was removed, `removed`) without the hub asking. */
  private async died(sandboxId: string, containerId: string, removed = false): Promise<void> {
    const { lifecycle, repo, machine } = this.deps;
    const signal = this.signals.get(containerId) ?? null;
    this.signals.delete(containerId);
    if (lifecycle.claimed(sandboxId)) return;
    const row = await repo.byId(sandboxId);
    if (!row || (row.state !== 'running' && row.state !== 'unknown') || row.container_id !== containerId) return;
    const runtime: Runtime = machine.runtime;
    const container = removed ? null : await runtime.inspect(containerId);
    const stillThere = container !== null && container.state !== 'removing';
    const tail = stillThere ? await runtime.logs(containerId, LOG_TAIL_LINES).then((text) => logTail(text, [row.token]), () => null) : null;
    const why = explainExit({ container, signal, memoryBytes: row.memory_bytes });
    if (!removed) this.handled.add(containerId);
    const outcome = await lifecycle.reconcile(row.id, row.version, { action: 'end', why, container: stillThere ? container : undefined, logTail: tail }, 'exits');
    // Changed or busy meanwhile: someone else is ending it, or the reconciler will.
    if (outcome !== 'done') this.handled.delete(containerId);
    // A container the hub never saw die leaves its id here at most until its destroy; keep the set small.
    if (this.handled.size > 1000) this.handled.clear();
  }
}

/** The cursor of the present moment: nanoseconds since the epoch. */
function nowCursor(): string {
  return (BigInt(Date.now()) * 1_000_000n).toString();
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
