import { describe, expect, it } from 'vitest';
import { parseSshUser, sshUser } from './ssh.js';

describe('SSH user names', () => {
  it('read a user alone as their only or default sandbox, and user.sandbox as that sandbox', () => {
    expect(parseSshUser('alice')).toEqual({ username: 'alice', sandbox: null });
    expect(parseSshUser('alice.main-2')).toEqual({ username: 'alice', sandbox: 'main-2' });
    expect(sshUser('alice', 'main')).toBe('alice.main');
    expect(parseSshUser(sshUser('bob', 'gpu'))).toEqual({ username: 'bob', sandbox: 'gpu' });
  });

  it('refuse what no user or sandbox name can be', () => {
    for (const bad of ['', 'Alice', 'alice.', '.main', 'alice.main.x', 'alice+main', 'root@x', 'a'.repeat(33), 'alice.MAIN']) {
      expect(parseSshUser(bad), bad).toBeNull();
    }
  });
});
