/**
 * Each user's numeric identity: the uid and gid their sandboxes run as and their home belongs
 * to, so that on a filesystem shared by every machine one user's files are told apart from
 * another's. A uid is given once (from the configured range, or from the identity provider's
 * claim) and never changed afterwards: files on the shared filesystem carry it.
 */

/** The uids the hub hands out itself, both ends included (config `identity.firstUid`/`lastUid`). */
export interface UidRange {
  first: number;
  last: number;
}

/**
 * The default range: above the uids a Debian host gives its own people by default (adduser.conf
 * FIRST_UID 1000) with room for them, and below Debian's reserved 60000-64999 and nobody (65534).
 */
export const DEFAULT_UID_RANGE: Readonly<UidRange> = { first: 20000, last: 59999 };

/** Ids below this are system accounts and groups (Debian policy §9.2.2: 0-999). */
export const FIRST_PERSON_ID = 1000;
/** The largest id the hub takes: 2^31-1, as many tools still read ids as signed 32-bit numbers. */
export const LAST_PERSON_ID = 2147483647;
/** nobody/nogroup (65534) and the 16-bit "no id" (65535) must never be a person's. */
const RESERVED_IDS = new Set([65534, 65535]);

/** A user's uid and gid. */
export interface UserIds {
  uid: number;
  gid: number;
}

/** Why a range cannot be used, in words naming the key; null when it can. */
export function uidRangeProblem(range: UidRange): string | null {
  if (range.first < FIRST_PERSON_ID) return `identity.firstUid ${range.first} is a system id (below ${FIRST_PERSON_ID})`;
  if (range.last < range.first) return `identity.lastUid ${range.last} is below identity.firstUid ${range.first}`;
  if (range.last > LAST_PERSON_ID) return `identity.lastUid ${range.last} is above ${LAST_PERSON_ID}`;
  for (const id of RESERVED_IDS) {
    if (range.first <= id && id <= range.last) return `identity.firstUid..lastUid (${range.first}-${range.last}) contains ${id}, which is nobody's`;
  }
  return null;
}

/** Whether `id` may be a person's uid or gid: an integer, not a system id, not nobody's. */
export function isPersonId(id: number): boolean {
  return Number.isSafeInteger(id) && id >= FIRST_PERSON_ID && id <= LAST_PERSON_ID && !RESERVED_IDS.has(id);
}

/**
 * Reads an id from an identity provider's claim: a JSON integer, or a string of decimal digits
 * (directory-backed providers such as Keycloak send user attributes as strings). Returns the id,
 * or the reason it is refused.
 */
export function parseIdClaim(value: unknown): { id: number } | { problem: string } {
  if (value === undefined || value === null) return { problem: 'is missing' };
  const id = typeof value === 'number' ? value : typeof value === 'string' && /^[0-9]{1,10}$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(id)) return { problem: `is not a whole number (${JSON.stringify(value).slice(0, 40)})` };
  if (!isPersonId(id)) return { problem: `is ${id}, outside ${FIRST_PERSON_ID}-${LAST_PERSON_ID} (or nobody's)` };
  return { id };
}

/**
 * The smallest id of `range` that is neither in `taken` nor reserved; null when the range is
 * full. `taken` holds every uid and gid in use, so that a new user's own group (gid = uid) is
 * not another user's group already.
 */
export function firstFreeId(range: UidRange, taken: ReadonlySet<number>): number | null {
  for (let id = range.first; id <= range.last; id++) {
    if (!taken.has(id) && !RESERVED_IDS.has(id)) return id;
  }
  return null;
}

/** Thrown when every uid of the configured range is taken. */
export class UidRangeExhausted extends Error {
  constructor(readonly range: UidRange) {
    super(`every uid from ${range.first} to ${range.last} (identity.firstUid..lastUid) is taken; widen the range`);
    this.name = 'UidRangeExhausted';
  }
}

/** Thrown when an identity provider's uid is already another account's. */
export class UidTaken extends Error {
  constructor(readonly uid: number) {
    super(`the uid ${uid} already belongs to another account`);
    this.name = 'UidTaken';
  }
}
