/**
 * A sandbox near its memory limit on the real engine: its owner sees the memory in use in the
 * sandbox's view, and one memory_warning event at 90% of the limit, before any kill. A process
 * run in the container (as a notebook kernel would) takes memory until 95% of the limit.
 */
import Docker from 'dockerode';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Sandbox } from '../src/contract/api.js';
import { LABELS } from '../src/runtime/types.js';
import { describeDocker, TINY_IMAGE } from './support/docker.js';
import { startTestHub, type TestHub } from './support/hub.js';
import { waitFor, waitForState } from './support/wait.js';

const ENGINE = process.env.DOCKER_HOST || 'unix:///var/run/docker.sock';
const docker = new Docker({ socketPath: ENGINE.replace(/^unix:\/\//, '') });
const MiB = 1024 ** 2;
const LIMIT_GIB = 0.25;

/**
 * Holds memory in 2 MiB pieces until the container uses `share` of `limit` bytes, counted as the
 * hub counts it (usage less the inactive file cache; cgroup v1 or v2), then keeps it a while.
 */
const TAKE_MEMORY = `
import sys, time
limit, share = int(sys.argv[1]), float(sys.argv[2])
def read(path):
    try:
        with open(path) as f: return f.read()
    except OSError: return None
v2 = read('/sys/fs/cgroup/memory.current') is not None
def used():
    usage = int(read('/sys/fs/cgroup/memory.current' if v2 else '/sys/fs/cgroup/memory/memory.usage_in_bytes'))
    stat = read('/sys/fs/cgroup/memory.stat' if v2 else '/sys/fs/cgroup/memory/memory.stat') or ''
    key = 'inactive_file' if v2 else 'total_inactive_file'
    for line in stat.splitlines():
        name, value = line.split()
        if name == key: return usage - int(value)
    return usage
held = []
while used() < share * limit: held.append(b'x' * (2 << 20))
time.sleep(300)
`;

describeDocker('a sandbox near its memory limit, on the real engine', [TINY_IMAGE], () => {
  let t: TestHub;
  let alice: string;

  beforeAll(async () => {
    t = await startTestHub({
      timers: true,
      config: {
        health: { intervalSeconds: 1, timeoutSeconds: 2 },
        sandboxes: { defaults: { cpus: 0.5, memoryGiB: LIMIT_GIB }, readinessTimeoutSeconds: 30, stopTimeoutSeconds: 1 },
      },
    });
    alice = await t.user('alice');
  });
  afterAll(async () => {
    await t?.close();
  });

  const view = async (id: string) => (await t.api<Sandbox>(alice, 'GET', `/api/sandboxes/${id}`)).body;
  /** The event stream of a running sandbox replays its history and ends: the codes in it. */
  const codes = async (id: string) => {
    const res = await fetch(`${t.url}/api/sandboxes/${id}/events`, { headers: { authorization: `Bearer ${alice}` } });
    const text = await res.text();
    return [...text.matchAll(/^data: (.*)$/gm)].map((m) => (JSON.parse(m[1]!) as { code: string | null }).code);
  };

  it("shows the memory in use beside the limit, and warns the owner once at 90% of it", async () => {
    const launched = await t.api<Sandbox>(alice, 'POST', '/api/sandboxes', { name: 'big' });
    expect(launched.status).toBe(202);
    const { id } = launched.body;
    await waitForState(t, alice, id, 'running');
    await waitFor(async () => (await view(id)).memoryUsedBytes !== null, { timeoutMs: 20_000, what: 'the first memory reading' });
    const idle = await view(id);
    expect(idle.memoryGiB).toBe(LIMIT_GIB);
    expect(idle.memoryUsedBytes!).toBeGreaterThan(0);
    expect(idle.memoryUsedBytes!).toBeLessThan(0.9 * LIMIT_GIB * 1024 * MiB);
    expect(await codes(id)).not.toContain('memory_warning');

    const [container] = await docker.listContainers({ filters: { label: [`${LABELS.deployment}=${t.hub.deploymentId}`, `${LABELS.name}=big`] } });
    const exec = await docker.getContainer(container!.Id).exec({ Cmd: ['python3', '-c', TAKE_MEMORY, String(LIMIT_GIB * 1024 * MiB), '0.95'] });
    await exec.start({ Detach: true });

    await waitFor(async () => (await codes(id)).includes('memory_warning'), { timeoutMs: 30_000, what: 'the memory_warning event' });
    const high = await view(id);
    expect(high.state).toBe('running');
    expect(high.memoryUsedBytes!).toBeGreaterThanOrEqual(0.9 * LIMIT_GIB * 1024 * MiB);
    // Later readings stay high: still one warning, not one per reading. The held memory may read
    // the same to the byte, so wait for health checks (one a second here), not for a new figure.
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    expect((await view(id)).memoryUsedBytes!).toBeGreaterThanOrEqual(0.9 * LIMIT_GIB * 1024 * MiB);
    expect((await codes(id)).filter((c) => c === 'memory_warning')).toHaveLength(1);
  });
});
