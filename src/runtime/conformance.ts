/**
 * The Runtime contract (types.ts) as behaviour tests that every runtime must pass, so that the
 * fake one the core's unit tests use cannot drift from a real engine (DESIGN.md: "one
 * conformance suite runs against every runtime"). A runtime's own test file calls
 * describeRuntimeContract with a factory; the Docker one runs it against a real engine, the
 * fake one in memory. Every expectation here is what the Docker Engine answers with the tiny
 * test image (images/tiny): when a new runtime fails one, the runtime is wrong, not the test.
 */
import { text } from 'node:stream/consumers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IMAGE_LABELS, LABELS, RuntimeError, type ContainerEvent, type ContainerInfo, type ContainerSpec, type Runtime } from './types.js';
import { tinySpec } from '../../test/support/tiny-spec.js';

/** What the suite needs from the runtime under test. */
export interface RuntimeUnderTest {
  runtime: Runtime;
  /** A runtime of the same kind whose engine does not answer (a Docker one: a socket nobody listens on). */
  unreachable: Runtime;
  /** An image with the tiny image's contract: port 8888 under SHIVA_BASE_URL, TINY_FAIL_AT_START. */
  image: string;
  /** The deployment label every container of the suite carries: unique to the run, so cleanup finds them all. */
  deployment: string;
  /** A host directory to mount as containers' home. */
  home: string;
  /** Kills a running container behind the runtime's back, as `docker kill` (SIGKILL) does. */
  kill(id: string): Promise<void>;
  /** Removes every container of `deployment` and whatever else the factory made. */
  close(): Promise<void>;
}

const BASE = '/user/conformance/box/';
const TOKEN = 'conformance-token-0123456789abcdef';
/** What tini reports for the tiny server ended by SIGTERM (128 + 15), and for SIGKILL (128 + 9). */
const SIGTERM_EXIT = 143;
const SIGKILL_EXIT = 137;
/** What an exec'd process ended by SIGHUP reports (128 + 1). */
const SIGHUP_EXIT = 129;

