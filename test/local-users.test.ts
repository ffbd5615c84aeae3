/**
 * What another local account can learn of a sandbox's secret, tried as that account on a real
 * hub with a real notebook sandbox: not from the data directory, not from the engine, not from
 * the environment or command line of the sandbox's processes, and nothing from the published
 * port without the secret, not even the static and nbextensions files Jupyter serves openly.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Me } from '../src/contract/api.js';
import { describeDocker, NOTEBOOK_IMAGE } from './support/docker.js';
import { startTestHub, type TestHub } from './support/hub.js';
import { localUserUnavailableReason, makeLocalUser, type LocalUser } from './support/local-user.js';
import { waitForState } from './support/wait.js';

interface Sandbox {
  id: string;
  state: string;
  reason: string | null;
}

/** Fetches each URL (with the headers) and prints the statuses, one per line; run as the local account. */
const FETCH = `
import sys, urllib.request, urllib.error
headers = dict(h.split(": ", 1) for h in sys.argv[1].split("\\n") if h)
for url in sys.argv[2:]:
    try:
        print(urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=10).status)
    except urllib.error.HTTPError as e:
        print(e.code)
    except Exception as e:
        print(type(e).__name__)
`;

describeDocker(
  'another local account and the sandboxes\' secrets',
  [NOTEBOOK_IMAGE],
  () => {
    let t: TestHub;
    let stranger: LocalUser;
    let sameUid: LocalUser;
    let secret: string;
    let container: string;
    let port: string;
    const base = '/user/alice/lab/';

    beforeAll(async () => {
      stranger = makeLocalUser();
      t = await startTestHub({ config: { sandboxes: { defaults: { cpus: 1, memoryGiB: 1 }, readinessTimeoutSeconds: 60 } } });
      const alice = await t.user('alice');
      // A local account that happens to have alice's own uid and gid (her sandboxes run as them).
      sameUid = makeLocalUser({ uid: (await t.api<Me>(alice, 'GET', '/api/me')).body.user.uid! });
      const launched = await t.api<Sandbox>(alice, 'POST', '/api/sandboxes', { name: 'lab', image: 'notebook' });
      await waitForState(t, alice, launched.body.id, 'running');
      secret = (await t.hub.db.selectFrom('sandboxes').select('token').where('id', '=', launched.body.id).executeTakeFirstOrThrow()).token;
      container = execFileSync('docker', ['ps', '-q', '--filter', `label=org.shiva.sandbox=${launched.body.id}`]).toString().trim();
      port = execFileSync('docker', ['port', container, '8888/tcp']).toString().split('\n')[0]!.trim();
      // A file alice serves herself, as a page she wants others to open would be.
      execFileSync('docker', ['exec', container, 'sh', '-c', 'mkdir -p ~/.local/share/jupyter/nbextensions && echo alice-private > ~/.local/share/jupyter/nbextensions/mine.txt']);
    }, 180_000);
    afterAll(async () => {
      await t?.close();
      stranger?.close();
      sameUid?.close();
    }, 60_000);

    const fetchAs = (user: LocalUser, headers: string, paths: string[]) =>
      user.run(['/usr/bin/python3', '-c', FETCH, headers, ...paths.map((p) => `http://${port}${base}${p}`)]).stdout.trim().split('\n');

    it('cannot read the data directory or the database', () => {
      for (const target of [t.dataDir, path.join(t.dataDir, 'shiva.db'), path.join(t.dataDir, 'homes', 'alice')]) {
        const read = stranger.run(['cat', target]);
        expect(read.status, target).not.toBe(0);
        expect(read.stderr, target).toMatch(/Permission denied/);
      }
      expect(stranger.run(['ls', t.dataDir]).stderr).toMatch(/Permission denied/);
    });

    it('cannot ask the engine, whose socket only root and the docker group may use', () => {
      const asked = stranger.run(['/usr/bin/python3', '-c', 'import socket; socket.socket(socket.AF_UNIX).connect("/var/run/docker.sock")']);
      expect(asked.status).not.toBe(0);
      expect(asked.stderr).toContain('PermissionError');
    });

    it('finds the secret in no environment or command line of the sandbox\'s processes, even sharing their uid', () => {
      const pids = execFileSync('docker', ['top', container, '-eo', 'pid']).toString().trim().split('\n').slice(1).map((p) => p.trim());
      expect(pids.length).toBeGreaterThanOrEqual(2);
      for (const pid of pids) {
        // Another uid may not even open it.
        expect(stranger.run(['cat', `/proc/${pid}/environ`]).status, pid).not.toBe(0);
        const environ = sameUid.run(['cat', `/proc/${pid}/environ`]);
        expect(environ.status, `pid ${pid} environ readable by its uid`).toBe(0);
        expect(environ.stdout).toContain('SHIVA_BASE_URL');
        expect(environ.stdout).not.toContain(secret);
        const cmdline = sameUid.run(['cat', `/proc/${pid}/cmdline`]);
        expect(cmdline.status).toBe(0);
        expect(cmdline.stdout).not.toContain(secret);
      }
    });

    it('gets nothing from the published port without the secret, not even static or nbextensions files', () => {
      const paths = ['nbextensions/mine.txt', 'static/base/js/namespace.js', 'custom/custom.css', 'api/contents', 'tree', 'login', 'files/.local/share/jupyter/nbextensions/mine.txt'];
      expect(fetchAs(stranger, '', paths)).toEqual(paths.map(() => '403'));
      expect(fetchAs(stranger, 'Authorization: token wrong-secret', paths)).toEqual(paths.map(() => '403'));
      // One character off: the last one changed to a character it is not (a secret ends in 'x' once in 64).
      const oneOff = `${secret.slice(0, -1)}${secret.endsWith('x') ? 'y' : 'x'}`;
      expect(oneOff).not.toBe(secret);
      expect(fetchAs(stranger, `X-Shiva-Sandbox-Secret: ${oneOff}`, paths)).toEqual(paths.map(() => '403'));
      // The same requests with the secret are answered: the refusals above are the guard's.
      expect(fetchAs(stranger, `Authorization: token ${secret}`, ['nbextensions/mine.txt', 'static/base/js/namespace.js'])).toEqual(['200', '200']);
    });
  },
  localUserUnavailableReason,
);
