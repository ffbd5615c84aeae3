/**
 * Pulls of catalogue images to machines in the background: what an admin asks for (POST
 * /api/images/:name/pull) and what the hub pre-pulls to a machine that joins or comes back (the
 * entries with `prePull`), so that no launch waits for them. At most `concurrency` pulls run on
 * one machine at once and the others wait their turn in the order asked; a pull asked for again
 * while it is queued or running is that same pull. Every change of a pull is an event with an
 * increasing id, which GET /api/images/pulls/events streams and a client resumes after with
 * Last-Event-ID. Pulls live in memory: the ones under way and the last `keepEnded` that ended.
 */
import type { ImagePull } from '../contract/api.js';
import type { ImagePullState } from '../contract/image-pull-states.js';
import { ShivaError } from '../contract/errors.js';
import type { Machine } from '../machines/registry.js';
import { RuntimeError, type PullProgress } from '../runtime/types.js';
import type { Logger } from '../sandboxes/types.js';
import { systemActor, type AuditLog } from '../store/audit.js';
import type { ImageCatalogue } from './catalogue.js';

/** What a pull needs of a machine. */
export type PullTarget = Pick<Machine, 'name' | 'status' | 'runtime'>;

export interface ImagePullsDeps {
  machines: { get(name: string): PullTarget | undefined; list(): PullTarget[] };
  images: Pick<ImageCatalogue, 'find' | 'list' | 'credentialsFor'>;
  /** Pulls that run on one machine at once (images.pullConcurrency). */
  concurrency: number;
  audit: AuditLog;
  log: Logger;
  /** Hears of each pull that ended well (the hub lists that machine's images anew). */
  onPulled?: (machine: string) => void;
  /** Ended pulls kept for the list and for streams that resume (default 200). */
  keepEnded?: number;
}

/** Hears each change of a pull: its event id and the pull as it now stands. */
export type PullListener = (event: number, pull: ImagePull) => void;

interface Pull {
  view: ImagePull;
  /** The id of its latest event. */
  event: number;
  machine: PullTarget;
  controller: AbortController;
}

const DEFAULT_KEEP_ENDED = 200;
/** The longest reason kept: a registry's answer can be long, a list line should not be. */
const MAX_REASON = 500;

export class ImagePulls {
  private readonly pulls = new Map<string, Pull>();
  /** The pull queued or running per machine and reference: the one a second request joins. */
  private readonly active = new Map<string, Pull>();
  private readonly waiting = new Map<string, Pull[]>();
  private readonly running = new Map<string, number>();
  private readonly runs = new Set<Promise<void>>();
  private readonly ended: string[] = [];
  private readonly listeners = new Set<PullListener>();
  /**
   * Event ids start from the clock (microseconds), so that a client resuming with the
   * Last-Event-ID of a hub that has since restarted still gets everything of this one.
   */
  private seq = Date.now() * 1000;
  private closed = false;

  constructor(private readonly deps: ImagePullsDeps) {}

  /**
   * Queues a pull of the catalogue image `name` to the machine named, or to every machine, asked
   * by `by`; answers each machine's pull (a new one queued, or the one under way it joined).
   * Throws NO_SUCH_IMAGE or NO_SUCH_MACHINE, queueing nothing.
   */
  request(name: string, machineName: string | undefined, by: string): ImagePull[] {
    const entry = this.deps.images.find(name);
    if (!entry) {
      const why = name.includes('/') ? ' Saved environments are not pre-pulled: a launch pulls one where it is missing.' : '';
      throw new ShivaError('NO_SUCH_IMAGE', `No image named ${name} is in the catalogue.${why}`);
    }
    let targets: PullTarget[];
    if (machineName === undefined) {
      targets = this.deps.machines.list();
    } else {
      const machine = this.deps.machines.get(machineName);
      if (!machine) throw new ShivaError('NO_SUCH_MACHINE', `No machine named ${machineName} is configured.`);
      targets = [machine];
    }
    return targets.map((machine) => this.enqueue(entry.name, entry.image, machine, 'admin', by));
  }

  /**
   * Queues a pull of each prePull image the machine lacks (what its engine says now); answers
   * the pulls queued. An image whose presence cannot be read is left for the next time, logged.
   */
  async prePull(machine: PullTarget): Promise<ImagePull[]> {
    const queued: ImagePull[] = [];
    for (const { entry } of this.deps.images.list()) {
      if (!entry.prePull || this.closed) continue;
      try {
        if ((await machine.runtime.inspectImage(entry.image)) !== null) continue;
      } catch (err) {
        this.deps.log.warn({ machine: machine.name, image: entry.image, err: (err as Error).message }, 'pre-pull: could not tell whether the machine has the image');
        continue;
      }
      queued.push(this.enqueue(entry.name, entry.image, machine, 'prePull', systemActor('images')));
    }
    return queued;
  }

  /** The pulls under way and the recent ended ones, oldest first. */
  list(): ImagePull[] {
    return [...this.pulls.values()].map((p) => ({ ...p.view }));
  }

  /** Each pull changed after event `after`, as it stands now, with its latest event id; in event order. */
  changesSince(after: number): Array<{ event: number; pull: ImagePull }> {
    return [...this.pulls.values()]
      .filter((p) => p.event > after)
      .sort((a, b) => a.event - b.event)
      .map((p) => ({ event: p.event, pull: { ...p.view } }));
  }

