/**
 * The homes filesystem's free and total bytes, read with statfs(2) on `homes.root` from the hub:
 * on a schedule for the dashboard and /metrics, and fresh at each launch's admission, which is
 * refused with 503 STORAGE_FULL below `storage.minFreePercent` (free-space.ts holds the rule).
 *
 * Free is f_bavail, not f_bfree: sandboxes write as an unprivileged uid without
 * CAP_SYS_RESOURCE, so the blocks ext4 keeps for root (5% by default) are never theirs. A
 * filesystem that looks 5% free by f_bfree can already answer ENOSPC to every sandbox.
 *
 * A filesystem the hub cannot read (not mounted on the hub, no permission) is unknown, not
 * full: launches go ahead, the dashboard says "unknown", and the cause is logged once.
 *
 * Only one statfs is ever in flight: on a hard-mounted NFS or CephFS whose server is gone,
 * statfs blocks in the kernel, and each blocked call would hold one of libuv's few threads. A
 * launch waits for a fresh reading at most `admissionWaitMs`, then is judged on the last one.
 */
import { statfs } from 'node:fs/promises';
import type { Logger } from '../sandboxes/types.js';
import { belowMinimum, storageFullError, type FilesystemFigures } from './free-space.js';

/** What the hub last learnt of the homes filesystem. */
export interface HomesFilesystemReading {
  /** The figures, or null when the filesystem could not be read (or never was yet). */
  figures: FilesystemFigures | null;
  /** When the figures were read (ISO 8601), or null when never. */
  readAt: string | null;
  /** Why the last attempt failed (an errno code with the path, for admins), or null. */
  problem: string | null;
}

/** statfs's fields this module uses; block counts are in units of `bsize` on Linux. */
export interface StatfsFigures {
  bsize: number;
  blocks: number;
  bavail: number;
  /** Inodes: the total, and those free (a filesystem out of inodes refuses new files with space left). */
  files?: number;
  ffree?: number;
}

export interface HomesFilesystemOptions {
  /** `homes.root`, absolute. */
  root: string;
  /** `storage.minFreePercent`, 0-100. */
  minFreePercent: number;
  log: Logger;
  /** How long a launch (or the hub's start) waits for a fresh reading before taking the last one; 2 s by default. */
  admissionWaitMs?: number;
  /** The statfs to call (tests give a fake one); Node's by default. */
  statfs?: (path: string) => Promise<StatfsFigures>;
  now?: () => Date;
}

export class HomesFilesystem {
  readonly root: string;
  readonly minFreePercent: number;
  private last: HomesFilesystemReading = { figures: null, readAt: null, problem: null };
  private inFlight: Promise<HomesFilesystemReading> | null = null;
  /** The problem last logged, so a lasting one is logged once and its end once. */
  private logged: string | null = null;
  /** Whether the last known figures were below the threshold, so each crossing is logged once. */
  private wasFull = false;
  private readonly read: (path: string) => Promise<StatfsFigures>;
  private readonly now: () => Date;
  private readonly admissionWaitMs: number;

  constructor(private readonly options: HomesFilesystemOptions) {
    this.root = options.root;
    this.minFreePercent = options.minFreePercent;
    this.read = options.statfs ?? ((p) => statfs(p));
    this.now = options.now ?? (() => new Date());
    this.admissionWaitMs = options.admissionWaitMs ?? 2_000;
  }

  /** The last reading, without touching the filesystem (for /metrics and GET /api/storage). */
  reading(): HomesFilesystemReading {
    return this.last;
  }

  /** Whether launches are refused now, on the last reading; false while unknown. */
  full(): boolean {
    return this.last.figures !== null && belowMinimum(this.last.figures, this.minFreePercent);
  }

  /** Reads the filesystem now, or joins the read already in flight. Never rejects. */
  refresh(): Promise<HomesFilesystemReading> {
    this.inFlight ??= this.readOnce().finally(() => (this.inFlight = null));
    return this.inFlight;
  }

  /**
   * Throws STORAGE_FULL when a fresh reading (or, when the filesystem does not answer within
   * `admissionWaitMs`, the last one) is below the threshold. The launch has reserved and made
   * nothing yet. Unknown figures admit: a hub that cannot see the homes must not stop everyone.
   */
  async checkRoomForLaunch(): Promise<void> {
    if (this.minFreePercent <= 0) return;
    const { figures } = await this.refreshWithin();
    if (figures && belowMinimum(figures, this.minFreePercent)) throw storageFullError(figures, this.minFreePercent);
  }

  /**
   * A fresh reading, or the last one when the filesystem does not answer within
   * `admissionWaitMs` (the read goes on, and lands when it answers). The hub's start uses it
   * too, so a hung mount cannot keep the hub from starting.
   */
  async refreshWithin(): Promise<HomesFilesystemReading> {
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), this.admissionWaitMs);
      timer.unref();
    });
    const fresh = await Promise.race([this.refresh(), waited]).finally(() => clearTimeout(timer));
    return fresh ?? this.last;
  }

  /** Logs when the filesystem goes below the threshold (launches refused) and when it comes back above. */
  private noteCrossing(figures: FilesystemFigures): void {
    const full = belowMinimum(figures, this.minFreePercent);
    if (full === this.wasFull) return;
    this.wasFull = full;
    const fields = { root: this.root, freeBytes: figures.freeBytes, sizeBytes: figures.sizeBytes, minFreePercent: this.minFreePercent };
    if (full) this.options.log.warn(fields, 'the homes filesystem is below storage.minFreePercent free: launches are refused with STORAGE_FULL until space is freed');
    else this.options.log.info(fields, 'the homes filesystem has room again: launches are admitted');
  }

  private async readOnce(): Promise<HomesFilesystemReading> {
    try {
      const s = await this.read(this.root);
      const figures: FilesystemFigures = {
        freeBytes: s.bavail * s.bsize,
        sizeBytes: s.blocks * s.bsize,
        ...(s.files !== undefined && s.ffree !== undefined ? { inodes: s.files, freeInodes: s.ffree } : {}),
      };
      this.last = { figures, readAt: this.now().toISOString(), problem: null };
      if (this.logged !== null) this.options.log.info({ root: this.root }, 'the homes filesystem can be read again');
      this.logged = null;
      this.noteCrossing(figures);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
      const problem = `statfs ${this.root}: ${code}`;
      // Old figures would tell the dashboard and the admission check something no longer known.
      this.last = { figures: null, readAt: null, problem };
      if (this.logged !== problem) {
        this.options.log.warn(
          { root: this.root, err: code },
          'cannot read the free space of homes.root: it is shown as unknown and does not stop launches',
        );
      }
      this.logged = problem;
    }
    return this.last;
  }
}
