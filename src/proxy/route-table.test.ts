import { describe, expect, it } from 'vitest';
import { sandboxLabel } from '../contract/sandbox-host.js';
import { parseUserPath, RouteTable } from './route-table.js';
import type { ProxyRoute } from './types.js';

function route(user: string, name: string, sandboxId = `${user}-${name}`, port = 9000): ProxyRoute {
  return { sandboxId, user, name, target: { host: '127.0.0.1', port }, token: `tok-${sandboxId}` };
}

describe('RouteTable', () => {
  it('finds a route by user/name and by sandbox id', () => {
    const table = new RouteTable();
    table.set(route('alice', 'main'));
    expect(table.get('alice', 'main')?.target.port).toBe(9000);
    expect(table.bySandboxId('alice-main')?.name).toBe('main');
    expect(table.get('alice', 'other')).toBeUndefined();
    expect(table.get('bob', 'main')).toBeUndefined();
    expect(table.size).toBe(1);
  });

  it('finds a route by the DNS label of its sandbox host, in both label forms, until it goes', () => {
    const table = new RouteTable();
    table.set(route('alice', 'main'));
    table.set(route('a--b', 'c'));
    expect(table.byLabel('main--alice')?.sandboxId).toBe('alice-main');
    expect(table.byLabel(sandboxLabel('a--b', 'c'))?.sandboxId).toBe('a--b-c');
    expect(table.byLabel('main--bob')).toBeUndefined();
    table.set(route('alice', 'renamed', 'alice-main'));
    expect(table.byLabel('main--alice')).toBeUndefined();
    expect(table.byLabel('renamed--alice')?.sandboxId).toBe('alice-main');
    table.clear();
    expect(table.byLabel('renamed--alice')).toBeUndefined();
  });

  it('replaces the route at the same address without growing', () => {
    const table = new RouteTable();
    table.set(route('alice', 'main', 's1', 9000));
    table.set(route('alice', 'main', 's2', 9001));
    expect(table.size).toBe(1);
    expect(table.get('alice', 'main')?.sandboxId).toBe('s2');
    expect(table.bySandboxId('s1')).toBeUndefined();
    expect(table.bySandboxId('s2')?.target.port).toBe(9001);
  });

  it('moves a sandbox routed under a new name instead of keeping two addresses', () => {
    const table = new RouteTable();
    table.set(route('alice', 'old', 's1'));
    table.set(route('alice', 'new', 's1'));
    expect(table.size).toBe(1);
    expect(table.get('alice', 'old')).toBeUndefined();
    expect(table.get('alice', 'new')?.sandboxId).toBe('s1');
    expect(table.list().map((r) => `${r.user}/${r.name}`)).toEqual(['alice/new']);
  });

  it('tells its listeners when a sandbox stops being routed, not when its route is only set again', () => {
    const table = new RouteTable();
    const removed: string[] = [];
    const unsubscribe = table.onRemoved((id) => removed.push(id));
    table.set(route('alice', 'main', 's1', 9000));
    table.set(route('alice', 'main', 's1', 9001));
    expect(removed).toEqual([]);
    table.set(route('alice', 'main', 's2', 9002));
    expect(removed).toEqual(['s1']);
    table.delete('alice', 'main');
    table.delete('alice', 'main');
    expect(removed).toEqual(['s1', 's2']);
    unsubscribe();
    table.set(route('bob', 'main', 's3'));
    table.delete('bob', 'main');
    expect(removed).toEqual(['s1', 's2']);
  });

  it('keeps its own copy, so later changes to the caller object do not reroute traffic', () => {
    const table = new RouteTable();
    const r = route('alice', 'main');
    table.set(r);
    r.target.port = 1;
    expect(table.get('alice', 'main')?.target.port).toBe(9000);
  });

  it('deletes, lists and clears', () => {
    const table = new RouteTable();
    table.set(route('alice', 'main'));
    table.set(route('alice', 'gpu'));
    table.set(route('bob', 'main'));
    expect(table.list()).toHaveLength(3);
    expect(table.delete('alice', 'main')).toBe(true);
    expect(table.delete('alice', 'main')).toBe(false);
    expect(table.bySandboxId('alice-main')).toBeUndefined();
    expect(table.size).toBe(2);
    table.clear();
    expect(table.size).toBe(0);
    expect(table.list()).toEqual([]);
    expect(table.get('bob', 'main')).toBeUndefined();
  });
});

describe('parseUserPath', () => {
  it('finds the user and sandbox of a sandbox URL', () => {
    expect(parseUserPath('/user/alice/main/')).toEqual({ user: 'alice', name: 'main', prefixEnd: 16, needsSlash: false });
    expect(parseUserPath('/user/alice/main/lab/tree?a=1')).toMatchObject({ user: 'alice', name: 'main', needsSlash: false });
    expect(parseUserPath('/user/a1/x-2/api/contents/a%2Fb.ipynb')).toMatchObject({ user: 'a1', name: 'x-2' });
    expect(parseUserPath('/user/alice/main/files/.hidden/..x/a.b')).toMatchObject({ user: 'alice', name: 'main' });
  });

  it('asks for a trailing slash after the sandbox name', () => {
    expect(parseUserPath('/user/alice/main')).toEqual({ user: 'alice', name: 'main', prefixEnd: 16, needsSlash: true });
    expect(parseUserPath('/user/alice/main?token=x')).toMatchObject({ prefixEnd: 16, needsSlash: true });
  });

  it('refuses other shapes and names outside the name pattern', () => {
    for (const url of [
      '/',
      '/users/alice/main/',
      '/user/',
      '/user/alice',
      '/user/alice/',
      '/user//main/',
      '/user/Alice/main/',
      '/user/alice/ma_in/',
      '/user/alice/-main/',
      '/user/alice/main-/',
      '/user/alice%2fbob/main/',
      `/user/${'a'.repeat(33)}/main/`,
    ]) {
      expect(parseUserPath(url), url).toBeNull();
    }
  });

  it('refuses dot segments, plain or percent-encoded, anywhere in the path', () => {
    for (const url of [
      '/user/alice/../bob/x',
      '/user/alice/%2e%2e/bob/x',
      '/user/alice/main/../../bob/main/x',
      '/user/alice/main/%2e%2e/%2E%2E/bob/main/',
      '/user/alice/main/.%2e/x',
      '/user/alice/main/./x',
      '/user/alice/main/..',
      '/user/alice/main/x/%2e?q=1',
    ]) {
      expect(parseUserPath(url), url).toBeNull();
    }
    // Dots in the query are not path segments.
    expect(parseUserPath('/user/alice/main/x?path=../y')).not.toBeNull();
  });
});
