/**
 * Pulls of catalogue images from a real registry (Debian's docker-registry on loopback) to two
 * real engines: this machine's and a second one started empty, so that its pull downloads every
 * layer. An admin's pull shows each machine's progress on the admin stream; a tag the registry
 * lacks fails with the registry's reason; nobody else can ask for one, not even a page of
 * another site with an admin's cookie; a prePull image is pulled to a machine that comes back
 * without it.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { AuditEntryView, ImagePull, ImagePullsQueued, Machine } from '../src/contract/api.js';
import type { ErrorBody } from '../src/contract/errors.js';
import type { MachineEntry } from '../src/config/schema.js';
import { DockerRuntime } from '../src/runtime/docker/docker-runtime.js';
import { describeDocker, TINY_IMAGE } from './support/docker.js';
import { ADMIN_PASSWORD, startTestHub, type TestHub } from './support/hub.js';
import { pushRandomImage, startRegistry, type TestRegistry } from './support/registry.js';
import { secondEngineUnavailableReason, startSecondEngine, type SecondEngine } from './support/second-engine.js';
import { runShiva } from './support/cli.js';
import { SwitchableRuntime } from './support/switchable-runtime.js';
import { waitFor } from './support/wait.js';

const FIRST = process.env.DOCKER_HOST || 'unix:///var/run/docker.sock';
const first = new Docker({ socketPath: FIRST.replace(/^unix:\/\//, '') });

interface StreamEvent {
  id: number;
  event: string;
  pull: ImagePull;
}

/**
 * The admin stream of image pulls, open (its answer's head has come, so every change from now on
 * is on it); `until` reads it until `done` says enough, or throws with what it saw after
 * `timeoutMs`. `lastEventId` resumes after that event.
 */
async function openPulls(t: TestHub, token: string, lastEventId?: number) {
  const controller = new AbortController();
  const res = await fetch(`${t.url}/api/images/pulls/events`, {
    headers: { authorization: `Bearer ${token}`, ...(lastEventId ? { 'last-event-id': String(lastEventId) } : {}) },
    signal: controller.signal,
  });
  if (!res.ok || !res.body) throw new Error(`the pulls stream answered ${res.status}`);
  const body = res.body;
  const seen: StreamEvent[] = [];
  return {
    async until(done: (seen: StreamEvent[]) => boolean, timeoutMs = 20_000): Promise<StreamEvent[]> {
      const timer = setTimeout(() => controller.abort(), timeoutMs);
      const decoder = new TextDecoder();
      let buffer = '';
      try {
        for await (const chunk of body) {
          buffer += decoder.decode(chunk as Uint8Array, { stream: true });
          let end: number;
          while ((end = buffer.indexOf('\n\n')) !== -1) {
            const lines = buffer.slice(0, end).split('\n');
            buffer = buffer.slice(end + 2);
            const field = (name: string) => lines.find((l) => l.startsWith(`${name}:`))?.slice(name.length + 1).trimStart();
            const data = field('data');
            if (data) seen.push({ id: Number(field('id')), event: field('event') ?? '', pull: JSON.parse(data) as ImagePull });
          }
          if (done(seen)) return seen;
        }
        throw new Error('the pulls stream ended');
      } catch (err) {
        if (controller.signal.aborted) throw new Error(`the pulls stream did not show what was awaited: ${JSON.stringify(seen.map((e) => [e.pull.machine, e.pull.image, e.event]))}`);
        throw err;
      } finally {
        clearTimeout(timer);
        controller.abort();
      }
    },
  };
}

const ended = (pull: ImagePull) => pull.state === 'done' || pull.state === 'failed';

