/**
 * The launch and stop events of sandboxes: stored, so a page opened later can replay them, and
 * broadcast, so open event streams see them as they happen.
 */
import { EventEmitter } from 'node:events';
import type { SandboxEvent } from '../contract/api.js';
import type { SandboxEventRow, SandboxRepository } from '../store/sandboxes.js';
import type { SandboxState } from '../store/schema.js';

export function toEvent(row: SandboxEventRow): SandboxEvent {
  return { id: row.id, sandboxId: row.sandbox_id, at: row.at, state: row.state, message: row.message, percent: row.percent };
}

export class SandboxEvents {
  private readonly emitter = new EventEmitter();

  constructor(private readonly repo: SandboxRepository) {
    this.emitter.setMaxListeners(0);
  }

  async record(sandboxId: string, state: SandboxState, message: string, percent: number | null = null): Promise<SandboxEvent> {
    const event = toEvent(await this.repo.addEvent({ sandboxId, state, message, percent }));
    this.emitter.emit(sandboxId, event);
    this.emitter.emit('*', event);
    return event;
  }

  async history(sandboxId: string, afterId = 0): Promise<SandboxEvent[]> {
    return (await this.repo.events(sandboxId, afterId)).map(toEvent);
  }

  /** Calls `listener` for each new event of the sandbox (or of all, with '*'); returns the unsubscribe. */
  subscribe(sandboxId: string | '*', listener: (event: SandboxEvent) => void): () => void {
    this.emitter.on(sandboxId, listener);
    return () => this.emitter.off(sandboxId, listener);
  }
}
