/**
 * Instruments a machine's runtime for the sandbox churn (sandbox-churn.ts): it slows `list`
 * down, the way a long reconcile pass over many engines is slow, since the reconciler reads the
 * live rows and only then lists the containers; it can slow create/start/remove a little to
 * vary interleavings; and it records every container the hub stops or removes, with the
 * sandbox it belonged to, when, and what that sandbox's row said at that moment.
 *
 * The runtime object is patched in place rather than wrapped, so that code checking its class
 * (the hub prepares the sandbox network only on a DockerRuntime) still sees what it made.
 */
import { LABELS, type ContainerInfo, type Runtime } from '../../src/runtime/types.js';
import type { SeededRandom } from './seeded-random.js';

/** One stop or removal of a sandbox's container, as the engine was asked for it. */
export interface ContainerRemoval {
  machine: string;
  op: 'stop' | 'remove';
  containerId: string;
  containerName: string;
  /** From the container's org.shiva.sandbox label. */
  sandboxId: string;
  /** Date.now() when the hub's call reached the engine. */
  at: number;
  /** The sandbox row's state when the call began; null when the row is not (yet) there. */
  rowState: string | null;
}

export interface ContainerWatchOptions {
  /** Draws the injected delays; its own source, so the driver's choices do not depend on them. */
  random: SeededRandom;
  /** Milliseconds waited before each list (min and max, drawn uniformly). */
  listDelayMs: readonly [number, number];
  /** Milliseconds waited before each create, start and remove; none when absent. */
  opDelayMs?: readonly [number, number];
}

/** What the watch reads of the world it runs in, once that world exists. */
export interface WatchedWorld {
  /** The sandbox's row state, or null when there is no row. */
  rowState(sandboxId: string): Promise<string | null>;
}

export class ContainerWatch {
  readonly removals: ContainerRemoval[] = [];
  /** Each watched machine's own list, without the injected delay (for the final checks). */
  private readonly lists = new Map<string, Runtime['list']>();
  private world: WatchedWorld = { rowState: async () => null };

  constructor(private readonly options: ContainerWatchOptions) {}

  /** Late binding: a hub makes its runtimes before its database and log are reachable from a test. */
  attach(world: WatchedWorld): void {
    this.world = world;
  }

  /** Patches `runtime` (the runtime of `machine`) in place and returns it. */
  instrument<R extends Runtime>(machine: string, runtime: R): R {
    const list = runtime.list.bind(runtime);
    const inspect = runtime.inspect.bind(runtime);
    const create = runtime.create.bind(runtime);
    const start = runtime.start.bind(runtime);
    const stop = runtime.stop.bind(runtime);
    const remove = runtime.remove.bind(runtime);
    this.lists.set(machine, list);

    runtime.list = async (labels) => {
      await this.pause(this.options.listDelayMs);
      return list(labels);
    };
    runtime.create = async (spec) => {
      await this.pause(this.options.opDelayMs);
      return create(spec);
    };
    runtime.start = async (id) => {
      await this.pause(this.options.opDelayMs);
      return start(id);
    };
    runtime.stop = async (id, timeoutSeconds) => {
      const seen = await this.before(machine, 'stop', id, inspect);
      await stop(id, timeoutSeconds);
      if (seen) this.removals.push(seen);
    };
    runtime.remove = async (id) => {
      await this.pause(this.options.opDelayMs);
      const seen = await this.before(machine, 'remove', id, inspect);
      await remove(id);
      if (seen) this.removals.push(seen);
    };
    return runtime;
  }

  /** Every container carrying all of `labels` on every watched machine, read without delay. */
  async containers(labels: Record<string, string>): Promise<Array<{ machine: string; container: ContainerInfo }>> {
    const found: Array<{ machine: string; container: ContainerInfo }> = [];
    for (const [machine, list] of this.lists) for (const container of await list(labels)) found.push({ machine, container });
    return found;
  }

  /**
   * Reads what is about to be stopped or removed; null when it is no sandbox's container or
   * is already gone (removing a missing container is not an error, and removes nothing). A
   * stop of a container that no longer runs stops nothing either.
   */
  private async before(machine: string, op: ContainerRemoval['op'], id: string, inspect: Runtime['inspect']): Promise<ContainerRemoval | null> {
    const container = await inspect(id).catch(() => null);
    const sandboxId = container?.labels[LABELS.sandbox];
    if (!container || !sandboxId) return null;
    if (op === 'stop' && container.state !== 'running') return null;
    const at = Date.now();
    const rowState = await this.world.rowState(sandboxId);
    return { machine, op, containerId: container.id, containerName: container.name, sandboxId, at, rowState };
  }

  private async pause(range: readonly [number, number] | undefined): Promise<void> {
    if (!range) return;
    const ms = this.options.random.int(range[0], range[1]);
    if (ms > 0) await new Promise((resolve) => setTimeout(resolve, ms));
  }
}
