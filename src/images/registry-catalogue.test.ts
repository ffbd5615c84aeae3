import { describe, expect, it } from 'vitest';
import { RegistryError, type ManifestInfo } from '../registry/client.js';
import { entryName, RegistryCatalogue } from './registry-catalogue.js';

const digest = (c: string) => `sha256:${c.repeat(64)}`;

/** A registry's answers, as the client would give them. */
function standIn(repos: Record<string, Record<string, { config: string; size: number } | Error> | Error>, labels: Record<string, Record<string, string>> = {}) {
  const calls = { labels: 0, repositories: 0 };
  let down = false;
  const client = {
    repositories: async () => {
      calls.repositories++;
      if (down) throw new RegistryError('unreachable', 'registry.example: ECONNREFUSED');
      return Object.keys(repos);
    },
    tags: async (repo: string) => {
      if (repos[repo] instanceof Error) throw repos[repo];
      return Object.keys(repos[repo] ?? {});
    },
    manifest: async (repo: string, tag: string): Promise<ManifestInfo> => {
      const m = (repos[repo] as Record<string, { config: string; size: number } | Error>)[tag]!;
      if (m instanceof Error) throw m;
      return { digest: digest(m.config), mediaType: 'application/vnd.oci.image.manifest.v1+json', sizeBytes: m.size, layers: 3, configDigest: digest(m.config) };
    },
    labels: async (_repo: string, config: string) => {
      calls.labels++;
      return labels[config] ?? {};
    },
  };
  return { client, calls, setDown: (d: boolean) => (down = d) };
}

const quiet = { warn: () => {} };

describe('catalogue names of registry images', () => {
  it('takes the repository under the prefix with / as -, and -<tag> unless it is latest', () => {
    expect(entryName('shiva/ml', 'latest', 'shiva/')).toBe('ml');
    expect(entryName('shiva/ml', 'cuda12.1', 'shiva/')).toBe('ml-cuda12-1');
    expect(entryName('shiva/team/nlp', 'V2_beta', 'shiva/')).toBe('team-nlp-v2-beta');
    expect(entryName('ml', 'latest', '')).toBe('ml');
    expect(entryName('shiva/a-very-long-repository-name-indeed', 'latest', 'shiva/')).toBeNull();
    expect(entryName('shiva/9lives', 'latest', 'shiva/')).toBeNull();
  });
});

describe('the registry catalogue', () => {
  it("lists every tag under the prefix with its size and description, leaving out saved environments and others' repositories", async () => {
    const { client } = standIn(
      {
        'shiva/ml': { latest: { config: 'a', size: 1000 }, cpu: { config: 'b', size: 900 } },
        'shiva/envs/alice/mine': { '20261130': { config: 'c', size: 5 } },
        'other/thing': { latest: { config: 'd', size: 1 } },
      },
      { [digest('a')]: { 'org.shiva.description': 'PyTorch and friends' } },
    );
    const catalogue = new RegistryCatalogue({ client, host: 'registry.example:5000', prefix: 'shiva/', log: quiet });
    await catalogue.refresh();
    expect(catalogue.entries()).toEqual([
      { name: 'ml-cpu', image: `registry.example:5000/shiva/ml@${digest('b')}`, repository: 'shiva/ml', tag: 'cpu', description: '', sizeBytes: 900, digest: digest('b'), layers: 3 },
      { name: 'ml', image: `registry.example:5000/shiva/ml@${digest('a')}`, repository: 'shiva/ml', tag: 'latest', description: 'PyTorch and friends', sizeBytes: 1000, digest: digest('a'), layers: 3 },
    ]);
    expect(catalogue.error()).toBeNull();
  });

  it('keeps the last listing when the registry is down, and says why', async () => {
    const stand = standIn({ 'shiva/ml': { latest: { config: 'a', size: 1 } } });
    const catalogue = new RegistryCatalogue({ client: stand.client, host: 'r', prefix: 'shiva/', log: quiet });
    await catalogue.refresh();
    stand.setDown(true);
    await catalogue.refresh();
    expect(catalogue.entries().map((e) => e.name)).toEqual(['ml']);
    expect(catalogue.error()).toContain('ECONNREFUSED');
    stand.setDown(false);
    await catalogue.refresh();
    expect(catalogue.error()).toBeNull();
  });

  it('leaves out an image it cannot read, a repository whose tags it cannot read, and every image of a name two would have, with a warning each', async () => {
    const warned: object[] = [];
    const { client, calls } = standIn({
      'shiva/ml': { latest: { config: 'a', size: 1 }, broken: new RegistryError('bad_answer', 'not an image manifest') },
      'shiva/nlp': { latest: { config: 'b', size: 1 } },
      'shiva/nlp-x': { latest: { config: 'a', size: 1 } },
      'shiva/nlp/x': { latest: { config: 'a', size: 1 } },
      'shiva/gone': new RegistryError('not_found', 'NAME_UNKNOWN'),
    });
    const catalogue = new RegistryCatalogue({ client, host: 'r', prefix: 'shiva/', log: { warn: (o) => warned.push(o) } });
    await catalogue.refresh();
    expect(catalogue.entries().map((e) => e.image)).toEqual([`r/shiva/ml@${digest('a')}`, `r/shiva/nlp@${digest('b')}`]);
    expect(catalogue.error()).toBeNull();
    expect(warned).toHaveLength(4);
    // One read of the labels per image config, however many tags share it.
    expect(calls.labels).toBe(2);
  });

  it('keeps 500 characters of a description, and lists the registry once however many ask at a time', async () => {
    const { client, calls } = standIn({ 'shiva/ml': { latest: { config: 'a', size: 1 } } }, { [digest('a')]: { 'org.shiva.description': 'x'.repeat(100_000) } });
    const catalogue = new RegistryCatalogue({ client, host: 'r', prefix: 'shiva/', log: quiet });
    await Promise.all([catalogue.refresh(), catalogue.refresh(), catalogue.refresh()]);
    expect(calls.repositories).toBe(1);
    expect(catalogue.entries()[0]!.description).toHaveLength(500);
  });

  it('fails a refresh that outlasts its deadline and keeps the last listing', async () => {
    const stand = standIn({ 'shiva/ml': { latest: { config: 'a', size: 1 } } });
    let slow = false;
    const client = { ...stand.client, tags: async (repo: string) => (slow ? new Promise<string[]>((r) => setTimeout(() => r(['latest', 'new']), 100)) : stand.client.tags(repo)) };
    const catalogue = new RegistryCatalogue({ client, host: 'r', prefix: 'shiva/', log: quiet, deadlineMs: 50 });
    await catalogue.refresh();
    slow = true;
    await catalogue.refresh();
    expect(catalogue.error()).toContain('longer than');
    expect(catalogue.entries().map((e) => e.name)).toEqual(['ml']);
  });
});
