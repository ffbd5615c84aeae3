import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/load.js';
import { ImageCatalogue } from './catalogue.js';
import type { RegistryEntry } from './registry-catalogue.js';

const env = {} as NodeJS.ProcessEnv;
const found = (name: string, image: string): RegistryEntry => ({ name, image, repository: 'shiva/x', tag: 'latest', description: 'from the registry', sizeBytes: 42, digest: `sha256:${'a'.repeat(64)}`, layers: 3 });

describe('the image catalogue', () => {
  const config = parseConfig({ registry: { url: 'https://registry.example:5000' }, images: { catalogue: [{ name: 'notebook', image: 'shiva/notebook:latest' }] } }, env);

  it("lists the configured entries, then the registry's whose names are free, and finds either by name", () => {
    const catalogue = new ImageCatalogue(config, { entries: () => [found('notebook', 'registry.example:5000/shiva/notebook:latest'), found('ml', 'registry.example:5000/shiva/ml:latest')] });
    expect(catalogue.list().map((i) => [i.entry.name, i.source, i.sizeBytes])).toEqual([
      ['notebook', 'config', null],
      ['ml', 'registry', 42],
    ]);
    expect(catalogue.find('notebook')?.image).toBe('shiva/notebook:latest');
    expect(catalogue.find('ml')).toMatchObject({ image: 'registry.example:5000/shiva/ml:latest', sudo: false, env: {} });
    expect(catalogue.find('nothing')).toBeUndefined();
  });

  it("gives the registry's credentials to pulls from the registry only", () => {
    const catalogue = new ImageCatalogue(config, null, { username: 'shiva', password: 'pw' });
    expect(catalogue.credentialsFor('registry.example:5000/shiva/ml:latest')).toEqual({ username: 'shiva', password: 'pw', serveraddress: 'registry.example:5000' });
    expect(catalogue.credentialsFor('registry.example:5000.evil.example/shiva/ml:latest')).toBeUndefined();
    expect(catalogue.credentialsFor('docker.io/library/debian:12')).toBeUndefined();
    expect(new ImageCatalogue(config).credentialsFor('registry.example:5000/shiva/ml:latest')).toBeUndefined();
  });
});
