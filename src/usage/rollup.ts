/**
 * The daily usage roll-up: what one ended sandbox adds to the `usage_days` table when it ends
 * (src/store/usage-days.ts). Its lifetime is cut at UTC midnights exactly as accounting.ts cuts
 * it, so a day read back from the roll-up holds the same integer milliseconds as the same day
 * worked out from the sandbox rows.
 */
import { isTerminal } from '../contract/sandbox-states.js';
import type { SandboxLifetime } from '../store/sandboxes.js';
import { DAY_MS, dayOf } from './range.js';
import type { UsageDaysTable } from '../store/schema.js';
import { gpuCount } from './tally.js';

/**
 * One row of the roll-up: per UTC day, user and size (CPU request, memory bytes, GPU count), the
 * ended sandboxes that ran that day and for how long (the table's row as src/store/schema.ts
 * declares it).
 */
export type UsageDayRow = UsageDaysTable;

/**
 * The roll-up rows one ended sandbox adds, one per UTC day it ran on (each with `sandboxes: 1`):
 * none for a live sandbox, one that never ran, one without a recorded end (accounting.ts counts
 * nothing for those either) or one that ran for no time at all.
 */
export function usageDaysOf(sandbox: SandboxLifetime): UsageDayRow[] {
  if (!isTerminal(sandbox.state) || sandbox.started_at === null || sandbox.stopped_at === null) return [];
  const from = Date.parse(sandbox.started_at);
  const until = Date.parse(sandbox.stopped_at);
  if (!(until > from)) return [];
  const rows: UsageDayRow[] = [];
  for (let midnight = Math.floor(from / DAY_MS) * DAY_MS; midnight < until; midnight += DAY_MS) {
    rows.push({
      day: dayOf(midnight),
      username: sandbox.username,
      cpu_request: sandbox.cpu_request,
      memory_bytes: sandbox.memory_bytes,
      gpus: gpuCount(sandbox.gpus),
      sandboxes: 1,
      started: from >= midnight ? 1 : 0,
      ms: Math.min(until, midnight + DAY_MS) - Math.max(from, midnight),
    });
  }
  return rows;
}
