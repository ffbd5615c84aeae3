/**
 * What a sandbox event says, as a stable code with its values, so that the dashboard can say it
 * in the reader's language; the event's `message` says the same in English for everyone else
 * (and stays the text of events without a code: failure reasons, events older than the codes).
 */

/** Each code with the values its text needs (sizes and times are numbers, names strings). */
export interface EventCodeParams {
  /** Placed on a machine, waiting for its turn; `gpus` lists the GPU ids, comma-separated ('' for none). */
  queued: { machine: string; gpus: string };
  /** The image is missing on the machine and is being pulled. */
  pulling: { image: string };
  /** How far the pull has come, in percent (0-100, whole numbers). */
  pull_progress: { image: string; percent: number };
  creating: Record<string, never>;
  starting: Record<string, never>;
  /** The container runs; its server has not answered yet. */
  waiting: Record<string, never>;
  /** The server answers; `seconds` from the start of the launch, one decimal. */
  ready: { seconds: number };
  /** Someone asked for the stop (the owner, or an admin). */
  stop_asked: { by: string };
  /** The machine stopped answering; the sandbox is kept. */
  machine_silent: { machine: string };
  /** The machine answers again and the sandbox still runs. */
  machine_back: { machine: string };
  /** An admin opened the sandbox in the browser, or with an API token. */
  admin_opened: { admin: string };
  admin_token_opened: { admin: string };
  admin_ssh_opened: { admin: string };
  /** The owner's home reached 90% of their quota (sizes in GiB, two decimals; percent whole). */
  quota_warning: { usedGiB: number; quotaGiB: number; percent: number };
  /** The owner's home is at or over their quota: the sandbox runs on, new launches are refused. */
  quota_exceeded: { usedGiB: number; quotaGiB: number };
  /**
   * The sandbox's memory use reached 90% of its limit (sizes in GiB, two decimals; percent whole),
   * once per crossing: again only after it fell under 80% (src/sandboxes/memory-warnings.ts).
   */
  memory_warning: { usedGiB: number; limitGiB: number; percent: number };
  /**
   * The idle warning: the sandbox is stopped at `stopAt` (ISO 8601) unless it is used (or, for
   * `max_age`, whatever happens). `reason`: idle, gpu_idle or max_age; `idleSeconds`: how long
   * it has been idle (whole seconds; shown as seconds under 2 minutes, else whole minutes, as the
   * hub's own text does); `idleMinutes`: the same in whole minutes (for clients from before
   * idleSeconds); `maxAgeHours`: the maximum age it reaches (0 unless max_age).
   */
  idle_warning: { stopAt: string; reason: string; idleSeconds: number; idleMinutes: number; maxAgeHours: number };
  /** It was used after an idle warning (`kind`: what counted, e.g. http, kernel, gpu): the stop is off. */
  idle_warning_cleared: { kind: string };
  /** Someone pressed Keep it running: idle time counts from now (the maximum age still applies). */
  kept_running: { by: string };
  /** The hub stops it for `reason` (idle, gpu_idle, max_age); the figures as in idle_warning. */
  culled: { reason: string; idleSeconds: number; idleMinutes: number; maxAgeHours: number };
  /** The kernel killed a process of the sandbox for memory at its limit (GiB, two decimals); the sandbox may run on. */
  oom_kill: { limitGiB: number };
  /** The owner saves the sandbox as environment `name`; `paused` 1 when its processes are paused meanwhile, else 0. */
  save_started: { name: string; paused: number };
  /** The image has `layers` layers, near the overlay filesystem's limit: it is saved as one layer. */
  save_flattening: { name: string; layers: number };
  /** How far the push to the team's registry has come, in percent (0-100, whole numbers). */
  save_progress: { name: string; percent: number };
  /** Saved: `sizeGiB` pushed (compressed, two decimals) in `seconds` (one decimal). */
  saved: { name: string; sizeGiB: number; seconds: number };
  /** The save failed; nothing was kept. `reason` is in English. */
  save_failed: { name: string; reason: string };
}

export type EventCode = keyof EventCodeParams;

/** A code with its values, as the hub records it beside the message. */
export type EventDetail = { [C in EventCode]: { code: C; params: EventCodeParams[C] } }[EventCode];

/** The kind of each value of each code: what a client checks before it trusts an event's params. */
export const EVENT_PARAMS: { readonly [C in EventCode]: Readonly<Record<keyof EventCodeParams[C], 'string' | 'number'>> } = {
  queued: { machine: 'string', gpus: 'string' },
  pulling: { image: 'string' },
  pull_progress: { image: 'string', percent: 'number' },
  creating: {},
  starting: {},
  waiting: {},
  ready: { seconds: 'number' },
  stop_asked: { by: 'string' },
  machine_silent: { machine: 'string' },
  machine_back: { machine: 'string' },
  admin_opened: { admin: 'string' },
  admin_token_opened: { admin: 'string' },
  admin_ssh_opened: { admin: 'string' },
  quota_warning: { usedGiB: 'number', quotaGiB: 'number', percent: 'number' },
  quota_exceeded: { usedGiB: 'number', quotaGiB: 'number' },
  memory_warning: { usedGiB: 'number', limitGiB: 'number', percent: 'number' },
  idle_warning: { stopAt: 'string', reason: 'string', idleSeconds: 'number', idleMinutes: 'number', maxAgeHours: 'number' },
  idle_warning_cleared: { kind: 'string' },
  save_started: { name: 'string', paused: 'number' },
  save_flattening: { name: 'string', layers: 'number' },
  save_progress: { name: 'string', percent: 'number' },
  saved: { name: 'string', sizeGiB: 'number', seconds: 'number' },
  save_failed: { name: 'string', reason: 'string' },
  kept_running: { by: 'string' },
  culled: { reason: 'string', idleSeconds: 'number', idleMinutes: 'number', maxAgeHours: 'number' },
  oom_kill: { limitGiB: 'number' },
};

export const EVENT_CODES = Object.keys(EVENT_PARAMS) as readonly EventCode[];

const isEventCode = (code: string): code is EventCode => Object.hasOwn(EVENT_PARAMS, code);

/**
 * An event's code and values where the code is one this build knows and every value it needs is
 * there with the right kind; null otherwise (then the event's message is what to show).
 */
export function readEventDetail(code: string | null, params: Readonly<Record<string, string | number>> | null): EventDetail | null {
  if (code === null || params === null || !isEventCode(code)) return null;
  for (const [key, kind] of Object.entries(EVENT_PARAMS[code])) if (typeof params[key] !== kind) return null;
  // Checked just above against the code's own list of values.
  return { code, params } as EventDetail;
}