  /** Calls `listener` with every change from now on; returns the way to stop. */
  subscribe(listener: PullListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Stops every pull: the running ones are cancelled, the queued ones fail; resolves once all have ended. */
  async close(): Promise<void> {
    this.closed = true;
    for (const queue of this.waiting.values()) {
      for (const pull of queue.splice(0)) await this.finish(pull, 'failed', 'the hub stopped before the pull began');
    }
    for (const pull of this.active.values()) pull.controller.abort(new HubStopped());
    await Promise.allSettled([...this.runs]);
  }

  private enqueue(name: string, ref: string, machine: PullTarget, trigger: ImagePull['trigger'], by: string): ImagePull {
    const key = activeKey(machine.name, ref);
    const joined = this.active.get(key);
    if (joined) return { ...joined.view };
    const pull: Pull = {
      view: {
        id: `pull-${++this.seq}`,
        image: name,
        ref,
        machine: machine.name,
        state: 'queued',
        bytesDone: null,
        bytesTotal: null,
        percent: null,
        reason: null,
        trigger,
        by,
        queuedAt: new Date().toISOString(),
        startedAt: null,
        endedAt: null,
      },
      event: 0,
      machine,
      controller: new AbortController(),
    };
    this.pulls.set(pull.view.id, pull);
    this.active.set(key, pull);
    this.changed(pull, {});
    // The pull as queued: a free slot starts it at once, which its events tell.
    const queued = { ...pull.view };
    if (this.closed) {
      void this.finish(pull, 'failed', 'the hub stopped before the pull began');
    } else {
      const queue = this.waiting.get(machine.name) ?? [];
      queue.push(pull);
      this.waiting.set(machine.name, queue);
      this.startWhatFits(machine.name);
    }
    return queued;
  }

  /** Starts the machine's waiting pulls while it has free slots. */
  private startWhatFits(machine: string): void {
    const queue = this.waiting.get(machine) ?? [];
    while (!this.closed && (this.running.get(machine) ?? 0) < this.deps.concurrency && queue.length > 0) {
      const pull = queue.shift()!;
      this.running.set(machine, (this.running.get(machine) ?? 0) + 1);
      const run = this.run(pull).finally(() => {
        this.runs.delete(run);
        this.running.set(machine, (this.running.get(machine) ?? 1) - 1);
        this.startWhatFits(machine);
      });
      this.runs.add(run);
    }
  }

  private async run(pull: Pull): Promise<void> {
    const { machine, view } = pull;
    this.changed(pull, { state: 'pulling', startedAt: new Date().toISOString() });
    try {
      // An engine that stopped answering may hang a pull rather than refuse it: fail at once.
      if (machine.status === 'down') throw new RuntimeError('unavailable', `${machine.name} does not answer`);
      // A token for this one repository where the registry has a token service (catalogue.ts).
      const credentials = await this.deps.images.credentialsFor(view.ref);
      await machine.runtime.pullImage(view.ref, (p) => this.progress(pull, p), pull.controller.signal, credentials);
    } catch (err) {
      await this.finish(pull, 'failed', this.reasonOf(pull, err));
      return;
    }
    await this.finish(pull, 'done', null);
    this.deps.onPulled?.(machine.name);
  }

  private progress(pull: Pull, p: PullProgress): void {
    if (pull.view.state !== 'pulling') return;
    this.changed(pull, {
      percent: p.percent === null ? null : Math.min(100, Math.max(0, Math.floor(p.percent))),
      bytesDone: p.bytes ? Math.floor(p.bytes.done) : pull.view.bytesDone,
      bytesTotal: p.bytes ? (p.bytes.total === null ? null : Math.floor(p.bytes.total)) : pull.view.bytesTotal,
    });
  }

  private async finish(pull: Pull, state: Extract<ImagePullState, 'done' | 'failed'>, reason: string | null): Promise<void> {
    const { view } = pull;
    this.active.delete(activeKey(view.machine, view.ref));
    this.changed(pull, { state, reason, endedAt: new Date().toISOString() });
    this.ended.push(view.id);
    while (this.ended.length > (this.deps.keepEnded ?? DEFAULT_KEEP_ENDED)) this.pulls.delete(this.ended.shift()!);
    const about = { machine: view.machine, image: view.ref, trigger: view.trigger };
    if (state === 'done') this.deps.log.info(about, 'image pulled');
    else this.deps.log.warn({ ...about, reason }, 'image pull failed');
    await this.deps.audit
      .record({ actor: view.by, action: 'image.pulled', target: view.image, result: state === 'done' ? 'ok' : 'failed', details: { ...about, ...(reason ? { reason } : {}) } })
      .catch((err: Error) => this.deps.log.warn({ err: err.message }, 'could not record an image pull in the audit log'));
  }

  private changed(pull: Pull, changes: Partial<ImagePull>): void {
    Object.assign(pull.view, changes);
    pull.event = ++this.seq;
    for (const listener of [...this.listeners]) listener(pull.event, { ...pull.view });
  }

  /**
   * Why a pull failed, for admins: the registry's or the engine's words as the runtime put them
   * (a missing tag, a registry that wants credentials, a full disk), never a stack; a bug's
   * text goes to the log only.
   */
  private reasonOf(pull: Pull, err: unknown): string {
    if (err instanceof HubStopped) return 'the hub stopped before the pull ended';
    if (err instanceof RuntimeError) {
      if (err.kind === 'unavailable') return `${pull.machine.name}'s container engine does not answer`;
      const line = err.message.replace(/\s+/g, ' ').trim();
      return line.length > MAX_REASON ? `${line.slice(0, MAX_REASON - 3)}...` : line;
    }
    this.deps.log.error({ machine: pull.view.machine, image: pull.view.ref, err: (err as Error).stack ?? String(err) }, 'image pull failed unexpectedly');
    return "the pull failed; the hub's log has the details";
  }
}

/** The reason the pulls of a stopping hub are aborted with. */
class HubStopped extends Error {
  constructor() {
    super('the hub is stopping');
    this.name = 'HubStopped';
  }
}

const activeKey = (machine: string, ref: string) => `${machine}\n${ref}`;
