import { describe, expect, it } from 'vitest';
import type { SandboxRow } from '../store/sandboxes.js';
import { resolveTarget } from './target.js';

const row = (name: string, state: string, extra: Partial<SandboxRow> = {}): SandboxRow =>
  ({ id: `id-${name}`, username: 'alice', name, machine: 'local', state, container_id: state === 'running' ? `c-${name}` : null, ...extra }) as SandboxRow;

describe('which sandbox an SSH user name reaches', () => {
  it('takes the one named, the only one, or main among several', () => {
    expect(resolveTarget({ username: 'alice', sandbox: 'gpu' }, [row('main', 'running'), row('gpu', 'running')], undefined)).toMatchObject({ ok: true, sandbox: { id: 'id-gpu', containerId: 'c-gpu' } });
    expect(resolveTarget({ username: 'alice', sandbox: null }, [row('lab', 'running')], undefined)).toMatchObject({ ok: true, sandbox: { name: 'lab' } });
    expect(resolveTarget({ username: 'alice', sandbox: null }, [row('gpu', 'running'), row('main', 'running')], undefined)).toMatchObject({ ok: true, sandbox: { name: 'main' } });
  });

  it('says what to do when none fits, in words naming the sandbox', () => {
    const say = (sandbox: string | null, live: SandboxRow[], latest?: SandboxRow) => {
      const r = resolveTarget({ username: 'alice', sandbox }, live, latest);
      return r.ok ? 'reached' : r.message;
    };
    expect(say('main', [], row('main', 'stopped'))).toBe('sandbox main is stopped: start it on the dashboard or with shiva launch main');
    expect(say('main', [], row('main', 'failed'))).toBe('sandbox main is failed: start it on the dashboard or with shiva launch main');
    expect(say(null, [])).toBe('alice has no sandbox running: start it on the dashboard or with shiva launch main');
    expect(say(null, [row('a', 'running'), row('b', 'running')])).toBe('alice has 2 sandboxes: connect as alice.a or alice.b');
    expect(say('main', [row('main', 'starting')])).toBe('sandbox main is starting, not running yet: try again in a moment');
    expect(say('main', [row('main', 'unknown')])).toBe('sandbox main is on a machine that does not answer now: try again in a moment');
  });
});
