/**
 * Per-user identity on the real engine: each user's sandboxes run as their own uid and gid, the
 * bundled images name that uid after the user, the files in a home belong to its owner on the
 * host and nobody else's sandbox or shell reaches them; and sudo only in a `sudo: true` image.
 */
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Image, Me, Sandbox, User } from '../src/contract/api.js';
import { describeDocker, NOTEBOOK_IMAGE, TINY_IMAGE } from './support/docker.js';
import { startTestHub, testCatalogue, type TestHub } from './support/hub.js';
import { localUserUnavailableReason, makeLocalUser, type LocalUser } from './support/local-user.js';
import { waitForState } from './support/wait.js';

const SUDO_IMAGE = 'shiva/notebook-sudo:latest';

describeDocker(
  'per-user uids, passwd entries and sudo',
  [TINY_IMAGE, NOTEBOOK_IMAGE, SUDO_IMAGE],
  () => {
    let t: TestHub;
    let alice: string;
    let bob: string;
    let stranger: LocalUser;
    const ids: Record<string, { uid: number; gid: number }> = {};

    beforeAll(async () => {
      t = await startTestHub({
        config: {
          images: { ...testCatalogue, catalogue: [...testCatalogue.catalogue, { name: 'rootable', image: SUDO_IMAGE, description: 'with sudo', sudo: true }, { name: 'sudo-off', image: SUDO_IMAGE, description: 'sudo image, not opted in' }] },
        },
      });
      alice = await t.user('alice');
      bob = await t.user('bob');
      for (const [name, token] of [['alice', alice], ['bob', bob]] as const) {
        const me = await t.api<Me>(token, 'GET', '/api/me');
        ids[name] = { uid: me.body.user.uid!, gid: me.body.user.gid! };
      }
      stranger = makeLocalUser();
    });
    afterAll(async () => {
      stranger?.close();
      await t?.close();
    });

    /** Launches `image` for `token` and waits until it is ready; the container's id. */
    async function launch(token: string, name: string, image: string): Promise<string> {
      const res = await t.api<Sandbox>(token, 'POST', '/api/sandboxes', { name, image });
      expect(res.status, JSON.stringify(res.body)).toBe(202);
      await waitForState(t, token, res.body.id, 'running');
      const row = await t.hub.sandboxesRepo.byId(res.body.id);
      return row!.container_id!;
    }

    /** Runs a shell command in a container as the container's own user, as a terminal there would. */
    function inside(container: string, command: string): { status: number | null; out: string } {
      const r = spawnSync('docker', ['exec', container, 'bash', '-c', command], { encoding: 'utf8', timeout: 120_000 });
      return { status: r.status, out: `${r.stdout}${r.stderr}`.trim() };
    }

    it('gives alice and bob distinct uids of their own, shown to them and to admins but not listed to others', async () => {
      expect(ids.alice!.uid).toBeGreaterThanOrEqual(20000);
      expect(ids.bob!.uid).toBeGreaterThanOrEqual(20000);
      expect(ids.alice!.uid).not.toBe(ids.bob!.uid);
      expect(ids.alice!.gid).toBe(ids.alice!.uid);
      const listed = await t.api<{ items: User[] }>(t.adminToken, 'GET', '/api/users');
      expect(listed.body.items.find((u) => u.username === 'alice')).toMatchObject(ids.alice!);
      expect((await t.api(alice, 'GET', '/api/users')).status).toBe(403);
      const spec = await t.api<{ components: { schemas: Record<string, { properties: Record<string, unknown> }> } }>(null, 'GET', '/api/openapi.json');
      expect(JSON.stringify(spec.body)).toContain('The numeric user id the user');
      // Nobody, admins included, sets or changes a uid through the API: it is given once.
      const aliceId = listed.body.items.find((u) => u.username === 'alice')!.id;
      for (const [method, url, body] of [
        ['PATCH', `/api/users/${aliceId}`, { uid: 0 }],
        ['PATCH', `/api/users/${aliceId}`, { gid: ids.bob!.gid }],
        ['POST', '/api/users', { username: 'mallory', password: 'mallory-password', uid: ids.alice!.uid }],
      ] as const) {
        const res = await t.api<{ error: { code: string } }>(t.adminToken, method, url, body);
        expect(res.status, `${method} ${url} ${JSON.stringify(body)}`).toBe(400);
        expect(res.body.error.code).toBe('VALIDATION_FAILED');
      }
      expect((await t.api<Me>(alice, 'GET', '/api/me')).body.user).toMatchObject(ids.alice!);
      expect((await t.api<{ items: User[] }>(t.adminToken, 'GET', '/api/users')).body.items.map((u) => u.username)).not.toContain('mallory');
      // The launch form and the CLI can tell which images give sudo.
      const images = await t.api<Image[]>(alice, 'GET', '/api/images');
      expect(images.body.filter((i) => i.sudo).map((i) => i.name)).toEqual(['rootable']);
    });

    it("runs alice's sandbox as her uid, named after her, with her home and her files hers on the host", async () => {
      const container = await launch(alice, 'main', 'notebook');
      const { uid, gid } = ids.alice!;
      expect(inside(container, 'id -u; id -g; whoami; id -gn')).toEqual({ status: 0, out: `${uid}\n${gid}\nalice\nalice` });
      expect(inside(container, 'echo ~; getent passwd "$(id -u)" | cut -d: -f1,6,7')).toEqual({ status: 0, out: '/home/shiva\nalice:/home/shiva:/bin/bash' });
      // ls -l shows her name, and files she makes are hers.
      expect(inside(container, 'touch ~/made-by-alice && stat -c "%U %G %u" ~/made-by-alice ~')).toEqual({
        status: 0,
        out: `alice alice ${uid}\nalice alice ${uid}`,
      });
      // pip --user and Python's ~ land in her home.
      expect(inside(container, "python3 -c 'import site, os; print(site.getusersitepackages().startswith(os.path.expanduser(\"~\") + \"/.local/\"))'")).toEqual({ status: 0, out: 'True' });
      const home = path.join(t.hub.config.homes.root!, 'alice');
      const file = statSync(path.join(home, 'made-by-alice'));
      expect([file.uid, file.gid]).toEqual([uid, gid]);
      const dir = statSync(home);
      expect([dir.uid, dir.gid, dir.mode & 0o777]).toEqual([uid, gid, 0o700]);
      // The default image has no sudo at all, and no other way up (no setuid program).
      const sudo = inside(container, 'sudo -n id -u');
      expect(sudo.status).toBe(127);
      expect(inside(container, 'find / -xdev -perm /6000 -type f 2>/dev/null | wc -l')).toEqual({ status: 0, out: '0' });
    });

    it("runs bob's sandbox as his own uid, with no view of alice's home", async () => {
      const container = await launch(bob, 'main', 'tiny');
      expect(inside(container, 'id -u; id -g; whoami')).toEqual({ status: 0, out: `${ids.bob!.uid}\n${ids.bob!.gid}\nbob` });
      expect(inside(container, 'ls -a ~')).toEqual({ status: 0, out: '.\n..' });
      const found = inside(container, 'find / -xdev -name made-by-alice 2>/dev/null | wc -l');
      expect(found.out).toBe('0');
      const inspect = spawnSync('docker', ['inspect', '-f', '{{json .Mounts}}', container], { encoding: 'utf8' });
      expect(inspect.stdout).toContain(path.join(t.hub.config.homes.root!, 'bob'));
      expect(inspect.stdout).not.toContain(path.join(t.hub.config.homes.root!, 'alice'));
    });

    it("keeps another person with a shell on the machine out of alice's home", () => {
      const home = path.join(t.hub.config.homes.root!, 'alice');
      const listed = stranger.run(['ls', home]);
      expect(listed.status).not.toBe(0);
      expect(listed.stderr).toContain('Permission denied');
      expect(stranger.run(['cat', path.join(home, 'made-by-alice')]).status).not.toBe(0);
    });

    it('lets the user of a sudo image install a package with sudo apt-get, as root of that container only', async () => {
      const container = await launch(alice, 'rootable', 'rootable');
      expect(inside(container, 'whoami; sudo -n id -u')).toEqual({ status: 0, out: 'alice\n0' });
      // The archive may be out of reach from a running sandbox: a package made here instead.
      const build = inside(
        container,
        [
          'set -e; cd /tmp; mkdir -p pkg/DEBIAN pkg/usr/share/shiva-hello',
          'printf "Package: shiva-hello\\nVersion: 1.0\\nArchitecture: all\\nMaintainer: Shiva <shiva@example.org>\\nDescription: a test package\\n" > pkg/DEBIAN/control',
          'echo hello > pkg/usr/share/shiva-hello/hello',
          'dpkg-deb --root-owner-group --build pkg shiva-hello.deb >/dev/null',
        ].join('; '),
      );
      expect(build).toEqual({ status: 0, out: '' });
      const install = inside(container, 'cd /tmp && sudo -n apt-get install -y ./shiva-hello.deb');
      expect(install.status, install.out).toBe(0);
      expect(inside(container, "dpkg-query -W -f '${Status}' shiva-hello; echo; stat -c %U /usr/share/shiva-hello/hello")).toEqual({
        status: 0,
        out: 'install ok installed\nroot',
      });
      // Root of this container, not of the machine: not privileged, and the engine's socket is absent.
      const host = spawnSync('docker', ['inspect', '-f', '{{.HostConfig.Privileged}} {{json .HostConfig.SecurityOpt}} {{json .HostConfig.CapAdd}}', container], { encoding: 'utf8' });
      expect(host.stdout.trim()).toBe('false null ["AUDIT_WRITE","CHOWN","DAC_OVERRIDE","FOWNER","FSETID","KILL","SETFCAP","SETGID","SETUID"]');
      expect(inside(container, 'sudo -n ls /var/run/docker.sock').status).not.toBe(0);
      // Her own processes hold no capability; only what sudo starts does.
      expect(inside(container, 'grep CapEff /proc/self/status')).toEqual({ status: 0, out: 'CapEff:\t0000000000000000' });
    });

    it('refuses sudo in the sudo image itself when its catalogue entry did not opt in', async () => {
      const container = await launch(bob, 'plain', 'sudo-off');
      const r = spawnSync('docker', ['inspect', '-f', '{{json .HostConfig.SecurityOpt}} {{json .HostConfig.CapAdd}}', container], { encoding: 'utf8' });
      expect(r.stdout.trim()).toBe('["no-new-privileges"] null');
      const sudo = inside(container, 'sudo -n id -u');
      expect(sudo.status).toBe(1);
      expect(sudo.out).toContain('The "no new privileges" flag is set, which prevents sudo from running as root.');
    });

    it('keeps every uid across a restart with another range, takes new ones from it, and refuses a user when it is full', async () => {
      const first = await startTestHub({ config: { identity: { firstUid: 31000, lastUid: 31009 } } });
      const dataDir = first.dataDir;
      await first.user('carol');
      const before = await first.api<{ items: User[] }>(first.adminToken, 'GET', '/api/users');
      expect(before.body.items.map((u) => [u.username, u.uid, u.gid])).toEqual([
        ['admin', 31000, 31000],
        ['carol', 31001, 31001],
      ]);
      await first.close({ keepData: true });
      const second = await startTestHub({ dataDir, config: { identity: { firstUid: 32000, lastUid: 32000 } } });
      try {
        await second.user('dave');
        const after = await second.api<{ items: User[] }>(second.adminToken, 'GET', '/api/users');
        expect(after.body.items.map((u) => [u.username, u.uid])).toEqual([
          ['admin', 31000],
          ['carol', 31001],
          ['dave', 32000],
        ]);
        const refused = await second.api<{ error: { code: string } }>(second.adminToken, 'POST', '/api/users', { username: 'erin', password: 'erin-password-123' });
        expect(refused).toEqual({ status: 503, body: { error: { code: 'UID_RANGE_EXHAUSTED', message: 'No user id is left for a new account; an admin must widen identity.firstUid..lastUid.' } } });
        expect((await second.api<{ items: User[] }>(second.adminToken, 'GET', '/api/users')).body.items).toHaveLength(3);
      } finally {
        await second.close();
      }
    });
  },
  localUserUnavailableReason,
);
