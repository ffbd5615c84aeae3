/**
 * The save's rules on the fake runtime with a stand-in registry: one save at a time per user, a
 * save over the size limit leaves nothing behind, events carry the sandbox's state as it is, and
 * the saved configuration keeps only the base image's and the environment's own.
 */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/load.js';
import { ShivaError } from '../contract/errors.js';
import type { SandboxState } from '../contract/sandbox-states.js';
import { FakeRuntime } from '../runtime/fake/fake-runtime.js';
import type { SandboxRow } from '../store/sandboxes.js';
import { EnvironmentSaver, type SaverDeps } from './save.js';

const HOST = '127.0.0.1:5000';
const config = parseConfig({ registry: { url: `http://${HOST}` } }, {});

function setup(options: { sizeLimitAfterPush?: boolean } = {}) {
  const runtime = new FakeRuntime({ images: { 'shiva/tiny:latest': { 'org.shiva.port': '8888' } } });
  let row: SandboxRow | undefined;
  const events: Array<{ state: SandboxState; code: string | undefined; message: string }> = [];
  const deleted: string[] = [];
  const recorded: object[] = [];
  let checks = 0;
  let releasePush: () => void = () => {};
  const pushGate = new Promise<void>((r) => (releasePush = r));
  const push = runtime.pushImage.bind(runtime);
  runtime.pushImage = async (ref, onProgress) => {
    await pushGate;
    return push(ref, onProgress);
  };
  const deps: SaverDeps = {
    config,
    repo: { byId: async () => row },
    machines: { get: () => ({ runtime }) as never },
    events: {
      record: async (_id, state, message, _percent, detail) => {
        events.push({ state, code: detail?.code, message });
        return {} as never;
      },
    },
    images: { credentialsFor: async () => undefined, list: () => [] },
    registry: {
      manifest: async () => ({ digest: `sha256:${'d'.repeat(64)}`, mediaType: 'x', sizeBytes: 2 * 1024 ** 3, layers: 2, configDigest: `sha256:${'c'.repeat(64)}` }),
      deleteManifest: async (repository, digest) => void deleted.push(`${repository}@${digest}`),
    },
    environments: {
      checkLimits: (_user, _name, added = 0) => {
        checks++;
        if (options.sizeLimitAfterPush && added > 0) throw new ShivaError('ENVIRONMENT_SIZE_LIMIT', 'Your saved environments take 2.00 GiB of the 1 GiB you may use; delete one first.');
      },
      record: async (saved) => {
        recorded.push(saved);
        return { saved: { ...saved, id: 'e1' }, replaced: null };
      },
      origin: () => undefined,
    },
    log: { info: () => {}, warn: () => {}, error: () => {} },
  };
  return { runtime, deps, events, deleted, recorded, releasePush, checks: () => checks, setRow: (r: SandboxRow) => (row = r) };
}

async function running(runtime: FakeRuntime, userId = 1, username = 'alice'): Promise<SandboxRow> {
  const id = await runtime.create({
    name: `box-${userId}`,
    image: 'shiva/tiny:latest',
    env: { JUPYTER_TOKEN: 'the-sandbox-secret', SHIVA_USER: username },
    labels: { 'org.shiva.sandbox': 's1' },
    port: 8888,
    publishAddress: '127.0.0.1',
    cpus: 1,
    cpuRequest: 1,
    memoryBytes: 1024 ** 3,
    shmBytes: 64 * 1024 ** 2,
    pidsLimit: 100,
    home: { hostPath: '/tmp', containerPath: '/home/shiva' },
    user: '1000:1000',
  });
  await runtime.start(id);
  return { id: 's1', user_id: userId, username, name: 'box', image: 'tiny', image_ref: 'shiva/tiny:latest', machine: 'one', state: 'running', container_id: id } as SandboxRow;
}

const until = async (check: () => boolean) => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
};

describe('saving an environment', () => {
  it("allows one save at a time per user, and keeps only the base image's and the environment's own configuration", async () => {
    const t = setup();
    t.setRow(await running(t.runtime));
    const saver = new EnvironmentSaver(t.deps);
    const started = await saver.start({ userId: 1, username: 'alice' }, 's1', { name: 'torch', description: 'line\nbreak\u202e' });
    await expect(saver.start({ userId: 1, username: 'alice' }, 's1', { name: 'other' })).rejects.toMatchObject({ code: 'SAVE_IN_PROGRESS' });
    t.releasePush();
    await saver.close();
    expect(t.events.at(-1)?.code).toBe('saved');
    const image = await t.runtime.inspectImage(`${HOST}/shiva/envs/alice/torch:${started.tag}`);
    expect(JSON.stringify(image?.config)).not.toContain('the-sandbox-secret');
    expect(image?.config.labels).toEqual({
      'org.shiva.port': '8888',
      'org.shiva.description': 'line break',
      'org.shiva.environment.owner': 'alice',
      'org.shiva.environment.name': 'torch',
      'org.shiva.environment.base': 'tiny',
    });
    expect(t.recorded).toHaveLength(1);
  });

  it('leaves nothing behind when the pushed image takes the user over the size limit: manifest deleted, image removed', async () => {
    const t = setup({ sizeLimitAfterPush: true });
    t.setRow(await running(t.runtime));
    const saver = new EnvironmentSaver(t.deps);
    const started = await saver.start({ userId: 1, username: 'alice' }, 's1', { name: 'big' });
    t.releasePush();
    await saver.close();
    expect(t.events.at(-1)).toMatchObject({ code: 'save_failed', message: expect.stringContaining('1 GiB you may use') });
    expect(t.deleted).toEqual([`shiva/envs/alice/big@sha256:${'d'.repeat(64)}`]);
    expect(await t.runtime.inspectImage(`${HOST}/shiva/envs/alice/big:${started.tag}`)).toBeNull();
    expect(t.recorded).toEqual([]);
  });

  it('tells of a save with the state the sandbox is in now, so a stop during it is not undone', async () => {
    const t = setup();
    const row = await running(t.runtime);
    t.setRow(row);
    const saver = new EnvironmentSaver(t.deps);
    await saver.start({ userId: 1, username: 'alice' }, 's1', { name: 'torch' });
    await until(() => t.events.length > 0);
    t.setRow({ ...row, state: 'stopped' });
    t.releasePush();
    await saver.close();
    expect(t.events[0]!.state).toBe('running');
    expect(t.events.at(-1)).toMatchObject({ code: 'saved', state: 'stopped' });
  });

  it("refuses someone else's sandbox, a stopped one and a bad name, with nothing started", async () => {
    const t = setup();
    const row = await running(t.runtime);
    t.setRow(row);
    const saver = new EnvironmentSaver(t.deps);
    await expect(saver.start({ userId: 2, username: 'bob' }, 's1', { name: 'x' })).rejects.toMatchObject({ code: 'SANDBOX_NOT_FOUND' });
    await expect(saver.start({ userId: 1, username: 'alice' }, 's1', { name: '../x' })).rejects.toMatchObject({ code: 'INVALID_ENVIRONMENT_NAME' });
    t.setRow({ ...row, state: 'stopped' });
    await expect(saver.start({ userId: 1, username: 'alice' }, 's1', { name: 'x' })).rejects.toMatchObject({ code: 'SANDBOX_NOT_RUNNING' });
    expect(t.events).toEqual([]);
    expect(t.checks()).toBe(0);
  });
});