/** Declares the contract's tests for the runtime `make` gives; `close` runs after the last. */
export function describeRuntimeContract(title: string, make: () => Promise<RuntimeUnderTest>): void {
  describe(title, () => {
    let t: RuntimeUnderTest;
    let runtime: Runtime;
    let counter = 0;

    beforeAll(async () => {
      t = await make();
      runtime = t.runtime;
    });
    afterAll(async () => {
      await t?.close();
    });

    function spec(over: Partial<ContainerSpec> = {}): ContainerSpec {
      const name = `${t.deployment}-${++counter}`;
      return tinySpec(name, t.home, {
        image: t.image,
        env: { JUPYTER_TOKEN: TOKEN, SHIVA_BASE_URL: BASE },
        labels: { [LABELS.deployment]: t.deployment, [LABELS.name]: name },
        ...over,
      });
    }

    /** A created and started container whose server answers. */
    async function running(over: Partial<ContainerSpec> = {}): Promise<{ spec: ContainerSpec; info: ContainerInfo }> {
      const s = spec(over);
      const info = await runtime.start(await runtime.create(s));
      await eventually(async () => ((await get(info, 'api')).status === 200 ? true : undefined), 'the server to answer');
      return { spec: s, info };
    }

    async function exited(id: string): Promise<ContainerInfo> {
      return eventually(async () => {
        const info = await runtime.inspect(id);
        return info?.state === 'exited' ? info : undefined;
      }, `${id} to exit`);
    }

    const failure = async (promise: Promise<unknown>): Promise<RuntimeError> => {
      const err = await promise.then(
        () => new Error('it did not fail'),
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(RuntimeError);
      return err as RuntimeError;
    };

    it('creates a container that inspect finds by id and by name, created, with its labels and no endpoint', async () => {
      const s = spec();
      const id = await runtime.create(s);
      const byId = await runtime.inspect(id);
      expect(byId).toMatchObject({ id, name: s.name, image: t.image, state: 'created', endpoint: null, startedAt: null, exitCode: null });
      expect(byId?.labels).toMatchObject(s.labels);
      expect(await runtime.inspect(s.name)).toEqual(byId);
    });

    it('starts a container: running since a start time, on an endpoint of its publish address where its server answers; starting it again changes nothing', async () => {
      const { info } = await running();
      expect(info).toMatchObject({ state: 'running', exitCode: null });
      expect(info.startedAt).not.toBeNull();
      expect(Number.isNaN(Date.parse(info.startedAt!))).toBe(false);
      expect(info.endpoint?.host).toBe('127.0.0.1');
      expect(info.endpoint?.port).toBeGreaterThan(0);
      expect(await (await get(info, 'api')).json()).toEqual({ version: 'tiny' });
      expect((await runtime.inspect(info.id))?.endpoint).toEqual(info.endpoint);
      // The engine answers "started already", by id or by name, and the port stays.
      expect(await runtime.start(info.id)).toMatchObject({ id: info.id, state: 'running', endpoint: info.endpoint });
      expect((await runtime.start(info.name)).endpoint).toEqual(info.endpoint);
    });

    it('lists every container carrying all the labels, exited (stopped by name) and created ones included', async () => {
      const up = await running();
      const created = spec();
      const createdId = await runtime.create(created);
      const ended = await running();
      // By name: the engine takes either.
      await runtime.stop(ended.spec.name, 5);

      const all = await runtime.list({ [LABELS.deployment]: t.deployment });
      const byId = new Map(all.map((c) => [c.id, c]));
      expect(byId.get(up.info.id)).toMatchObject({ name: up.spec.name, state: 'running', endpoint: up.info.endpoint, exitCode: null });
      expect(byId.get(createdId)).toMatchObject({ name: created.name, state: 'created', endpoint: null, exitCode: null });
      expect(byId.get(ended.info.id)).toMatchObject({ state: 'exited', endpoint: null, exitCode: SIGTERM_EXIT });
      for (const c of all) expect(c.labels[LABELS.deployment]).toBe(t.deployment);

      const one = await runtime.list({ [LABELS.deployment]: t.deployment, [LABELS.name]: created.name });
      expect(one.map((c) => c.id)).toEqual([createdId]);
      expect(await runtime.list({ [LABELS.deployment]: `${t.deployment}-nobody` })).toEqual([]);
    });

    it('refuses a second container of a taken name as a conflict, and gives the name again once the first is removed', async () => {
      const s = spec();
      const first = await runtime.create(s);
      const err = await failure(runtime.create({ ...s }));
      expect(err.kind).toBe('conflict');
      expect(err.message).toContain(s.name);
      await runtime.remove(first);
      const second = await runtime.create({ ...s });
      expect(second).not.toBe(first);
      expect((await runtime.inspect(s.name))?.id).toBe(second);
    });

    it('says image_not_found when creating from an image it does not have, and inspectImage says null', async () => {
      const missing = `shiva-test/does-not-exist-${t.deployment}:never`;
      const s = spec({ image: missing });
      expect((await failure(runtime.create(s))).kind).toBe('image_not_found');
      expect(await runtime.inspect(s.name)).toBeNull();
      expect(await runtime.inspectImage(missing)).toBeNull();
      const present = await runtime.inspectImage(t.image);
      expect(present?.labels[IMAGE_LABELS.port]).toBe('8888');
    });

    it("commits a container into an image with exactly the config given (nothing of the container's environment or labels), at most one layer deeper, or one layer flattened, and removes it", async () => {
      const { spec: s, info } = await running();
      const base = (await runtime.inspectImage(t.image))!;
      const config = { ...base.config, labels: { ...base.config.labels, 'org.shiva.environment': 'conformance' } };
      const refs = [`shiva-test/commit-${t.deployment}:deep`, `shiva-test/commit-${t.deployment}:flat`];
      try {
        const deep = await runtime.commit(info.id, { ref: refs[0]!, config, pause: false, flatten: false });
        const flat = await runtime.commit(s.name, { ref: refs[1]!, config, pause: true, flatten: true });
        for (const made of [deep, flat]) {
          expect(made.config).toEqual(config);
          expect(JSON.stringify(made.config)).not.toContain(TOKEN);
          expect(made.labels[LABELS.name]).toBeUndefined();
        }
        // A container that changed nothing in its filesystem adds an empty layer, which is no layer.
        expect(deep.layers).toBeGreaterThanOrEqual(base.layers);
        expect(deep.layers).toBeLessThanOrEqual(base.layers + 1);
        expect(flat.layers).toBe(1);
        // The paused one runs on.
        expect((await runtime.inspect(info.id))?.state).toBe('running');
      } finally {
        for (const ref of refs) await runtime.removeImage(ref);
      }
      for (const ref of refs) expect(await runtime.inspectImage(ref)).toBeNull();
      await runtime.removeImage(refs[0]!);
      expect((await failure(runtime.commit(`${t.deployment}-nothing`, { ref: refs[0]!, config, pause: false, flatten: false }))).kind).toBe('not_found');
    });

    it("refuses a container whose mount's host folder is missing, in plain words naming the mount and not its path, and makes none", async () => {
      const missing = `${t.home}-no-such-dataset`;
      const s = spec({ mounts: [{ hostPath: missing, containerPath: '/datasets/absent', readOnly: true, what: 'the dataset absent' }] });
      const err = await failure(runtime.create(s));
      expect(err.plain).toBe(true);
      expect(err.message).toBe('the dataset absent is missing on this machine (its folder does not exist here)');
      expect(await runtime.inspect(s.name)).toBeNull();
    });

    it('a container whose server exits at start ends exited with its code, without an endpoint, and its log says why', async () => {
      const s = spec({ env: { JUPYTER_TOKEN: TOKEN, SHIVA_BASE_URL: BASE, TINY_FAIL_AT_START: 'on purpose' } });
      const id = await runtime.create(s);
      const started = await runtime.start(id);
      // The engine may answer before or after the server has exited; either way the endpoint
      // is there exactly while the container runs.
      expect(['running', 'exited']).toContain(started.state);
      expect(started.endpoint === null).toBe(started.state !== 'running');
      const after = await exited(id);
      expect(after).toMatchObject({ exitCode: 3, endpoint: null });
      expect(after.startedAt).not.toBeNull();
      expect(await runtime.logs(id, 20)).toContain('tiny: failing at start as asked: on purpose');
      const [listed] = await runtime.list({ [LABELS.deployment]: t.deployment, [LABELS.name]: s.name });
      expect(listed).toMatchObject({ state: 'exited', exitCode: 3, endpoint: null });
    });

    it('stops a running container with its server ending on SIGTERM (143); the endpoint goes, and a second stop changes nothing', async () => {
      const { info } = await running();
      await runtime.stop(info.id, 5);
      const stopped = await runtime.inspect(info.id);
      expect(stopped).toMatchObject({ state: 'exited', exitCode: SIGTERM_EXIT, endpoint: null });
      await runtime.stop(info.id, 5);
      expect(await runtime.inspect(info.id)).toMatchObject({ state: 'exited', exitCode: SIGTERM_EXIT });
      expect(await runtime.stats(info.id)).toBeNull();
    });

    it('reports a container killed behind its back as exited with 137, without an endpoint', async () => {
      const { info } = await running();
      await t.kill(info.id);
      expect(await exited(info.id)).toMatchObject({ exitCode: SIGKILL_EXIT, endpoint: null });
      const [listed] = await runtime.list({ [LABELS.deployment]: t.deployment, [LABELS.name]: info.name });
      expect(listed).toMatchObject({ state: 'exited', exitCode: SIGKILL_EXIT });
    });

    it('announces what befalls its containers: a kill from outside as kill then die with 137, a removal as destroy; from a cursor only what came after, and with until it ends', async () => {
      const { info } = await running();
      const before = (BigInt(Date.now() - 1) * 1_000_000n).toString();
      const seen: ContainerEvent[] = [];
      const following = new AbortController();
      const follow = (async () => {
        for await (const e of runtime.events({ labels: { [LABELS.deployment]: t.deployment }, since: before, signal: following.signal })) {
          if (e.containerId === info.id) seen.push(e);
        }
      })();
      await t.kill(info.id);
      await exited(info.id);
      await runtime.remove(info.id);
      await eventually(async () => (seen.some((e) => e.action === 'destroy') ? true : undefined), 'the destroy event');
      following.abort();
      await follow;
      const actions = seen.map((e) => e.action);
      expect(actions.indexOf('kill')).toBeLessThan(actions.indexOf('die'));
      expect(actions.indexOf('die')).toBeLessThan(actions.indexOf('destroy'));
      expect(seen.find((e) => e.action === 'kill')?.signal).toMatch(/^(9|SIGKILL|KILL)$/);
      expect(seen.find((e) => e.action === 'die')).toMatchObject({ exitCode: SIGKILL_EXIT, labels: { [LABELS.deployment]: t.deployment } });
      for (let i = 1; i < seen.length; i++) expect(BigInt(seen[i]!.cursor) > BigInt(seen[i - 1]!.cursor)).toBe(true);

      // Resumed from the kill's cursor: the die and the destroy again, not the kill; the stream ends at `until`.
      const kill = seen.find((e) => e.action === 'kill')!;
      const again: string[] = [];
      for await (const e of runtime.events({ labels: { [LABELS.deployment]: t.deployment }, since: kill.cursor, until: 'now', signal: AbortSignal.timeout(10_000) })) {
        if (e.containerId === info.id) again.push(e.action);
      }
      expect(again).not.toContain('kill');
      expect(again).toContain('die');
      expect(again.at(-1)).toBe('destroy');
    });

    it('removes a container whether it runs or not, by id or by name, and then knows it no more', async () => {
      const up = await running();
      const createdSpec = spec();
      const created = await runtime.create(createdSpec);
      await runtime.remove(up.info.id);
      await runtime.remove(createdSpec.name);
      for (const gone of [up.info.id, up.spec.name, created, createdSpec.name]) expect(await runtime.inspect(gone)).toBeNull();
      const left = await runtime.list({ [LABELS.deployment]: t.deployment });
      expect(left.map((c) => c.id)).not.toContain(up.info.id);
      expect(left.map((c) => c.id)).not.toContain(created);
      // The endpoint no longer answers.
      await expect(fetch(`http://${up.info.endpoint!.host}:${up.info.endpoint!.port}${BASE}api`, { signal: AbortSignal.timeout(2000) }).then((r) => r.status)).rejects.toThrow();
    });

    it('takes stop and remove of a container that does not exist as done; inspect and stats say null, start and logs not_found', async () => {
      const missing = `${t.deployment}-never-made`;
      await expect(runtime.stop(missing, 1)).resolves.toBeUndefined();
      await expect(runtime.remove(missing)).resolves.toBeUndefined();
      expect(await runtime.inspect(missing)).toBeNull();
      expect(await runtime.stats(missing)).toBeNull();
      expect((await failure(runtime.start(missing))).kind).toBe('not_found');
      expect((await failure(runtime.logs(missing, 10))).kind).toBe('not_found');
    });

    it('runs a process in a running container: input to its end, stdout and stderr apart, its exit status; with a terminal one stream; refuses one that does not run or exist', async () => {
      const { spec: s, info } = await running();
      const p = await runtime.exec(info.id, {
        command: ['/bin/sh', '-c', 'read first; echo "out $first $GREETING"; echo err >&2; cat; exit 3'],
        tty: false,
        env: { GREETING: 'hej' },
      });
      p.stdin.write('hello\nrest of it\n');
      p.stdin.end();
      const [out, err] = await Promise.all([text(p.stdout), text(p.stderr)]);
      expect(out).toBe('out hello hej\nrest of it\n');
      expect(err).toBe('err\n');
      expect(await p.exit).toEqual({ code: 3 });

      const tty = await runtime.exec(s.name, { command: ['/bin/sh', '-c', 'echo to-out; echo to-err >&2'], tty: true, size: { cols: 100, rows: 30 } });
      // A terminal's input is not closed (Docker ends the whole exec's output when it is): the
      // command ends on its own.
      const [shown, apart] = await Promise.all([text(tty.stdout), text(tty.stderr)]);
      expect(shown).toMatch(/to-out\r?\n/);
      expect(shown).toMatch(/to-err\r?\n/);
      expect(apart).toBe('');
      expect(await tty.exit).toEqual({ code: 0 });

      // Input written at once (typed ahead into a terminal) reaches the process, and the output
      // is the process's alone.
      for (let i = 0; i < 5; i++) {
        const ahead = await runtime.exec(info.id, { command: ['/bin/sh', '-c', 'read line; echo "got $line"'], tty: true });
        ahead.stdin.write(`typed-${i}\n`);
        const shown = await text(ahead.stdout);
        expect(shown).toMatch(new RegExp(`got typed-${i}\\r?\\n`));
        expect(shown.replace(/\r/g, '')).toMatch(new RegExp(`^(typed-${i}\\n)?got typed-${i}\\n$`));
      }

      // Hung up, a process that waits ends by SIGHUP (128 + 1), terminal or not.
      for (const terminal of [false, true]) {
        const waiting = await runtime.exec(info.id, { command: ['sleep', '100'], tty: terminal });
        waiting.close();
        expect(await waiting.exit, `tty: ${terminal}`).toEqual({ code: SIGHUP_EXIT });
      }

      await runtime.stop(info.id, 1);
      expect((await failure(runtime.exec(info.id, { command: ['true'], tty: false }))).kind).toBe('conflict');
      expect((await failure(runtime.exec(`${t.deployment}-never-made`, { command: ['true'], tty: false }))).kind).toBe('not_found');
    });

    it('gives the last lines of the log asked for, by id or by name', async () => {
      const { spec: s, info } = await running();
      for (const n of [1, 2, 3]) expect((await get(info, `api?n=${n}`)).status).toBe(200);
      // Engines write logs as they come, and the tiny server writes a request's line once its
      // answer is out (from a thread per request): wait for all three, in whatever order.
      const all = await eventually(async () => {
        const text = await runtime.logs(info.id, 1000);
        return [1, 2, 3].every((n) => text.includes(`GET ${BASE}api?n=${n}`)) ? text : undefined;
      }, 'the three requests in the log');
      const lines = all.trimEnd().split('\n');
      expect(all.endsWith('\n')).toBe(true);
      expect(lines.length).toBeGreaterThanOrEqual(3);
      const tail = await runtime.logs(info.id, 2);
      expect(tail).toBe(`${lines.slice(-2).join('\n')}\n`);
      expect(await runtime.logs(info.id, 1)).toBe(`${lines.at(-1)}\n`);
      expect(await runtime.logs(s.name, 2)).toBe(tail);
    });

    it('reads what a running container uses, by id or by name, and null for one created or exited', async () => {
      const { spec: s, info } = await running();
      const reading = await runtime.stats(info.id);
      expect(reading).not.toBeNull();
      expect(Number.isNaN(Date.parse(reading!.at))).toBe(false);
      // A server that has started has used CPU time and holds memory.
      expect(reading!.cpuSeconds).toBeGreaterThan(0);
      expect(reading!.memoryUsedBytes).toBeGreaterThan(0);
      expect(await runtime.stats(s.name)).not.toBeNull();
      const created = await runtime.create(spec());
      expect(await runtime.stats(created)).toBeNull();
      await runtime.stop(info.id, 5);
      expect(await runtime.stats(info.id)).toBeNull();
    });

    it('lists the images it holds: the tiny image under its tag, with its size and when it was built', async () => {
      const images = await runtime.listImages();
      const tiny = images.find((i) => i.tags.includes(t.image));
      expect(tiny).toBeDefined();
      expect(tiny!.id).toBe((await runtime.inspectImage(t.image))?.id);
      expect(tiny!.sizeBytes).toBeGreaterThan(0);
      expect(Date.parse(tiny!.createdAt ?? '')).toBeLessThan(Date.now());
      for (const image of images) for (const name of [...image.tags, ...image.digests]) expect(name).not.toMatch(/^<none>/);
    });

    it("reads the engine's facts", async () => {
      const info = await runtime.info();
      expect(info.cpus).toBeGreaterThan(0);
      expect(info.memoryBytes).toBeGreaterThan(0);
      expect(info.version).not.toBe('');
      expect(info.runtimes).toContain('runc');
    });

    it('answers every call with RuntimeError unavailable when its engine does not answer', async () => {
      const down = t.unreachable;
      const calls: Array<[string, () => Promise<unknown>]> = [
        ['info', () => down.info()],
        ['inspectImage', () => down.inspectImage(t.image)],
        ['create', () => down.create(spec())],
        ['start', () => down.start('x')],
        ['inspect', () => down.inspect('x')],
        ['stop', () => down.stop('x', 1)],
        ['remove', () => down.remove('x')],
        ['list', () => down.list({ [LABELS.deployment]: t.deployment })],
        ['logs', () => down.logs('x', 10)],
        ['stats', () => down.stats('x')],
        ['listImages', () => down.listImages()],
        ['events', async () => {
          for await (const _ of down.events({ labels: { [LABELS.deployment]: t.deployment }, since: null, signal: AbortSignal.timeout(10_000) })) break;
        }],
      ];
      for (const [name, call] of calls) {
        const err = await failure(call());
        expect(`${name}: ${err.kind}`).toBe(`${name}: unavailable`);
      }
    });
  });
}

function get(info: ContainerInfo, path: string): Promise<Response> {
  if (!info.endpoint) throw new Error(`${info.name} has no endpoint`);
  return fetch(`http://${info.endpoint.host}:${info.endpoint.port}${BASE}${path}`, {
    headers: { authorization: `token ${TOKEN}` },
    // A connection made in the first milliseconds after a start can be accepted by the engine's
    // port forwarder and never answered: each try has its own deadline.
    signal: AbortSignal.timeout(2000),
  });
}

/** Polls `probe` with a short, growing delay until it gives a value; a throw counts as not yet. */
async function eventually<T>(probe: () => Promise<T | undefined>, what: string, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (let delay = 10; ; delay = Math.min(delay * 2, 200)) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}

