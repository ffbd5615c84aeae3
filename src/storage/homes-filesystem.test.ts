import { describe, expect, it } from 'vitest';
import { GiB } from '../contract/resources.js';
import { isShivaError } from '../contract/errors.js';
import { HomesFilesystem, type StatfsFigures } from './homes-filesystem.js';

/** A log that keeps its lines, to count what was said. */
function recordingLog() {
  const lines: Array<{ level: string; msg: string | undefined }> = [];
  const at = (level: string) => (_obj: object, msg?: string) => void lines.push({ level, msg });
  return { lines, log: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') } };
}

/** A statfs whose answer the test sets: figures in 4 KiB blocks, or an errno code to fail with. */
function fakeStatfs() {
  let answer: StatfsFigures | string = { bsize: 4096, blocks: 0, bavail: 0 };
  const calls: string[] = [];
  return {
    calls,
    set(freeBytes: number, sizeBytes: number) {
      answer = { bsize: 4096, blocks: sizeBytes / 4096, bavail: freeBytes / 4096 };
    },
    fail(code: string) {
      answer = code;
    },
    statfs: async (p: string): Promise<StatfsFigures> => {
      calls.push(p);
      if (typeof answer === 'string') throw Object.assign(new Error(`${answer}: ${p}`), { code: answer });
      return answer;
    },
  };
}

const refusal = (p: Promise<void>) =>
  p.then(
    () => null,
    (err: unknown) => (isShivaError(err) ? err.code : 'other'),
  );

describe('the homes filesystem reader', () => {
  it('reads bytes users may write (f_bavail) and the size (f_blocks) of homes.root', async () => {
    const fs = fakeStatfs();
    fs.set(30 * GiB, 100 * GiB);
    const homes = new HomesFilesystem({ root: '/srv/homes', minFreePercent: 5, log: recordingLog().log, statfs: fs.statfs });
    expect(homes.reading().figures).toBeNull();
    await homes.refresh();
    expect(fs.calls).toEqual(['/srv/homes']);
    expect(homes.reading()).toMatchObject({ figures: { freeBytes: 30 * GiB, sizeBytes: 100 * GiB }, problem: null });
    expect(homes.full()).toBe(false);
  });

  it('refuses a launch with STORAGE_FULL on a fresh reading below the threshold, and admits again once space is freed', async () => {
    const fs = fakeStatfs();
    fs.set(50 * GiB, 100 * GiB);
    const homes = new HomesFilesystem({ root: '/h', minFreePercent: 5, log: recordingLog().log, statfs: fs.statfs });
    await homes.refresh();
    // Filled since the last scheduled reading: the admission reads again and sees it.
    fs.set(4 * GiB, 100 * GiB);
    expect(await refusal(homes.checkRoomForLaunch())).toBe('STORAGE_FULL');
    expect(homes.full()).toBe(true);
    fs.set(6 * GiB, 100 * GiB);
    expect(await refusal(homes.checkRoomForLaunch())).toBeNull();
    expect(homes.full()).toBe(false);
  });

  it('logs once when the filesystem goes below the threshold and once when it has room again', async () => {
    const fs = fakeStatfs();
    const { lines, log } = recordingLog();
    const homes = new HomesFilesystem({ root: '/h', minFreePercent: 5, log, statfs: fs.statfs });
    fs.set(50 * GiB, 100 * GiB);
    await homes.refresh();
    expect(lines).toEqual([]);
    fs.set(1 * GiB, 100 * GiB);
    await homes.refresh();
    await homes.refresh();
    expect(lines.map((l) => l.level)).toEqual(['warn']);
    expect(lines[0]!.msg).toContain('launches are refused with STORAGE_FULL');
    fs.set(10 * GiB, 100 * GiB);
    await homes.refresh();
    await homes.refresh();
    expect(lines.map((l) => l.level)).toEqual(['warn', 'info']);
  });

  it('does not check at all with minFreePercent 0', async () => {
    const fs = fakeStatfs();
    fs.set(0, 100 * GiB);
    const homes = new HomesFilesystem({ root: '/h', minFreePercent: 0, log: recordingLog().log, statfs: fs.statfs });
    expect(await refusal(homes.checkRoomForLaunch())).toBeNull();
    expect(fs.calls).toEqual([]);
  });

  it('treats a filesystem it cannot read as unknown, not full: launches go ahead and the cause is logged once', async () => {
    const fs = fakeStatfs();
    const { lines, log } = recordingLog();
    fs.set(1 * GiB, 100 * GiB);
    const homes = new HomesFilesystem({ root: '/mnt/homes', minFreePercent: 5, log, statfs: fs.statfs });
    await homes.refresh();
    fs.fail('ENOENT');
    expect(await refusal(homes.checkRoomForLaunch())).toBeNull();
    await homes.refresh();
    await homes.refresh();
    // The old, full figures are dropped rather than kept as if still true.
    expect(homes.reading()).toEqual({ figures: null, readAt: null, problem: 'statfs /mnt/homes: ENOENT' });
    expect(homes.full()).toBe(false);
    expect(lines.filter((l) => l.level === 'warn' && l.msg?.includes('cannot read'))).toHaveLength(1);
    fs.set(50 * GiB, 100 * GiB);
    await homes.refresh();
    await homes.refresh();
    expect(lines.filter((l) => l.level === 'info' && l.msg?.includes('can be read again'))).toHaveLength(1);
    expect(homes.reading().problem).toBeNull();
  });

  it('keeps one statfs in flight, and judges a launch on the last reading when the filesystem does not answer in time', async () => {
    const { log } = recordingLog();
    let calls = 0;
    let answer: (s: StatfsFigures) => void = () => undefined;
    let hung = false;
    const statfs = (): Promise<StatfsFigures> => {
      calls++;
      if (!hung) return Promise.resolve({ bsize: 1, blocks: 100, bavail: 1 });
      return new Promise((resolve) => (answer = resolve));
    };
    const homes = new HomesFilesystem({ root: '/h', minFreePercent: 5, log, statfs, admissionWaitMs: 20 });
    await homes.refresh();
    expect(calls).toBe(1);
    // An NFS server gone away: statfs blocks in the kernel.
    hung = true;
    const first = refusal(homes.checkRoomForLaunch());
    const second = refusal(homes.checkRoomForLaunch());
    void homes.refresh();
    expect(await first).toBe('STORAGE_FULL');
    expect(await second).toBe('STORAGE_FULL');
    expect(calls).toBe(2);
    // The hub's start does not wait on it either.
    expect((await homes.refreshWithin()).figures).toEqual({ freeBytes: 1, sizeBytes: 100 });
    expect(calls).toBe(2);
    answer({ bsize: 1, blocks: 100, bavail: 50 });
    await homes.refresh();
    expect(homes.reading().figures).toEqual({ freeBytes: 50, sizeBytes: 100 });
  });
});
