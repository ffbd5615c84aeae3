import { describe, expect, it } from 'vitest';
import type { LocalImage } from '../runtime/types.js';
import { listedName, presentImages } from './local-images.js';

const image = (id: string, tags: string[], digests: string[] = []): LocalImage => ({ id, tags, digests, createdAt: '2026-01-05T10:00:00.000Z', sizeBytes: 1 });

describe('local images', () => {
  it('names a reference as the engine lists it', () => {
    expect(listedName('shiva/notebook')).toBe('shiva/notebook:latest');
    expect(listedName('shiva/notebook:1.2')).toBe('shiva/notebook:1.2');
    expect(listedName('docker.io/library/python:3.12')).toBe('python:3.12');
    expect(listedName('docker.io/jupyter/base-notebook')).toBe('jupyter/base-notebook:latest');
    expect(listedName('registry.lan:5000/shiva/ml')).toBe('registry.lan:5000/shiva/ml:latest');
    expect(listedName('registry.lan:5000/shiva/ml@sha256:ab')).toBe('registry.lan:5000/shiva/ml@sha256:ab');
    expect(listedName('registry.lan:5000/shiva/ml:1@sha256:ab')).toBe('registry.lan:5000/shiva/ml@sha256:ab');
  });

  it('finds the catalogue references a machine holds by tag or by digest, and only those', () => {
    const held = [image('a', ['shiva/notebook:latest']), image('b', [], ['reg:5000/shiva/ml@sha256:ab']), image('c', ['other:1'])];
    const present = presentImages(held, ['shiva/notebook', 'reg:5000/shiva/ml@sha256:ab', 'shiva/absent:1']);
    expect([...present].map(([ref, i]) => [ref, i.id])).toEqual([
      ['shiva/notebook', 'a'],
      ['reg:5000/shiva/ml@sha256:ab', 'b'],
    ]);
  });
});
