import { describe, expect, it } from 'vitest';
import type { Image, ImagePull, Machine } from '../contract/api.js';
import { imageLines, PullPrinter, pullLine } from './images.js';

const image = (name: string, over: Partial<Image> = {}): Image => ({
  name,
  image: `shiva/${name}:1`,
  description: '',
  default: false,
  sudo: false,
  source: 'config',
  sizeBytes: null,
  ...over,
});

const holding = (name: string, images: string[] | null) =>
  ({ name, images: images && { at: '2026-03-02T10:00:00.000Z', images: images.map((i) => ({ name: i, createdAt: null, sizeBytes: 1 })) } }) as Machine;

const pull = (over: Partial<ImagePull>): ImagePull => ({
  id: 'pull-1',
  image: 'ml',
  ref: 'registry.lan:5000/shiva/ml:1',
  machine: 'gpu-1',
  state: 'queued',
  bytesDone: null,
  bytesTotal: null,
  percent: null,
  reason: null,
  trigger: 'admin',
  by: 'admin',
  queuedAt: '2026-03-02T10:00:00.000Z',
  startedAt: null,
  endedAt: null,
  ...over,
});

describe('shiva images', () => {
  it('lists each image with its source, size and how many machines that listed their images have it', () => {
    const catalogue = [image('notebook', { default: true, description: 'Jupyter' }), image('ml', { source: 'registry', sizeBytes: 6_400_000_000 })];
    expect(imageLines(catalogue, [holding('gpu-1', ['notebook', 'ml']), holding('gpu-2', ['notebook']), holding('gpu-3', null)])).toEqual([
      'NAME                SOURCE    SIZE     MACHINES  DESCRIPTION',
      'notebook (default)  config    -        2/2       Jupyter',
      'ml                  registry  6.0 GiB  1/2',
    ]);
    expect(imageLines([image('ml')], [])[1]).toBe('ml    config  -     -');
    // Machines list catalogue images only: a saved environment's count is not known.
    expect(imageLines([image('alice/tools', { source: 'environment', sizeBytes: 150_000_000 })], [holding('gpu-1', ['alice/tools'])])[1]).toBe('alice/tools  environment  143.1 MiB  -');
  });

  it("says a pull's state, how much of how much it has, and why it failed", () => {
    expect(pullLine(pull({}), 6)).toBe('  gpu-1   queued');
    expect(pullLine(pull({ state: 'pulling' }))).toBe('  gpu-1  pulling');
    expect(pullLine(pull({ state: 'pulling', bytesDone: 12_300_000, bytesTotal: 45_600_000, percent: 13 }))).toBe('  gpu-1  pulling 11.7 MiB of 43.5 MiB (13%)');
    expect(pullLine(pull({ state: 'failed', reason: 'the image x is not in any registry this engine can reach: manifest unknown' }))).toBe(
      '  gpu-1  failed: the image x is not in any registry this engine can reach: manifest unknown',
    );
  });

  it('prints a line per state and at most one per tenth of a pull, only for the pulls it follows', () => {
    const printer = new PullPrinter(new Set(['pull-1']), ['gpu-1']);
    const lines = [
      pull({}),
      pull({ state: 'pulling', percent: 0 }),
      pull({ state: 'pulling', percent: 3 }),
      pull({ state: 'pulling', percent: 12 }),
      pull({ state: 'pulling', percent: 18 }),
      pull({ id: 'pull-2', state: 'pulling', percent: 50 }),
      pull({ state: 'pulling', percent: 100 }),
      pull({ state: 'done', percent: 100 }),
    ].map((p) => printer.line(p));
    expect(lines.filter((l) => l !== null)).toEqual(['  gpu-1  queued', '  gpu-1  pulling (0%)', '  gpu-1  pulling (12%)', '  gpu-1  pulling (100%)', '  gpu-1  done']);
  });
});
