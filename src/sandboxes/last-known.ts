/**
 * The last known state of each `user/name`, in memory, for the proxy's "not running" page: the
 * proxy never waits on the database. Seeded from recent sandboxes, kept up by their events
 * (rare enough that one lookup per event costs nothing).
 */
import type { SandboxRepository, SandboxRow } from '../store/sandboxes.js';
import type { SandboxEvents } from './events.js';

export interface KnownState {
  state: string;
  reason: string | null;
}

export class LastKnownStates {
  private readonly states = new Map<string, KnownState>();
  private readonly unsubscribe: () => void;

  private constructor(repo: SandboxRepository, events: SandboxEvents) {
    this.unsubscribe = events.subscribe('*', (e) => {
      void repo.byId(e.sandboxId).then((row) => row && this.note(row));
    });
  }

  static async load(repo: SandboxRepository, events: SandboxEvents): Promise<LastKnownStates> {
    const known = new LastKnownStates(repo, events);
    // Newest first: the first row seen for a name is its latest sandbox.
    for (const row of await repo.recent({ limit: 1000 })) {
      const key = `${row.username}/${row.name}`;
      if (!known.states.has(key)) known.states.set(key, { state: row.state, reason: row.reason });
    }
    return known;
  }

  get(user: string, name: string): KnownState | undefined {
    return this.states.get(`${user}/${name}`);
  }

  close(): void {
    this.unsubscribe();
  }

  private note(row: SandboxRow): void {
    this.states.set(`${row.username}/${row.name}`, { state: row.state, reason: row.reason });
  }
}
