import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/load.js';
import { Environments, type Viewer } from '../environments/environments.js';
import { openDatabase } from '../store/database.js';
import { EnvironmentRepository } from '../store/environments.js';
import { UserRepository } from '../store/users.js';
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

  it("gives engines a token for the repository where the registry asks for bearer tokens, the credentials where it asks for Basic, and nothing for other registries", async () => {
    const asked: string[] = [];
    let answer: { registrytoken: string } | 'basic' | null = { registrytoken: 'tok' };
    const client = {
      engineAuth: async (repository: string, actions: string) => {
        asked.push(`${repository} ${actions}`);
        return answer;
      },
    };
    const catalogue = new ImageCatalogue(config, null, { username: 'shiva', password: 'pw' }, client);
    expect(await catalogue.credentialsFor('registry.example:5000/shiva/ml@sha256:' + 'a'.repeat(64))).toEqual({ registrytoken: 'tok', serveraddress: 'registry.example:5000' });
    expect(await catalogue.credentialsFor('registry.example:5000/shiva/envs/alice/x:20261130', 'pull,push')).toEqual({ registrytoken: 'tok', serveraddress: 'registry.example:5000' });
    expect(asked).toEqual(['shiva/ml pull', 'shiva/envs/alice/x pull,push']);
    answer = 'basic';
    expect(await catalogue.credentialsFor('registry.example:5000/shiva/ml:latest')).toEqual({ username: 'shiva', password: 'pw', serveraddress: 'registry.example:5000' });
    answer = null;
    expect(await catalogue.credentialsFor('registry.example:5000/shiva/ml:latest')).toBeUndefined();
    expect(await catalogue.credentialsFor('registry.example:5000.evil.example/shiva/ml:latest')).toBeUndefined();
    expect(await catalogue.credentialsFor('docker.io/library/debian:12')).toBeUndefined();
    expect(await new ImageCatalogue(config).credentialsFor('registry.example:5000/shiva/ml:latest')).toBeUndefined();
    // Asked only for references in the team's registry.
    expect(asked).toHaveLength(4);
  });

  it('lists a saved environment as its record stands after each save, share, unshare and delete', async () => {
    const db = await openDatabase(':memory:');
    try {
      const users = new UserRepository(db, { first: 30000, last: 30009 });
      const alice: Viewer = { userId: (await users.create({ username: 'alice', passwordHash: null, role: 'user' }))!.id, admin: false };
      const bob: Viewer = { userId: (await users.create({ username: 'bob', passwordHash: null, role: 'user' }))!.id, admin: false };
      const environments = new Environments({ repo: new EnvironmentRepository(db), registry: null, registryHost: 'registry.example:5000', limits: config.environments, log: { warn: () => {}, info: () => {} } });
      await environments.load();
      const catalogue = new ImageCatalogue(config, null, null, null, environments);
      const saved = (viewer: Viewer) => catalogue.list(viewer).filter((i) => i.source === 'environment').map((i) => [i.entry.name, i.entry.description, i.entry.image]);
      const save = (description: string, digest: string) =>
        environments.record({
          user_id: alice.userId,
          username: 'alice',
          name: 'torch',
          description,
          base_image: 'notebook',
          sudo: 0,
          repository: 'shiva/envs/alice/torch',
          tag: `2026113${digest}`,
          digest: `sha256:${digest.repeat(64)}`,
          size_bytes: 42,
          layers: 3,
          shared: 0,
          created_at: '2026-11-30T10:00:00.000Z',
        });

      const first = (await save('v1', 'a')).saved;
      expect(saved(alice)).toEqual([['alice/torch', 'v1', `registry.example:5000/shiva/envs/alice/torch@sha256:${'a'.repeat(64)}`]]);
      expect(saved(bob)).toEqual([]);
      await environments.setShared(alice, first.id, true);
      expect(saved(bob)).toEqual([['alice/torch', 'v1', `registry.example:5000/shiva/envs/alice/torch@sha256:${'a'.repeat(64)}`]]);
      const second = (await save('v2', 'b')).saved;
      expect(saved(alice)).toEqual([['alice/torch', 'v2', `registry.example:5000/shiva/envs/alice/torch@sha256:${'b'.repeat(64)}`]]);
      expect(catalogue.find('alice/torch', alice)?.image).toBe(`registry.example:5000/shiva/envs/alice/torch@sha256:${'b'.repeat(64)}`);
      expect(saved(bob)).toEqual([]);
      await environments.setShared(alice, second.id, true);
      await environments.setShared(alice, second.id, false);
      expect(saved(bob)).toEqual([]);
      await environments.remove(alice, second.id);
      expect(saved(alice)).toEqual([]);
      expect(catalogue.find('alice/torch', alice)).toBeUndefined();
    } finally {
      await db.destroy();
    }
  });
});
