/**
 * Docker's container events (GET /events, one JSON object a line) as the Runtime contract's
 * ContainerEvents. The engine answers `since` and `until` in seconds with a nanosecond fraction
 * and takes `since` inclusively: events at the cursor itself are dropped here, so a caller that
 * resumes from its last cursor never sees that event twice.
 */
import { createInterface } from 'node:readline';
import type { ContainerEvent, ContainerEventAction, EventQuery } from '../types.js';

/** The actions asked of the engine: what explains an exit, and nothing more. */
export const WATCHED_ACTIONS: readonly ContainerEventAction[] = ['oom', 'kill', 'die', 'stop', 'destroy'];

/** The fields of one line of Docker's event stream read here (API 1.22 and later). */
export interface EngineEvent {
  Type?: string;
  Action?: string;
  Actor?: { ID?: string; Attributes?: Record<string, string> };
  timeNano?: number | string;
  time?: number;
}

/** Docker's `since`/`until` form of a cursor: seconds, a dot, nine digits of nanoseconds. */
export function engineTime(cursor: string): string {
  const ns = BigInt(cursor);
  const seconds = ns / 1_000_000_000n;
  const fraction = (ns % 1_000_000_000n).toString().padStart(9, '0');
  return `${seconds}.${fraction}`;
}

/** The cursor of the present moment (nanoseconds since the epoch, as a string). */
export function cursorNow(): string {
  return (BigInt(Date.now()) * 1_000_000n).toString();
}

/** The query string fields of GET /events for `query` (without the signal). */
export function eventsOptions(query: Pick<EventQuery, 'labels' | 'since' | 'until'>): { since?: string; until?: string; filters: Record<string, string[]> } {
  const filters = {
    type: ['container'],
    event: [...WATCHED_ACTIONS],
    label: Object.entries(query.labels).map(([key, value]) => `${key}=${value}`),
  };
  const until = query.until === 'now' ? cursorNow() : query.until;
  return {
    ...(query.since !== null ? { since: engineTime(query.since) } : {}),
    ...(until !== undefined ? { until: engineTime(until) } : {}),
    filters,
  };
}

/**
 * The engine's `signal` attribute when it looks like one (a number or a name such as SIGKILL),
 * else null: Docker copies a container's labels, its image's included, over the attributes, so
 * an image may put any text there, and the text ends up in a stop reason.
 */
function signalOf(value: string | undefined): string | null {
  return value !== undefined && /^(\d{1,2}|(SIG)?[A-Z][A-Z0-9+-]{1,9})$/.test(value) ? value : null;
}

/** One line of the stream as a ContainerEvent, or null for anything else (another type, an action not asked for, a broken line). */
export function toContainerEvent(line: string): ContainerEvent | null {
  let data: EngineEvent;
  try {
    data = JSON.parse(line) as EngineEvent;
  } catch {
    return null;
  }
  const action = data.Action as ContainerEventAction | undefined;
  if (data.Type !== 'container' || !action || !WATCHED_ACTIONS.includes(action) || !data.Actor?.ID) return null;
  const attributes = data.Actor.Attributes ?? {};
  const cursor = data.timeNano !== undefined ? String(data.timeNano) : data.time !== undefined ? String(BigInt(data.time) * 1_000_000_000n) : null;
  if (cursor === null || !/^\d+$/.test(cursor)) return null;
  const exit = action === 'die' ? Number(attributes.exitCode) : NaN;
  return {
    action,
    containerId: data.Actor.ID,
    // The attributes hold the labels beside the image and name; the caller filters by label anyway.
    labels: { ...attributes },
    exitCode: Number.isInteger(exit) ? exit : null,
    signal: action === 'kill' ? signalOf(attributes.signal) : null,
    cursor,
  };
}

/**
 * The events of an opened stream, in order, after `since`. Ends when the engine closes the
 * stream or the signal aborts it (no error then: the caller asked for the end).
 */
export async function* readEvents(stream: NodeJS.ReadableStream, since: string | null, signal: AbortSignal): AsyncGenerator<ContainerEvent> {
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  const after = since === null ? null : BigInt(since);
  const onAbort = (): void => {
    lines.close();
    (stream as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
  };
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    for await (const line of lines) {
      const event = toContainerEvent(line);
      if (!event) continue;
      if (after !== null && BigInt(event.cursor) <= after) continue;
      yield event;
    }
  } catch (err) {
    if (!signal.aborted) throw err;
  } finally {
    signal.removeEventListener('abort', onAbort);
    onAbort();
  }
}
