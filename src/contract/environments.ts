/**
 * What the hub, the CLI and the dashboard agree on about saved environments (docs/environments.md):
 * what one may be called, how a save's tag tells when it started, and which events of a sandbox
 * tell of one save. One rule for all three, so that a client refuses a name exactly when the hub
 * would.
 */
import type { SandboxEvent, SaveStarted } from './api.js';
import type { EventCode } from './event-codes.js';

/**
 * A name is one path component of distribution's reference grammar (`[a-z0-9]+` parts joined by
 * one `.`, `_`, `__` or dashes), 64 characters at most: so no `/`, no `..`, no uppercase, and it
 * always makes a valid repository.
 */
const NAME = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
export const ENVIRONMENT_NAME_MAX_LENGTH = 64;

export function isValidEnvironmentName(name: unknown): name is string {
  return typeof name === 'string' && name.length <= ENVIRONMENT_NAME_MAX_LENGTH && NAME.test(name);
}

/** The tag of a save at `at`: its UTC time to the millisecond, `20261130T195012345Z`, so tags sort by time and two saves do not share one. */
export function saveTag(at: Date): string {
  return at.toISOString().replace(/[-:.]/g, '');
}

/** When the save tagged `tag` started, in ms since the epoch (tags of old saves name the second); null for a tag that is not a save's. */
export function saveTagTime(tag: string): number | null {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(\d{3})?Z$/.exec(tag);
  if (!m) return null;
  const time = Date.parse(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}.${m[7] ?? '000'}Z`);
  return Number.isNaN(time) ? null : time;
}

/** The codes of a save's events, from its start to its outcome (src/contract/event-codes.ts). */
export const SAVE_EVENT_CODES = ['save_started', 'save_flattening', 'save_progress', 'saved', 'save_failed'] as const satisfies readonly EventCode[];
export type SaveEventCode = (typeof SAVE_EVENT_CODES)[number];

const isSaveCode = (code: string | null): code is SaveEventCode => code !== null && (SAVE_EVENT_CODES as readonly string[]).includes(code);

/**
 * Whether `event` tells of the save `started` answered for: one of a save's codes for its name,
 * at or after the second its tag names (the hub tags a save before its first event, on the same
 * clock). An earlier save of the same name whose events all fall within that second is not told
 * apart; a client that needs to be sure follows the stream from its last event before the save.
 */
export function isEventOfSave(event: Pick<SandboxEvent, 'code' | 'params' | 'at'>, started: Pick<SaveStarted, 'name' | 'tag'>): boolean {
  if (!isSaveCode(event.code) || event.params?.name !== started.name) return false;
  const from = saveTagTime(started.tag);
  return from === null || Date.parse(event.at) >= from;
}

/** How a save ended, from one of its events: null while it goes on. */
export function saveOutcome(event: Pick<SandboxEvent, 'code'>): 'saved' | 'failed' | null {
  return event.code === 'saved' ? 'saved' : event.code === 'save_failed' ? 'failed' : null;
}
