/**
 * The defaults hold a team: a hub with default settings (default size, request fraction and
 * cpuOvercommit) on a workstation reporting 8 CPUs holds at least four default sandboxes, and a
 * 2-CPU laptop more than one, because CPUs are held by request; memory stays strict, and the
 * launch beyond it is refused in words that say what will work. Over HTTP against a real hub;
 * the engine is the fake runtime, whose info() is the machine's size.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Machine, Sandbox } from '../src/contract/api.js';
import type { EngineInfo } from '../src/runtime/types.js';
import { FakeRuntime } from '../src/runtime/fake/fake-runtime.js';
import { startTestHub, type TestHub } from './support/hub.js';

const GiB = 1024 ** 3;

/** An engine on a machine of the given size. */
class SizedRuntime extends FakeRuntime {
  constructor(private readonly size: { cpus: number; memoryGiB: number }) {
    super();
  }

  override async info(): Promise<EngineInfo> {
    return { ...(await super.info()), cpus: this.size.cpus, memoryBytes: this.size.memoryGiB * GiB };
  }
}

interface ErrorBody {
  error: { code: string; message: string; details?: { largest: unknown } };
}

describe('default sizes on real machines', () => {
  const hubs: Array<{ t: TestHub; runtime: FakeRuntime }> = [];
  afterEach(async () => {
    for (const { t, runtime } of hubs.splice(0)) {
      await t.close();
      await runtime.closeAll();
    }
  });

  /** A hub with the configuration's own defaults for sandboxes and the scheduler. */
  const hubOn = async (size: { cpus: number; memoryGiB: number }) => {
    const runtime = new SizedRuntime(size);
    // Empty sections take every default: the test support's small sizes and overcommit are not used.
    const t = await startTestHub({ makeRuntime: () => runtime, config: { sandboxes: {}, scheduler: {} } });
    hubs.push({ t, runtime });
    return t;
  };
  const launch = (t: TestHub, token: string, name: string) => t.api<Sandbox & ErrorBody>(token, 'POST', '/api/sandboxes', { name });

  it('holds four default sandboxes on a machine reporting 8 CPUs and 16 GiB, and refuses the fifth for memory, saying what to do', async () => {
    const t = await hubOn({ cpus: 8, memoryGiB: 16 });
    const [alice, bob] = [await t.user('alice'), await t.user('bob')];
    const launched = [];
    for (const [token, name] of [[alice, 'a1'], [alice, 'a2'], [alice, 'a3'], [bob, 'b1']] as const) {
      const res = await launch(t, token, name);
      expect(res.status).toBe(202);
      launched.push(res.body);
    }
    expect(launched.map((s) => [s.cpus, s.cpuRequest, s.memoryGiB])).toEqual(Array(4).fill([2, 0.5, 4]));

    const [machine] = (await t.api<Machine[]>(bob, 'GET', '/api/machines')).body;
    expect(machine).toMatchObject({ capacity: { cpus: 8 }, allocated: { cpus: 2, memoryBytes: 16 * GiB }, free: { cpus: 6, memoryBytes: 0 } });

    const fifth = await launch(t, bob, 'b2');
    expect(fifth.status).toBe(409);
    expect(fifth.body.error.code).toBe('NO_CAPACITY');
    expect(fifth.body.error.message).toBe(
      'No machine has room for 2 CPUs (0.5 reserved), 4 GiB: local: 0 GiB free (4 GiB asked). The most room is on local: 6 CPUs, 0 GiB, 0 GPUs. ' +
        'Nothing fits on any machine now: stop one of your sandboxes.',
    );
    expect(fifth.body.error.details?.largest).toBeNull();
  });

  it('holds more than one default sandbox on a 2-CPU laptop, and offers what still fits', async () => {
    const t = await hubOn({ cpus: 2, memoryGiB: 10 });
    const alice = await t.user('alice');
    expect((await launch(t, alice, 'one')).status).toBe(202);
    expect((await launch(t, alice, 'two')).status).toBe(202);
    const third = await launch(t, alice, 'three');
    expect(third.status).toBe(409);
    // 1 CPU of request and 2 GiB are left: a sandbox of 2 CPUs (the laptop's count) and 2 GiB fits.
    expect(third.body.error.message).toContain('The largest that fits now is 2 CPUs and 2 GiB on local; ask for that or less, or stop one of your sandboxes.');
    expect(third.body.error.details?.largest).toEqual({ machine: 'local', cpus: 2, cpuRequest: 0.5, memoryGiB: 2 });
    const offered = await t.api<Sandbox>(alice, 'POST', '/api/sandboxes', { name: 'three', cpus: 2, memoryGiB: 2 });
    expect(offered.status).toBe(202);
  });
});