describeDocker(
  'pulls of catalogue images from a real registry to two real engines',
  [TINY_IMAGE],
  () => {
    let registry: TestRegistry;
    let engine: SecondEngine;
    let t: TestHub;
    let bob: string;
    /** Machine two's runtime: down while `down` is set, as an engine that stops answering. */
    let two: SwitchableRuntime;
    const refs: string[] = [];
    let noEngine: string;
    const ref = (tag: string) => `${registry.host}/shiva-test/random:${tag}`;
    const audit = async (query: string) => (await t.api<{ entries: AuditEntryView[] }>(t.adminToken, 'GET', `/api/audit?${query}`)).body.entries;
    const pulls = async () => (await t.api<ImagePull[]>(t.adminToken, 'GET', '/api/images/pulls')).body;

    beforeAll(async () => {
      [registry, engine] = await Promise.all([startRegistry(), startSecondEngine([])]);
      noEngine = mkdtempSync(path.join(os.tmpdir(), 'shiva-pulls-'));
      // In the registry and on neither engine; the prePull one differs, so that pulling it pulls nothing of the others.
      refs.push(ref('1'), ref('2'), ref('pre'));
      pushRandomImage([ref('1'), ref('2')], 6 * 1024 * 1024);
      pushRandomImage([ref('pre')], 1024 * 1024);
      t = await startTestHub({
        timers: true,
        makeRuntime: (entry) => {
          const runtime = new DockerRuntime({ url: entry.docker, sandboxNetwork: { name: 'shiva-sandboxes', bridge: entry.bridge ?? 'shiva-sandboxes' } });
          if (entry.name !== 'two') return runtime;
          two = new SwitchableRuntime(runtime, new DockerRuntime({ url: `unix://${noEngine}/docker.sock`, timeoutMs: 2000 }));
          return two;
        },
        config: {
          machines: [
            { name: 'one', docker: FIRST },
            { name: 'two', docker: engine.url, address: engine.address, bridge: engine.sandboxBridge },
          ],
          // The second engine starts empty: no job image to read a homes marker with.
          homes: { check: 'none' },
          health: { intervalSeconds: 1, timeoutSeconds: 2 },
          images: {
            default: 'tiny',
            catalogue: [
              { name: 'tiny', image: TINY_IMAGE },
              { name: 'team', image: ref('1'), description: 'from the registry' },
              { name: 'other', image: ref('2') },
              { name: 'absent', image: ref('nope') },
              { name: 'pre', image: ref('pre'), prePull: true },
            ],
          },
        },
      });
      bob = await t.user('bob');
    }, 120_000);

    afterAll(async () => {
      await t?.close();
      for (const r of refs) execFileSync('docker', ['rmi', '-f', r], { stdio: 'ignore' });
      await engine?.close();
      await registry?.close();
      if (noEngine) rmSync(noEngine, { recursive: true, force: true });
    }, 120_000);

    it("pulls an image to both machines in the background, each machine's progress on the admin's stream, and the machines page shows it", async () => {
      const stream = await openPulls(t, t.adminToken);
      const asked = await t.api<ImagePullsQueued>(t.adminToken, 'POST', '/api/images/team/pull');
      expect(asked.status).toBe(202);
      expect(asked.body.pulls.map((p) => [p.machine, p.ref, p.state, p.by])).toEqual([
        ['one', ref('1'), 'queued', 'admin'],
        ['two', ref('1'), 'queued', 'admin'],
      ]);
      const ids = new Set(asked.body.pulls.map((p) => p.id));
      const seen = await stream.until((events) => [...ids].every((id) => events.some((e) => e.pull.id === id && ended(e.pull))));
      const of = (machine: string) => seen.filter((e) => ids.has(e.pull.id) && e.pull.machine === machine);
      for (const machine of ['one', 'two']) {
        const events = of(machine);
        expect(events.map((e) => e.event).filter((e, i, all) => e !== all[i - 1])).toEqual(['queued', 'pulling', 'done']);
        for (const e of events) expect(e.event).toBe(e.pull.state);
        expect(events.at(-1)!.pull).toMatchObject({ state: 'done', percent: 100, reason: null, bytesTotal: expect.any(Number) });
        // Each downloads the whole layer, and says how much of how much as it goes.
        const counted = events.filter((e) => e.pull.state === 'pulling' && (e.pull.bytesDone ?? 0) > 0);
        expect(counted.length).toBeGreaterThan(0);
        for (const e of counted) expect(e.pull.bytesDone!).toBeLessThanOrEqual(e.pull.bytesTotal!);
        expect(events.at(-1)!.pull.bytesTotal).toBeGreaterThan(5 * 1024 * 1024);
      }
      for (let i = 1; i < seen.length; i++) expect(seen[i]!.id).toBeGreaterThan(seen[i - 1]!.id);
      expect((await first.getImage(ref('1')).inspect()).Id).toBeDefined();
      expect((await engine.docker.getImage(ref('1')).inspect()).Id).toBeDefined();

      // From the start, the stream gives each pull as it stands; resumed after its last event, nothing more.
      const fromStart = await (await openPulls(t, t.adminToken)).until((events) => [...ids].every((id) => events.some((e) => e.pull.id === id)));
      expect(fromStart.filter((e) => ids.has(e.pull.id)).map((e) => e.event)).toEqual(['done', 'done']);
      const resumed = (await openPulls(t, t.adminToken, seen.at(-1)!.id)).until((events) => events.some((e) => ids.has(e.pull.id)), 500);
      await expect(resumed).rejects.toThrow('the pulls stream did not show what was awaited');

      // Both machines list it among their catalogue images; only admins see the engine's id.
      await waitFor(async () => (await t.api<Machine[]>(bob, 'GET', '/api/machines')).body.every((m) => m.images?.images.some((i) => i.name === 'team')), {
        timeoutMs: 10_000,
        what: 'both machines to list the pulled image',
      });
      const asAdmin = (await t.api<Machine[]>(t.adminToken, 'GET', '/api/machines')).body.find((m) => m.name === 'two')!;
      const team = asAdmin.images!.images.find((i) => i.name === 'team')!;
      expect(team).toMatchObject({ id: expect.stringMatching(/^sha256:/), sizeBytes: expect.any(Number), createdAt: expect.any(String) });
      const asMember = (await t.api<Machine[]>(bob, 'GET', '/api/machines')).body.find((m) => m.name === 'two')!;
      expect(asMember.images!.images.find((i) => i.name === 'team')).toEqual({ name: 'team', createdAt: team.createdAt, sizeBytes: team.sizeBytes });

      expect((await audit('action=image.pull')).map((e) => [e.actor, e.target, e.result])).toEqual([['admin', 'team', 'ok']]);
      expect((await audit('action=image.pulled&actor=admin')).map((e) => [e.target, e.result, e.details?.machine]).sort()).toEqual([
        ['team', 'ok', 'one'],
        ['team', 'ok', 'two'],
      ]);
    }, 30_000);

    it("fails a pull of a tag the registry lacks with the registry's reason, which shiva images pull prints before it fails, and refuses an image or machine that is not there", async () => {
      const cli = await runShiva(['images', 'pull', 'absent', '--machine', 'one'], { SHIVA_URL: t.url, SHIVA_TOKEN: t.adminToken, SHIVA_CREDENTIALS: path.join(noEngine, 'none.json') });
      expect(cli.code).toBe(1);
      // A pull that ends before the stream opens is shown as it ended.
      expect(cli.stdout).toMatch(/^Pulling absent to one\n(.*\n)* {2}one {2}failed: .*manifest unknown.*\n$/);
      expect(cli.stderr).toContain('1 of 1 pulls failed: one');
      const [failed] = (await pulls()).filter((p) => p.image === 'absent');
      expect(failed).toMatchObject({ state: 'failed', machine: 'one' });
      expect(failed!.reason).toContain('manifest unknown');
      expect(failed!.reason).not.toMatch(/HTTP code|Error response from daemon|\n|at .*\.js/);

      const unknownImage = await t.api<ErrorBody>(t.adminToken, 'POST', '/api/images/nothing-here/pull');
      expect([unknownImage.status, unknownImage.body.error.code]).toEqual([404, 'NO_SUCH_IMAGE']);
      const unknownMachine = await t.api<ErrorBody>(t.adminToken, 'POST', '/api/images/team/pull', { machine: 'three' });
      expect([unknownMachine.status, unknownMachine.body.error.code]).toEqual([404, 'NO_SUCH_MACHINE']);
    }, 30_000);

    it("refuses a member's pull and a page of another site using an admin's cookie, and pulls nothing", async () => {
      const refused = await t.api<ErrorBody>(bob, 'POST', '/api/images/other/pull');
      expect([refused.status, refused.body.error.code]).toEqual([403, 'FORBIDDEN']);
      expect((await t.api(bob, 'GET', '/api/images/pulls')).status).toBe(403);
      expect((await fetch(`${t.url}/api/images/pulls/events`, { headers: { authorization: `Bearer ${bob}` } })).status).toBe(403);

      const login = await fetch(`${t.url}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
      });
      const cookie = login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
      // What a page elsewhere can make the admin's browser send: the cookie, not the CSRF token it cannot read.
      const forged = await fetch(`${t.url}/api/images/other/pull`, {
        method: 'POST',
        headers: { cookie, origin: 'https://elsewhere.example', 'content-type': 'application/json' },
        body: '{}',
      });
      expect(forged.status).toBe(403);
      expect(((await forged.json()) as ErrorBody).error.code).toBe('CSRF_FAILED');

      expect((await pulls()).filter((p) => p.image === 'other')).toEqual([]);
      await expect(first.getImage(ref('2')).inspect()).rejects.toMatchObject({ statusCode: 404 });
      await expect(engine.docker.getImage(ref('2')).inspect()).rejects.toMatchObject({ statusCode: 404 });
      expect((await audit('action=image.pulled')).filter((e) => e.target === 'other')).toEqual([]);
    }, 30_000);

    it('ends the admin stream when the token that opened it is revoked', async () => {
      const made = await t.api<{ id: string; token: string }>(t.adminToken, 'POST', '/api/tokens', { name: 'pulls-stream' });
      const stream = await openPulls(t, made.body.token);
      const ends = expect(stream.until(() => false, 10_000)).rejects.toThrow('the pulls stream ended');
      expect((await t.api(t.adminToken, 'DELETE', `/api/tokens/${made.body.id}`)).status).toBeLessThan(300);
      await ends;
    });

    it('pre-pulls a prePull image to each machine when the hub starts, and again to a machine that comes back without it', async () => {
      const preOn = async () => (await pulls()).filter((p) => p.image === 'pre');
      await waitFor(async () => (await preOn()).filter((p) => p.state === 'done').length === 2, { timeoutMs: 10_000, what: 'the pre-pulls at start' });
      expect((await preOn()).map((p) => [p.machine, p.trigger, p.by]).sort()).toEqual([
        ['one', 'prePull', 'hub:images'],
        ['two', 'prePull', 'hub:images'],
      ]);

      await engine.docker.getImage(ref('pre')).remove();
      const status = async () => (await t.api<Machine[]>(t.adminToken, 'GET', '/api/machines')).body.find((m) => m.name === 'two')!.status;
      two.down = true;
      await waitFor(async () => (await status()) === 'down', { timeoutMs: 10_000, what: 'machine two to be down' });
      const stream = await openPulls(t, t.adminToken);
      two.down = false;
      const atStart = new Set((await preOn()).map((p) => p.id));
      const anew = (e: StreamEvent) => e.pull.image === 'pre' && !atStart.has(e.pull.id) && ended(e.pull);
      const seen = await stream.until((events) => events.some(anew));
      expect(seen.find(anew)!.pull).toMatchObject({ machine: 'two', ref: ref('pre'), state: 'done', trigger: 'prePull', by: 'hub:images' });
      expect((await engine.docker.getImage(ref('pre')).inspect()).Id).toBeDefined();
      // Machine one did not come back, and has it: nothing more for it.
      expect((await preOn()).map((p) => p.machine).sort()).toEqual(['one', 'two', 'two']);
      expect((await audit('actor=hub:images')).map((e) => [e.action, e.target, e.result, e.details?.machine]).sort()).toEqual([
        ['image.pulled', 'pre', 'ok', 'one'],
        ['image.pulled', 'pre', 'ok', 'two'],
        ['image.pulled', 'pre', 'ok', 'two'],
      ]);
    }, 30_000);
  },
  secondEngineUnavailableReason,
);
