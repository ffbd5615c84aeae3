/**
 * The launch and stop events of sandboxes: stored, so a page opened later can replay them, and
 * broadcast, so open event streams see them as they happen.
 */
import { EventEmitter } from 'node:events';
import type { SandboxEvent } from '../contract/api.js';
import type { EventDetail } from '../contract/event-codes.js';
import type { SandboxEventRow, SandboxRepository } from '../store/sandboxes.js';
import type { SandboxState } from '../store/schema.js';

/** An event as the API gives it. */
export function toEvent(row: SandboxEventRow): SandboxEvent {
  return {
    id: row.id,
    sandboxId: row.sandbox_id,
    at: row.at,
    state: row.state,
    message: row.message,
    percent: row.percent,
    code: row.code,
    params: row.params === null ? null : (JSON.parse(row.params) as SandboxEvent['params']),
  };
}

export class SandboxEvents {
  private readonly emitter = new EventEmitter();

  constructor(private readonly repo: SandboxRepository) {
    this.emitter.setMaxListeners(0);
  }

  /**
   * Stores and broadcasts one event. `message` is in English; `detail`, where given, says the same
   * as a code with values that the dashboard translates.
   */
  async record(sandboxId: string, state: SandboxState, message: string, percent: number | null = null, detail?: EventDetail): Promise<SandboxEvent> {
    const coded = detail ? { code: detail.code, params: JSON.stringify(detail.params) } : {};
    const event = toEvent(await this.repo.addEvent({ sandboxId, state, message, percent, ...coded }));
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
