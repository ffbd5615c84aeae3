/**
 * Folds the engine's per-layer pull events into one overall percent for the launch events
 * ("pulling 42%"). The engine reports each layer separately and learns a layer's size only when
 * its download starts, so the estimate assumes unseen layers are of average size and never lets
 * the percent go backwards when a large layer turns up late.
 */
import type { PullProgress } from '../types.js';

/** One JSON object of the engine's pull stream (`POST /images/create`). */
export interface PullEvent {
  status?: string;
  id?: string;
  progressDetail?: { current?: number; total?: number };
  error?: string;
  errorDetail?: { message?: string };
}

interface Layer {
  /** Bytes to download, once the engine has told us. */
  total: number | null;
  downloaded: number;
  extracted: number;
  done: boolean;
}

/** Statuses that are about one layer (the event's `id` is the layer), as Docker words them. */
const LAYER_STATUSES = new Set([
  'Pulling fs layer',
  'Waiting',
  'Downloading',
  'Verifying Checksum',
  'Download complete',
  'Extracting',
  'Pull complete',
  'Already exists',
  'Retrying',
]);

/** Aggregates pull events; `feed` each one, read `progress()`. */
export class PullProgressTracker {
  private readonly layers = new Map<string, Layer>();
  private highest = 0;
  private status = 'pulling';

  feed(event: PullEvent): void {
    const status = event.status ?? '';
    if (!event.id || !LAYER_STATUSES.has(baseStatus(status))) {
      if (status) this.status = status;
      return;
    }
    const base = baseStatus(status);
    this.status = base;
    if (base === 'Already exists') {
      // Nothing to fetch: leave it out of the sums rather than count it as free progress.
      this.layers.delete(event.id);
      return;
    }
    let layer = this.layers.get(event.id);
    if (!layer) {
      layer = { total: null, downloaded: 0, extracted: 0, done: false };
      this.layers.set(event.id, layer);
    }
    const { current, total } = event.progressDetail ?? {};
    const hasTotal = typeof total === 'number' && total > 0;
    switch (base) {
      case 'Downloading':
        if (hasTotal) layer.total = total;
        if (typeof current === 'number') layer.downloaded = current;
        break;
      case 'Download complete':
      case 'Verifying Checksum':
        layer.downloaded = layer.total ?? layer.downloaded;
        break;
      case 'Extracting':
        // Extraction counts the same (compressed) bytes again; a layer pulled by digest from a
        // local cache may skip "Downloading", so its size can first appear here.
        if (hasTotal && layer.total === null) layer.total = total;
        layer.downloaded = layer.total ?? layer.downloaded;
        if (typeof current === 'number') layer.extracted = current;
        break;
      case 'Pull complete':
        layer.done = true;
        break;
      case 'Retrying':
        layer.downloaded = 0;
        break;
      default:
        break;
    }
  }

  /** The overall percent so far (null until the engine has reported a size), never decreasing, below 100 until `finish`. */
  progress(): PullProgress {
    const layers = [...this.layers.values()];
    const sized = layers.filter((l) => l.total !== null);
    const bytes = this.bytes(layers);
    if (sized.length === 0) return { percent: this.highest > 0 ? this.highest : null, status: this.status, bytes };
    const average = sized.reduce((sum, l) => sum + (l.total ?? 0), 0) / sized.length;
    let work = 0;
    let doneWork = 0;
    for (const layer of layers) {
      const size = layer.total ?? average;
      // Each byte counts once when it arrives and once when it is unpacked.
      work += 2 * size;
      if (layer.done) doneWork += 2 * size;
      else doneWork += Math.min(layer.downloaded, size) + Math.min(layer.extracted, size);
    }
    const percent = Math.min(99, Math.floor((100 * doneWork) / work));
    this.highest = Math.max(this.highest, percent);
    return { percent: this.highest, status: this.status, bytes };
  }

  /** The final report once the engine's stream has ended without an error. */
  finish(): PullProgress {
    this.highest = 100;
    const bytes = this.bytes([...this.layers.values()]);
    // Every byte named has arrived; a layer whose size was never named counts what it sent.
    return { percent: 100, status: this.status, bytes: { done: Math.max(bytes.done, bytes.total ?? 0), total: bytes.total ?? bytes.done } };
  }

  /** Bytes downloaded of the layers to fetch, and the sum of the sizes named so far (null before any). */
  private bytes(layers: readonly Layer[]): { done: number; total: number | null } {
    let done = 0;
    let total: number | null = null;
    for (const layer of layers) {
      if (layer.total !== null) total = (total ?? 0) + layer.total;
      done += layer.done && layer.total !== null ? layer.total : Math.min(layer.downloaded, layer.total ?? layer.downloaded);
    }
    return { done, total };
  }
}

/**
 * Calls `report` with the tracker's progress at most once per `intervalMs` (the first event
 * reports at once), so a fast pull with thousands of events does not flood the launch's event
 * stream. `flush` reports the final 100.
 */
export function throttledReporter(
  tracker: PullProgressTracker,
  report: (p: PullProgress) => void,
  intervalMs = 200,
  now: () => number = Date.now,
): { event(e: PullEvent): void; flush(): void } {
  let last = -Infinity;
  return {
    event(e) {
      tracker.feed(e);
      const t = now();
      if (t - last < intervalMs) return;
      last = t;
      report(tracker.progress());
    },
    flush() {
      report(tracker.finish());
    },
  };
}

/** "Downloading" from "Downloading" or "Retrying in 5 seconds" → "Retrying". */
function baseStatus(status: string): string {
  return status.startsWith('Retrying') ? 'Retrying' : status;
}
