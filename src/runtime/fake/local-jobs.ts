/**
 * How the fake runtime runs a job that mounts host folders (making a home, reading the homes
 * marker): its command on this host, as a Docker Engine here would run it in a container, with
 * each mount's container path in the arguments replaced by its host path (there is no mount
 * namespace). The folders are the same; what differs is who runs it (the test process, not the
 * job's uid:gid) and that a read-only mount is not enforced. A missing host folder fails the job
 * as the engine's Mounts do.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { RuntimeError, type Job, type JobResult } from '../types.js';

/** Runs `job` here; its exit status and its stdout and stderr (stderr after stdout). */
export function runJobLocally(job: Job): Promise<JobResult> {
  const mounts = job.mounts ?? [];
  for (const m of mounts) {
    if (!existsSync(m.hostPath)) throw new RuntimeError('mount_missing', `the folder ${m.hostPath} to mount does not exist on this machine`, { plain: true });
  }
  const onHost = (arg: string): string => {
    for (const m of mounts) {
      if (arg === m.containerPath) return m.hostPath;
      if (arg.startsWith(`${m.containerPath}/`)) return m.hostPath + arg.slice(m.containerPath.length);
    }
    return arg;
  };
  const [file, ...args] = job.command.map(onHost);
  if (!file) throw new RuntimeError('failed', `the job ${job.name} has no command`);
  return new Promise((resolve) => {
    execFile(file, args, { timeout: job.timeoutMs, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...job.env } }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 127) : 0;
      resolve({ exitCode: code, output: `${stdout}${stderr}` });
    });
  });
}
