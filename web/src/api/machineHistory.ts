/**
 * The machines' samples as the dashboard keeps them: fetched whole once, then only what the hub
 * added since (GET /api/machines/history?since=), appended per machine and trimmed to the hub's
 * window. A machine with nothing new keeps its very array, so its charts (memoised on it) are
 * not drawn again; an answer with nothing new at all keeps the whole value.
 */
import type { MachineHistoryPage, MachineSample } from './types';

export interface MachineHistories {
  /** What to pass as `since` next time. */
  cursor: string;
  /** Each machine's samples by its name, oldest first, at most the hub's window. */
  byMachine: ReadonlyMap<string, readonly MachineSample[]>;
}

/** `held` brought up to date by one answer of the hub. */
export function mergeHistory(held: MachineHistories | undefined, page: MachineHistoryPage): MachineHistories {
  // A first answer, or the hub restarted (its samples started over): take what it has.
  if (!held || page.full) return { cursor: page.cursor, byMachine: new Map(page.machines.map((m) => [m.name, m.samples])) };
  if (page.machines.length === 0) return held.cursor === page.cursor ? held : { ...held, cursor: page.cursor };
  const byMachine = new Map(held.byMachine);
  for (const { name, samples } of page.machines) {
    const kept = byMachine.get(name) ?? [];
    byMachine.set(name, [...kept, ...samples].slice(-page.windowSamples));
  }
  return { cursor: page.cursor, byMachine };
}

/** The path that asks for what is newer than `held`, or for everything. */
export function historyPath(held: MachineHistories | undefined): string {
  return held ? `/api/machines/history?since=${encodeURIComponent(held.cursor)}` : '/api/machines/history';
}
