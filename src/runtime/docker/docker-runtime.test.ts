/**
 * DockerRuntime on the real Docker Engine with the tiny test image: what is Docker's own (the
 * create options, mounts, jobs, pulls, GPUs). What every runtime must do is in the contract
 * suite (contract.docker.test.ts). Every container carries this run's own deployment label and
 * is removed by that label afterwards, so runs (and a hub) sharing the engine never touch each
 * other's containers.
 */
import { randomBytes } from 'node:crypto';
import { chownSync, chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { TINY_IMAGE, describeDocker } from '../../../test/support/docker.js';
import { rejection } from '../../../test/support/rejection.js';
import { tinySpec } from '../../../test/support/tiny-spec.js';
import { LABELS, RuntimeError, type ContainerInfo, type ContainerSpec } from '../types.js';
import { DockerRuntime } from './docker-runtime.js';
import { NO_NVIDIA_RUNTIME_MESSAGE } from './errors.js';

const run = randomBytes(4).toString('hex');
const deployment = `test-${run}`;
const token = randomBytes(16).toString('hex');
const base = '/user/t/x/';
let counter = 0;

describeDocker('DockerRuntime on the real Docker Engine', [TINY_IMAGE], () => {
  const runtime = new DockerRuntime();
  const docker = new Docker();
  const homes: string[] = [];
  let sandbox: ContainerInfo;
  let sandboxSpec: ContainerSpec;

  function home(): string {
    const dir = mkdtempSync(join(tmpdir(), `shiva-home-${run}-`));
    homes.push(dir);
    try {
      chownSync(dir, 1000, 1000);
    } catch {
      chmodSync(dir, 0o777); // not root here: let uid 1000 write anyway
    }
    return dir;
  }

  function spec(over: Partial<ContainerSpec> = {}): ContainerSpec {
    const name = `shiva-test-${run}-${++counter}`;
    return tinySpec(name, home(), {
      env: { JUPYTER_TOKEN: token, SHIVA_BASE_URL: base },
      labels: { [LABELS.deployment]: deployment, [LABELS.name]: name },
      ...over,
    });
  }

  const failure = (promise: Promise<unknown>) => rejection(promise, RuntimeError);

  /** Polls with a short, growing delay: readiness, not a fixed sleep. */
  async function eventually<T>(probe: () => Promise<T | undefined>, what: string, ms = 20_000): Promise<T> {
    const deadline = Date.now() + ms;
    for (let delay = 25; ; delay = Math.min(delay * 2, 400)) {
      const value = await probe().catch(() => undefined);
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }

  const url = (info: ContainerInfo, path: string): string => {
    if (!info.endpoint) throw new Error(`${info.name} has no endpoint`);
    return `http://${info.endpoint.host}:${info.endpoint.port}${base}${path}`;
  };

  beforeAll(async () => {
    sandboxSpec = spec();
    const id = await runtime.create(sandboxSpec);
    sandbox = await runtime.start(id);
    // Each probe has its own timeout: a connection made in the first milliseconds after start can
    // be accepted by the engine's port forwarder and then never answered.
    const ready = async (): Promise<true | undefined> =>
      (await fetch(url(sandbox, 'api'), { signal: AbortSignal.timeout(1000) })).status === 200 ? true : undefined;
    await eventually(ready, 'the sandbox to answer');
  });

  afterAll(async () => {
    const mine = await docker.listContainers({ all: true, filters: { label: [`${LABELS.deployment}=${deployment}`] } });
    await Promise.all(mine.map((c) => docker.getContainer(c.Id).remove({ force: true, v: true })));
    for (const dir of homes) rmSync(dir, { recursive: true, force: true });
  });

  it('starts a sandbox on a loopback endpoint where it answers HTTP', async () => {
    expect(sandbox.state).toBe('running');
    expect(sandbox.endpoint?.host).toBe('127.0.0.1');
    expect(sandbox.endpoint?.port).toBeGreaterThan(0);
    expect(sandbox.startedAt).not.toBeNull();
    const answer = await fetch(url(sandbox, 'api'));
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual({ version: 'tiny' });
  });

  it('runs the sandbox as the given user with its home mounted read-write', async () => {
    const headers = { Authorization: `token ${token}` };
    const status = (await (await fetch(url(sandbox, 'api/status'), { headers })).json()) as { user: number; gid: number };
    expect(status).toMatchObject({ user: 1000, gid: 1000 });
    const put = await fetch(url(sandbox, 'files/hello.txt'), { method: 'PUT', headers, body: 'hi from the sandbox' });
    expect(put.ok).toBe(true);
    const hostFile = join(sandboxSpec.home.hostPath, 'hello.txt');
    expect(readFileSync(hostFile, 'utf8')).toBe('hi from the sandbox');
    expect(statSync(hostFile).uid).toBe(1000);
  });

  it('creates the container with its CPU limit as NanoCpus, its CPU request as CpuShares, and without privileges', async () => {
    const data = await docker.getContainer(sandbox.id).inspect();
    expect(data.Config.User).toBe('1000:1000');
    expect(data.Config.Labels[LABELS.deployment]).toBe(deployment);
    expect(data.HostConfig).toMatchObject({
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
      Privileged: false,
      NanoCpus: 500_000_000,
      // 0.125 CPU requested × 1024 shares per CPU.
      CpuShares: 128,
      Memory: 256 * 1024 * 1024,
      MemorySwap: 256 * 1024 * 1024,
      PidsLimit: 128,
      RestartPolicy: { Name: 'no' },
      LogConfig: { Type: 'json-file', Config: { 'max-size': '10m', 'max-file': '2' } },
    });
    expect(data.HostConfig.Binds ?? []).toEqual([]);
    // The engine leaves ReadOnly out when it is false.
    expect(data.HostConfig.Mounts?.map((m) => ({ ...m, ReadOnly: m.ReadOnly ?? false }))).toEqual([
      { Type: 'bind', Source: sandboxSpec.home.hostPath, Target: '/home/shiva', ReadOnly: false },
    ]);
    expect(JSON.stringify(data.Mounts)).not.toContain('docker.sock');
  });

  it('refuses to create a sandbox whose home is missing on the machine, and makes no folder there', async () => {
    const missing = join(tmpdir(), `shiva-no-home-${run}`);
    const err = await failure(runtime.create(spec({ home: { hostPath: missing, containerPath: '/home/shiva' } })));
    expect(err.kind).toBe('mount_missing');
    expect(err.plain).toBe(true);
    expect(err.message).toBe(`the folder ${missing} to mount does not exist on this machine`);
    expect(existsSync(missing)).toBe(false);
  });

  it('runs a job to completion without network, gives its output, and leaves no container', async () => {
    const job = `test-job-${run}`;
    const result = await runtime.runJob({
      name: job,
      image: TINY_IMAGE,
      command: ['python3', '-c', 'import socket; print(6 * 7); print(len(socket.if_nameindex()))'],
      timeoutMs: 30_000,
    });
    // Only the loopback interface: the job had no network.
    expect(result).toEqual({ exitCode: 0, output: '42\n1\n' });
    expect(await docker.listContainers({ all: true, filters: { label: [`${LABELS.job}=${job}`] } })).toEqual([]);
  });

  it('gives a job its mounts, user and capabilities: reads a read-only mount, cannot write it, and hands a file over with CHOWN', async () => {
    const dir = mkdtempSync(join(tmpdir(), `shiva-job-${run}-`));
    homes.push(dir);
    chmodSync(dir, 0o777); // uid 1000 may write here: only the read-only mount refuses it
    writeFileSync(join(dir, 'marker'), 'seen\n');
    const read = await runtime.runJob({
      name: `test-mount-job-${run}`,
      image: TINY_IMAGE,
      command: ['sh', '-c', 'cat /data/marker; touch /data/new 2>/dev/null && echo wrote || echo refused'],
      mounts: [{ hostPath: dir, containerPath: '/data', readOnly: true }],
      timeoutMs: 30_000,
    });
    expect(read).toEqual({ exitCode: 0, output: 'seen\nrefused\n' });

    const owned = await runtime.runJob({
      name: `test-chown-job-${run}`,
      image: TINY_IMAGE,
      command: ['sh', '-c', 'mkdir /data/alice && chown 20001:20001 /data/alice && id -u'],
      mounts: [{ hostPath: dir, containerPath: '/data', readOnly: false }],
      user: '0:0',
      capabilities: ['CHOWN'],
      timeoutMs: 30_000,
    });
    expect(owned).toEqual({ exitCode: 0, output: '0\n' });
    expect(statSync(join(dir, 'alice'))).toMatchObject({ uid: 20001, gid: 20001 });

    // Without CHOWN, root in a job cannot hand anything over.
    const refused = await runtime.runJob({
      name: `test-nochown-job-${run}`,
      image: TINY_IMAGE,
      command: ['chown', '20002', '/data/marker'],
      mounts: [{ hostPath: dir, containerPath: '/data', readOnly: false }],
      user: '0:0',
      timeoutMs: 30_000,
    });
    expect(refused.exitCode).not.toBe(0);
    expect(statSync(join(dir, 'marker')).uid).not.toBe(20002);
  });

  it('fails a job whose host folder is missing instead of making it, and refuses one that would see the engine socket', async () => {
    const missing = join(tmpdir(), `shiva-job-missing-${run}`);
    const err = await failure(
      runtime.runJob({
        name: `test-missing-job-${run}`,
        image: TINY_IMAGE,
        command: ['true'],
        mounts: [{ hostPath: missing, containerPath: '/data', readOnly: true }],
        timeoutMs: 30_000,
      }),
    );
    expect(err.kind).toBe('mount_missing');
    expect(existsSync(missing)).toBe(false);
    await expect(
      runtime.runJob({
        name: `test-socket-job-${run}`,
        image: TINY_IMAGE,
        command: ['true'],
        mounts: [{ hostPath: '/var/run', containerPath: '/data', readOnly: true }],
        timeoutMs: 30_000,
      }),
    ).rejects.toThrow(/would expose the engine's socket/);
    expect(await docker.listContainers({ all: true, filters: { label: [`${LABELS.job}=test-socket-job-${run}`] } })).toEqual([]);
  });

  it('removes the finished containers of the same job that a killed hub left behind', async () => {
    const job = `test-left-job-${run}`;
    const left = await docker.createContainer({ Image: TINY_IMAGE, Cmd: ['true'], Labels: { [LABELS.job]: job } });
    await left.start();
    await left.wait();
    const result = await runtime.runJob({ name: job, image: TINY_IMAGE, command: ['true'], timeoutMs: 30_000 });
    expect(result.exitCode).toBe(0);
    expect(await docker.listContainers({ all: true, filters: { label: [`${LABELS.job}=${job}`] } })).toEqual([]);
  });

  it('fails a job asking for every GPU on this engine, which has no NVIDIA runtime, with the clear message', async () => {
    const err = await runtime
      .runJob({ name: `test-gpu-job-${run}`, image: TINY_IMAGE, command: ['nvidia-smi'], allGpus: true, timeoutMs: 30_000 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RuntimeError);
    expect((err as RuntimeError).message).toBe(NO_NVIDIA_RUNTIME_MESSAGE);
    expect(await docker.listContainers({ all: true, filters: { label: [`${LABELS.job}=test-gpu-job-${run}`] } })).toEqual([]);
  });

  it('refuses to mount the Docker socket and creates nothing', async () => {
    const bad = spec({ home: { hostPath: '/var/run/docker.sock', containerPath: '/home/shiva' } });
    await expect(runtime.create(bad)).rejects.toThrow(/Docker socket/);
    expect(await runtime.list({ [LABELS.deployment]: deployment, [LABELS.name]: bad.name })).toEqual([]);
  });

  it('fails a pull of an image no registry has quickly, as image_not_found', async () => {
    const started = Date.now();
    const err = await failure(runtime.pullImage('shiva-test/does-not-exist:never', () => {}));
    expect(err.kind).toBe('image_not_found');
    expect(err.message).toContain('shiva-test/does-not-exist:never');
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  it("reads the engine's facts", async () => {
    const info = await runtime.info();
    const raw = (await docker.info()) as { ServerVersion: string; NCPU: number };
    expect(info.version).toBe(raw.ServerVersion);
    expect(info.cpus).toBe(raw.NCPU);
    expect(info.memoryBytes).toBeGreaterThan(0);
    expect(info.runtimes).toContain('runc');
    expect(info.name).not.toBe('');
  });

  it('reads what a running sandbox uses, and null for one that does not run or does not exist', async () => {
    const first = await runtime.stats(sandbox.id);
    // The sandbox's server has started, so it has used some CPU time and memory within its limit.
    expect(first?.cpuSeconds).toBeGreaterThan(0);
    expect(first?.memoryUsedBytes).toBeGreaterThan(0);
    expect(first!.memoryUsedBytes!).toBeLessThanOrEqual(256 * 1024 * 1024);
    const second = await runtime.stats(sandbox.id);
    expect(second!.cpuSeconds!).toBeGreaterThanOrEqual(first!.cpuSeconds!);
    const created = await runtime.create(spec());
    expect(await runtime.stats(created)).toBeNull();
    expect(await runtime.stats(`shiva-test-${run}-missing`)).toBeNull();
  });

  it("reads an image's labels, and null for an image that is not there", async () => {
    const image = await runtime.inspectImage(TINY_IMAGE);
    expect(image?.id).toMatch(/^sha256:/);
    expect(image?.labels['org.shiva.port']).toBe('8888');
    expect(await runtime.inspectImage('shiva-test/does-not-exist:never')).toBeNull();
  });
});
