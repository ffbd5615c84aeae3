/**
 * The xfs and cephfs backends: the exact commands they run, how they read the answers, and what
 * they say when the filesystem refuses. This machine has neither XFS project quotas nor CephFS,
 * so the commands go to a recorder (and, for the real runner, to tools that are not installed or
 * to a real tool that fails).
 */
import { describe, expect, it } from 'vitest';
import { CephfsEnforcer } from './cephfs.js';
import { commandLine, execRunner, QuotaCommandError } from './command.js';
import { recordedRunner } from './recorded-runner.js';
import { parseXfsReport, XfsEnforcer } from './xfs.js';

const alice = { userId: 7, username: 'alice' };
const bob = { userId: 8, username: 'bob' };

describe('the xfs backend', () => {
  const make = (answer?: Parameters<typeof recordedRunner>[0]) => {
    const r = recordedRunner(answer);
    return { ...r, xfs: new XfsEnforcer({ homesRoot: '/srv/homes', mountPoint: '/srv', projectIdBase: 100000, run: r.run, timeoutMs: 1000 }) };
  };

  it('sets the home as project base+user id and its hard block limit in bytes', async () => {
    const { xfs, calls } = make();
    await xfs.apply(alice, 10 * 1024 ** 3);
    expect(calls).toEqual([
      { file: 'xfs_quota', args: ['-x', '-c', 'project -s -p /srv/homes/alice 100007', '/srv'] },
      { file: 'xfs_quota', args: ['-x', '-c', 'limit -p bhard=10737418240 100007', '/srv'] },
    ]);
  });

  it('lifts the limit with bhard=0 when the user has no quota', async () => {
    const { xfs, calls } = make();
    await xfs.apply(alice, null);
    expect(calls[1]!.args[2]).toBe('limit -p bhard=0 100007');
  });

  it('reads usage from one project report, in 1 KiB blocks, and leaves out homes without a project', async () => {
    const report = '#0 0 0 0 00 [--------]\n#100007 20480 0 10485760 00 [--------]\n#100099 5 0 0 00 [--------]\n';
    const { xfs, calls } = make(() => ({ exitCode: 0, output: report }));
    expect(await xfs.measure([alice, bob])).toEqual(new Map([['alice', 20480 * 1024]]));
    expect(calls).toEqual([{ file: 'xfs_quota', args: ['-x', '-c', 'report -p -b -n -N', '/srv'] }]);
    expect(parseXfsReport('garbage\n')).toEqual(new Map());
  });

  it('fails naming the command and what xfs_quota said when the filesystem has no project quotas', async () => {
    const { xfs } = make(() => ({ exitCode: 1, output: 'xfs_quota: cannot set project on /srv/homes/alice: Inappropriate ioctl for device\n' }));
    const err = await xfs.apply(alice, 1024).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QuotaCommandError);
    expect((err as Error).message).toBe(
      "`xfs_quota -x -c 'project -s -p /srv/homes/alice 100007' /srv` failed: it exited with 1: xfs_quota: cannot set project on /srv/homes/alice: Inappropriate ioctl for device",
    );
  });
});

describe('the cephfs backend', () => {
  const make = (answer?: Parameters<typeof recordedRunner>[0]) => {
    const r = recordedRunner(answer);
    return { ...r, ceph: new CephfsEnforcer({ homesRoot: '/mnt/cephfs/homes', run: r.run, timeoutMs: 1000 }) };
  };

  it('sets ceph.quota.max_bytes on the home, 0 for none', async () => {
    const { ceph, calls } = make();
    await ceph.apply(alice, 5 * 1024 ** 3);
    await ceph.apply(bob, null);
    expect(calls).toEqual([
      { file: 'setfattr', args: ['-n', 'ceph.quota.max_bytes', '-v', '5368709120', '/mnt/cephfs/homes/alice'] },
      { file: 'setfattr', args: ['-n', 'ceph.quota.max_bytes', '-v', '0', '/mnt/cephfs/homes/bob'] },
    ]);
  });

  it('reads each home\'s ceph.dir.rbytes, leaving out one that fails', async () => {
    const { ceph, calls } = make((_file, args) =>
      args.at(-1)!.endsWith('alice') ? { exitCode: 0, output: '123456789' } : { exitCode: 1, output: 'bob: ceph.dir.rbytes: No such attribute' },
    );
    expect(await ceph.measure([alice, bob])).toEqual(new Map([['alice', 123456789]]));
    expect(calls[0]).toEqual({ file: 'getfattr', args: ['--only-values', '--absolute-names', '-n', 'ceph.dir.rbytes', '/mnt/cephfs/homes/alice'] });
  });

  it('fails naming the command when no home can be read (not a CephFS mount)', async () => {
    const { ceph } = make(() => ({ exitCode: 1, output: '/mnt/cephfs/homes/alice: ceph.dir.rbytes: Operation not supported' }));
    await expect(ceph.measure([alice])).rejects.toThrow(
      '`getfattr --only-values --absolute-names -n ceph.dir.rbytes /mnt/cephfs/homes/alice` failed: it exited with 1: /mnt/cephfs/homes/alice: ceph.dir.rbytes: Operation not supported',
    );
  });
});

describe('the real command runner', () => {
  it('says a tool is not installed, naming the command', async () => {
    const { run } = { run: execRunner };
    const xfs = new XfsEnforcer({ homesRoot: '/nonexistent/homes', mountPoint: '/nonexistent', projectIdBase: 1, run, timeoutMs: 5000 });
    const missing = await run('shiva-no-such-tool', ['x'], 5000);
    expect(missing.exitCode).toBe(127);
    // xfs_quota and setfattr are not installed here; where they are, the filesystem refuses instead.
    const err = (await xfs.apply(alice, 1).catch((e: unknown) => e)) as QuotaCommandError;
    expect(err).toBeInstanceOf(QuotaCommandError);
    expect(err.message).toMatch(/^`xfs_quota -x -c 'project -s -p \/nonexistent\/homes\/alice 8' \/nonexistent` failed: /);
  });

  it('passes arguments without a shell and reports a real tool\'s failure with its exit code and words', async () => {
    const ok = await execRunner('printf', ['%s', '$(not run) ; x'], 5000);
    expect(ok).toEqual({ exitCode: 0, output: '$(not run) ; x' });
    const failed = await execRunner('ls', ['/shiva-no-such-path'], 5000);
    expect(failed.exitCode).toBe(2);
    expect(failed.output).toMatch(/No such file or directory/);
    expect(commandLine('ls', ['a b', "it's"])).toBe("ls 'a b' 'it'\\''s'");
  });
});
