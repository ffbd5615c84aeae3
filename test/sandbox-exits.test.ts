/**
 * Every exit of a sandbox explained, on a real Docker Engine with the tiny image: a server that
 * outgrows its memory limit, a `docker kill` and a `docker rm -f` from outside, and a death
 * while the hub is down. The hub here runs no periodic reconcile, so what ends these sandboxes
 * is the exit watcher following the engine's events (src/sandboxes/exits.ts).
 *
 * The tiny image's `POST hog/<mib>` (images/tiny) makes its server use memory on demand;
 * SHIVA_TEST_TINY_IMAGE tests a tiny image built under another tag (a branch's, say).
 */
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeDocker, TINY_IMAGE } from './support/docker.js';
import { startTestHub, testCatalogue, type TestHub } from './support/hub.js';
import { waitFor, waitForState } from './support/wait.js';

const IMAGE = process.env.SHIVA_TEST_TINY_IMAGE || TINY_IMAGE;

interface Sandbox {
  id: string;
  name: string;
  state: string;
  reason: string | null;
  logTail?: string | null;
}

describeDocker('the exits of sandboxes, explained', [IMAGE], () => {
  let t: TestHub;
  let alice: string;
  const config = {
    images: { ...testCatalogue, catalogue: [...testCatalogue.catalogue, { name: 'hog', image: IMAGE, description: 'uses memory on demand' }] },
  };

  beforeAll(async () => {
    t = await startTestHub({ config });
    alice = await t.user('alice');
  });
  afterAll(async () => {
    await t?.close();
  });

  const launch = async (name: string, memoryGiB = 0.5): Promise<{ sandbox: Sandbox; container: string }> => {
    const launched = await t.api<Sandbox>(alice, 'POST', '/api/sandboxes', { name, image: 'hog', memoryGiB });
    expect(launched.status).toBe(202);
    const sandbox = await waitForState<Sandbox>(t, alice, launched.body.id, 'running');
    const row = await t.hub.sandboxesRepo.byId(sandbox.id);
    return { sandbox, container: row!.container_id! };
  };

  const ended = async (id: string): Promise<Sandbox> => {
    let seen: Sandbox | undefined;
    await waitFor(
      async () => {
        seen = (await t.api<Sandbox>(alice, 'GET', `/api/sandboxes/${id}`)).body;
        return seen.state === 'stopped';
      },
      { timeoutMs: 20_000, what: `sandbox ${id} to stop` },
    );
    return seen!;
  };

  it('ends a sandbox whose server outgrew its memory limit as out of memory at that limit, after saying a process was killed', async () => {
    const { sandbox } = await launch('greedy', 0.25);
    // The kernel kills the server mid-answer: the request fails, which is the point.
    await fetch(`${t.url}/user/alice/greedy/hog/600`, { method: 'POST', headers: { authorization: `Bearer ${alice}` } }).catch(() => undefined);
    const after = await ended(sandbox.id);
    expect(after.reason).toBe('out of memory: the sandbox used its 0.25 GiB limit');
    const history = await t.hub.events.history(sandbox.id);
    expect(history.find((e) => e.code === 'oom_kill')?.message).toBe('A process was killed: out of memory at the 0.25 GiB limit');
    expect(history.at(-1)?.message).toBe('Stopped: out of memory: the sandbox used its 0.25 GiB limit');
    expect(await t.hub.metrics.exposition()).toMatch(/shiva_sandbox_oom_kills_total\{user="alice",machine="local"\} [1-9]/);
    // Its address says the same to its owner, and nothing of it to anyone else.
    const owner = await fetch(`${t.url}/user/alice/greedy/`, { headers: { authorization: `Bearer ${alice}` } });
    expect(owner.status).toBe(503);
    expect(((await owner.json()) as { error: { message: string } }).error.message).toBe(
      'The sandbox alice/greedy has stopped: out of memory: the sandbox used its 0.25 GiB limit. Launch it again from the dashboard.',
    );
    const other = await fetch(`${t.url}/user/alice/greedy/`, { headers: { authorization: `Bearer ${await t.user('bob')}` } });
    expect(other.status).toBe(403);
    expect(await other.text()).not.toContain('memory');
  });

  it('says a sandbox killed with docker kill was stopped outside Shiva, and keeps its last log lines without its token', async () => {
    const { sandbox, container } = await launch('killed');
    execFileSync('docker', ['kill', container]);
    const after = await ended(sandbox.id);
    expect(after.reason).toBe('it was stopped outside Shiva (SIGKILL, exit code 137)');
    expect(after.logTail).toContain('tiny');
    const token = (await t.hub.sandboxesRepo.byId(sandbox.id))!.token;
    expect(after.logTail).not.toContain(token);
  });

  it('says a sandbox whose container was removed with docker rm -f was removed outside Shiva', async () => {
    const { sandbox, container } = await launch('removed');
    execFileSync('docker', ['rm', '-f', container]);
    expect((await ended(sandbox.id)).reason).toBe('its container was removed outside Shiva (docker rm)');
  });

  it('explains a death while the hub was down once it is back, from the events the engine kept', async () => {
    const { sandbox, container } = await launch('while-down');
    const { dataDir } = t;
    await t.close({ keepData: true });
    execFileSync('docker', ['kill', container]);
    t = await startTestHub({ config, dataDir });
    const after = (await t.api<Sandbox>(alice, 'GET', `/api/sandboxes/${sandbox.id}`)).body;
    expect(after.state).toBe('stopped');
    expect(after.reason).toBe('it was stopped outside Shiva (SIGKILL, exit code 137)');
  });
});
