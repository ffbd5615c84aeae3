/**
 * GET /api/machines/history's answer: every machine's whole window on a first call (or after
 * the hub restarted), then only the samples added since the cursor the client was last given.
 * A dashboard that polls every 5 s thus fetches each sample once instead of the hour each time.
 *
 * The cursor is `<run>.<number>` (history.ts's SampleSequence): the number of the newest sample
 * of any machine when the answer was made. Numbers, not times: a sample carries the time its
 * health check began, and a slow machine's check can add an older time after a quick machine's
 * newer one, which a time cursor would skip.
 */
import type { MachineHistoryPage, MachineSample } from '../contract/api.js';
import { ShivaError } from '../contract/errors.js';
import type { MachineHistory, SampleSequence } from './history.js';

const CURSOR = /^([0-9a-f]{8})\.(0|[1-9][0-9]{0,14})$/;

export interface HistoryCursor {
  run: string;
  seq: number;
}

/** The cursor for everything added so far. */
export function historyCursor(sequence: SampleSequence): string {
  return `${sequence.run}.${sequence.current}`;
}

/** Reads a cursor this hub (or an earlier start of it) could have given; anything else is INVALID_CURSOR. */
export function parseHistoryCursor(text: string): HistoryCursor {
  const match = CURSOR.exec(text);
  if (!match) {
    throw new ShivaError('INVALID_CURSOR', `since: "${text.slice(0, 40)}" is not a cursor; pass the cursor of an earlier answer of GET /api/machines/history as it was, or leave since out.`);
  }
  return { run: match[1]!, seq: Number(match[2]) };
}

/**
 * The samples after `since` for each machine, oldest first. A cursor of another run (the hub
 * restarted and counts from 0 again) or from ahead of the sequence (not one this hub gave) gets
 * the whole window, marked `full`, so the client replaces what it holds rather than mixing two
 * runs' samples.
 */
export function historyPage(
  machines: readonly { name: string; history: MachineHistory }[],
  sequence: SampleSequence,
  windowSamples: number,
  since: HistoryCursor | null,
): MachineHistoryPage {
  const fresh = since !== null && since.run === sequence.run && since.seq <= sequence.current;
  const cursor = historyCursor(sequence);
  if (!fresh) return { cursor, full: true, windowSamples, machines: machines.map((m) => ({ name: m.name, samples: m.history.list() })) };
  const newer: { name: string; samples: MachineSample[] }[] = [];
  for (const m of machines) {
    const samples = m.history.since(since.seq);
    if (samples.length > 0) newer.push({ name: m.name, samples });
  }
  return { cursor, full: false, windowSamples, machines: newer };
}
