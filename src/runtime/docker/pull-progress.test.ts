import { describe, expect, it } from 'vitest';
import type { PullProgress } from '../types.js';
import { PullProgressTracker, throttledReporter, type PullEvent } from './pull-progress.js';

/**
 * A pull of a three-layer image as the engine streams it (shortened): one layer cached, two
 * downloaded in parallel, the larger one's size known only once its download starts.
 */
const RECORDED_PULL: PullEvent[] = [
  { status: 'Pulling from library/python', id: '3.12-slim' },
  { status: 'Already exists', progressDetail: {}, id: 'a2318d6c47ec' },
  { status: 'Pulling fs layer', progressDetail: {}, id: '40d734479f14' },
  { status: 'Pulling fs layer', progressDetail: {}, id: '0b61b7b259eb' },
  { status: 'Waiting', progressDetail: {}, id: '0b61b7b259eb' },
  { status: 'Downloading', progressDetail: { current: 32768, total: 3_511_000 }, id: '40d734479f14' },
  { status: 'Downloading', progressDetail: { current: 1_048_576, total: 3_511_000 }, id: '40d734479f14' },
  { status: 'Downloading', progressDetail: { current: 3_511_000, total: 3_511_000 }, id: '40d734479f14' },
  { status: 'Verifying Checksum', progressDetail: {}, id: '40d734479f14' },
  { status: 'Download complete', progressDetail: {}, id: '40d734479f14' },
  { status: 'Downloading', progressDetail: { current: 65536, total: 12_400_000 }, id: '0b61b7b259eb' },
  { status: 'Extracting', progressDetail: { current: 1_769_472, total: 3_511_000 }, id: '40d734479f14' },
  { status: 'Extracting', progressDetail: { current: 3_511_000, total: 3_511_000 }, id: '40d734479f14' },
  { status: 'Pull complete', progressDetail: {}, id: '40d734479f14' },
  { status: 'Downloading', progressDetail: { current: 6_200_000, total: 12_400_000 }, id: '0b61b7b259eb' },
  { status: 'Downloading', progressDetail: { current: 12_400_000, total: 12_400_000 }, id: '0b61b7b259eb' },
  { status: 'Download complete', progressDetail: {}, id: '0b61b7b259eb' },
  { status: 'Extracting', progressDetail: { current: 6_200_000, total: 12_400_000 }, id: '0b61b7b259eb' },
  { status: 'Extracting', progressDetail: { current: 12_400_000, total: 12_400_000 }, id: '0b61b7b259eb' },
  { status: 'Pull complete', progressDetail: {}, id: '0b61b7b259eb' },
  { status: 'Digest: sha256:2f0a2b1d7a3e4f1c9b8e6d5c4b3a29180f7e6d5c4b3a2918f0e1d2c3b4a59687' },
  { status: 'Status: Downloaded newer image for python:3.12-slim' },
];

function percents(events: PullEvent[]): (number | null)[] {
  const tracker = new PullProgressTracker();
  return events.map((e) => {
    tracker.feed(e);
    return tracker.progress().percent;
  });
}

describe('PullProgressTracker', () => {
  it('has no percent until the engine reports a size', () => {
    expect(percents(RECORDED_PULL.slice(0, 5))).toEqual([null, null, null, null, null]);
  });

  it('rises steadily over a recorded pull and never goes back', () => {
    const seen = percents(RECORDED_PULL).filter((p): p is number => p !== null);
    expect(seen.length).toBeGreaterThan(10);
    for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeGreaterThanOrEqual(seen[i - 1] ?? 0);
    expect(seen[0]).toBeLessThan(5);
    expect(Math.max(...seen)).toBeLessThanOrEqual(99);
    expect(seen.at(-1)).toBe(99);
  });

  it('counts the work left: a finished small layer next to a waiting one of unknown size is about half', () => {
    const tracker = new PullProgressTracker();
    for (const e of RECORDED_PULL.slice(0, 10)) tracker.feed(e);
    // Layer one downloaded (not extracted), layer two of unknown size assumed the same size.
    expect(tracker.progress().percent).toBe(25);
  });

  it('does not drop when a large layer announces its size late', () => {
    const tracker = new PullProgressTracker();
    for (const e of RECORDED_PULL.slice(0, 10)) tracker.feed(e);
    const before = tracker.progress().percent ?? 0;
    tracker.feed(RECORDED_PULL[10] as PullEvent);
    expect(tracker.progress().percent).toBeGreaterThanOrEqual(before);
  });

  it('leaves cached layers out of the sums', () => {
    const tracker = new PullProgressTracker();
    tracker.feed({ status: 'Already exists', progressDetail: {}, id: 'cached' });
    tracker.feed({ status: 'Downloading', progressDetail: { current: 50, total: 100 }, id: 'fresh' });
    expect(tracker.progress().percent).toBe(25);
  });

  it('holds its percent while a retried layer downloads again', () => {
    const tracker = new PullProgressTracker();
    tracker.feed({ status: 'Downloading', progressDetail: { current: 90, total: 100 }, id: 'l' });
    expect(tracker.progress().percent).toBe(45);
    tracker.feed({ status: 'Retrying in 5 seconds', progressDetail: {}, id: 'l' });
    tracker.feed({ status: 'Downloading', progressDetail: { current: 10, total: 100 }, id: 'l' });
    expect(tracker.progress()).toEqual({ percent: 45, status: 'Downloading', bytes: { done: 10, total: 100 } });
    tracker.feed({ status: 'Downloading', progressDetail: { current: 100, total: 100 }, id: 'l' });
    expect(tracker.progress().percent).toBe(50);
  });

  it('reports the latest status and 100 when finished', () => {
    const tracker = new PullProgressTracker();
    for (const e of RECORDED_PULL) tracker.feed(e);
    expect(tracker.progress().status).toBe('Status: Downloaded newer image for python:3.12-slim');
    expect(tracker.finish()).toEqual({
      percent: 100,
      status: 'Status: Downloaded newer image for python:3.12-slim',
      bytes: { done: 15_911_000, total: 15_911_000 },
    });
  });

  it('counts the bytes downloaded against the sizes named so far, cached layers left out', () => {
    const tracker = new PullProgressTracker();
    const bytes = RECORDED_PULL.map((e) => {
      tracker.feed(e);
      return tracker.progress().bytes;
    });
    expect(bytes[4]).toEqual({ done: 0, total: null });
    expect(bytes[6]).toEqual({ done: 1_048_576, total: 3_511_000 });
    // The larger layer names its size: the total grows.
    expect(bytes[10]).toEqual({ done: 3_511_000 + 65_536, total: 15_911_000 });
    expect(bytes.at(-1)).toEqual({ done: 15_911_000, total: 15_911_000 });
  });

  it('finishes at 100 for an image whose layers were all cached', () => {
    const tracker = new PullProgressTracker();
    tracker.feed({ status: 'Already exists', progressDetail: {}, id: 'a' });
    tracker.feed({ status: 'Status: Image is up to date for x:1' });
    expect(tracker.progress().percent).toBeNull();
    expect(tracker.finish()).toMatchObject({ percent: 100, bytes: { done: 0, total: 0 } });
  });
});

describe('throttledReporter', () => {
  it('reports the first event at once, then at most every 200 ms, then 100 at the end', () => {
    let clock = 0;
    const reports: PullProgress[] = [];
    const reporter = throttledReporter(new PullProgressTracker(), (p) => reports.push(p), 200, () => clock);
    const events: PullEvent[] = [];
    for (let i = 0; i <= 100; i++) {
      events.push({ status: 'Downloading', progressDetail: { current: i * 10, total: 1000 }, id: 'layer' });
    }
    for (const e of events) {
      reporter.event(e);
      clock += 10; // 101 events over one second
    }
    reporter.flush();
    expect(reports.length).toBeGreaterThanOrEqual(5);
    expect(reports.length).toBeLessThanOrEqual(7);
    expect(reports[0]?.percent).toBe(0);
    expect(reports.at(-1)).toEqual({ percent: 100, status: 'Downloading', bytes: { done: 1000, total: 1000 } });
  });
});
