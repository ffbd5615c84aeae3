/** `shiva save` and `shiva environments`: which sandbox is saved, following the save, and the list. */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { cliRuns, mockSandbox, runVerb } from '../../test/support/cli-fixtures.js';
import type { Environment, SandboxEvent } from '../contract/api.js';
import { environmentNamed, environmentsTable, registerEnvironments, sandboxToSave } from './environments.js';

const GiB = 1024 ** 3;
const environment = (over: Partial<Environment>): Environment => ({
  id: 'env1',
  name: 'torch',
  owner: 'alice',
  image: 'alice/torch',
  description: 'PyTorch and my packages',
  baseImage: 'notebook',
  sizeBytes: 3.214 * GiB,
  layers: 12,
  shared: false,
  createdAt: '2026-11-28T10:00:00.000Z',
  ...over,
});

describe('the sandbox shiva save saves', () => {
  const main = mockSandbox();
  const lab = mockSandbox({ id: 'sbx2', name: 'lab' });
  const ended = mockSandbox({ id: 'sbx0', name: 'old', state: 'stopped' });

  it('is the one --sandbox names, by name or id', () => {
    expect(sandboxToSave([main, lab], 'lab')).toEqual({ sandbox: lab });
    expect(sandboxToSave([main, lab], 'sbx1')).toEqual({ sandbox: main });
    expect(sandboxToSave([main], 'nope')).toEqual({ problem: 'You have no sandbox nope; shiva ls lists yours.', exitCode: 1 });
  });

  it('is the only live one without --sandbox, else main', () => {
    expect(sandboxToSave([ended, lab], undefined)).toEqual({ sandbox: lab });
    expect(sandboxToSave([lab, main], undefined)).toEqual({ sandbox: main });
  });

  it('asks which when there are several and none is main, and says when there is none', () => {
    expect(sandboxToSave([lab, mockSandbox({ id: 'sbx3', name: 'exp' })], undefined)).toEqual({
      problem: 'You have 2 sandboxes (lab, exp); say which to save with --sandbox NAME.',
      exitCode: 2,
    });
    expect(sandboxToSave([ended], undefined)).toMatchObject({ exitCode: 1, problem: expect.stringContaining('shiva launch') });
  });
});

describe('shiva environments', () => {
  const mine = environment({});
  const bobs = environment({ id: 'env2', owner: 'bob', image: 'bob/torch', shared: true, sizeBytes: 512 * 1024 ** 2 });

  it('finds one by id, by owner/name, or by name among your own only', () => {
    expect(environmentNamed([bobs, mine], 'torch', 'alice')).toBe(mine);
    expect(environmentNamed([bobs, mine], 'bob/torch', 'alice')).toBe(bobs);
    expect(environmentNamed([bobs, mine], 'env2', 'alice')).toBe(bobs);
    expect(environmentNamed([bobs], 'torch', 'alice')).toBeUndefined();
  });

  it('lists name, owner, size in binary units, age and whether it is shared', () => {
    const [header, rows] = environmentsTable([mine, bobs], Date.parse('2026-11-30T10:00:00.000Z'));
    expect(header).toEqual(['ID', 'NAME', 'OWNER', 'SIZE', 'CREATED', 'SHARED', 'DESCRIPTION']);
    expect(rows).toEqual([
      ['env1', 'torch', 'alice', '3.2 GiB', '2d ago', 'no', 'PyTorch and my packages'],
      ['env2', 'torch', 'bob', '512.0 MiB', '2d ago', 'yes', 'PyTorch and my packages'],
    ]);
  });
});

/** An event of the sandbox, recorded at `at` (the hub's clock). */
const event = (id: number, code: string, params: Record<string, string | number>, message: string, at: string): SandboxEvent => ({
  id,
  sandboxId: 'sbx1',
  at,
  state: 'running',
  message,
  percent: null,
  code,
  params,
});

/**
 * A hub with alice's one running sandbox, whose history holds a save of `torch` that failed in
 * the very second the new one starts: only following from the last event before the save tells
 * the two apart. The plain stream sends the history and ends; the followed one sends what comes
 * after Last-Event-ID.
 */
function fakeHub(outcome: SandboxEvent) {
  const history = [
    event(1, 'ready', { seconds: 1.2 }, 'Ready in 1.2 s', '2026-11-30T19:40:00.000Z'),
    event(2, 'save_started', { name: 'torch', paused: 0 }, 'Saving the environment torch', '2026-11-30T19:50:12.050Z'),
    event(3, 'save_failed', { name: 'torch', reason: 'the image is gone' }, 'Saving torch failed: the image is gone', '2026-11-30T19:50:12.100Z'),
  ];
  const later = [
    event(4, 'save_started', { name: 'torch', paused: 1 }, 'Saving the environment torch (processes paused meanwhile)', '2026-11-30T19:50:12.400Z'),
    event(5, 'save_progress', { name: 'torch', percent: 40 }, "Pushing torch to the team's registry: 40%", '2026-11-30T19:50:30.000Z'),
    event(6, 'kept_running', { by: 'alice' }, 'Kept running by alice', '2026-11-30T19:50:31.000Z'),
    outcome,
  ];
  const asked: { saved?: unknown; lastEventId?: string } = {};
  const json = (res: ServerResponse, body: unknown, status = 200) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  const stream = (res: ServerResponse, events: SandboxEvent[]) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    for (const e of events) res.write(`id: ${e.id}\nevent: ${e.state}\ndata: ${JSON.stringify(e)}\n\n`);
    res.end();
  };
  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    for await (const chunk of req) body += String(chunk);
    if (req.url === '/api/sandboxes?ended=true') return json(res, { items: [mockSandbox()], total: 1, next: null });
    if (req.url === '/api/sandboxes/sbx1/events') return stream(res, history);
    if (req.url === '/api/sandboxes/sbx1/save' && req.method === 'POST') {
      asked.saved = JSON.parse(body);
      return json(res, { sandboxId: 'sbx1', name: 'torch', repository: 'shiva/envs/alice/torch', tag: '20261130T195012Z' }, 202);
    }
    if (req.url === '/api/sandboxes/sbx1/events?follow=true') {
      asked.lastEventId = req.headers['last-event-id'] as string | undefined;
      return stream(res, [...history, ...later].filter((e) => e.id > Number(asked.lastEventId ?? 0)));
    }
    if (req.url === '/api/environments') return json(res, [environment({})]);
    return json(res, { error: { code: 'NOT_FOUND', message: req.url } }, 404);
  });
  return { server, asked };
}

describe('shiva save', () => {
  const cli = cliRuns();
  let server: Server | undefined;
  afterEach(async () => {
    if (server) await new Promise((resolve) => server!.close(resolve));
  });

  async function save(outcome: SandboxEvent, ...flags: string[]) {
    const hub = fakeHub(outcome);
    server = hub.server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    await runVerb(registerEnvironments, ['save', 'torch', '--url', url, ...flags]);
    return hub.asked;
  }

  it("prints this save's progress from the sandbox's events, says how to launch it, and exits 0", async () => {
    const asked = await save(event(7, 'saved', { name: 'torch', sizeGiB: 3.21, seconds: 84.2 }, 'Saved torch: 3.21 GiB in 84.2 s', '2026-11-30T19:51:36.000Z'), '--pause', '--description', 'my packages');
    expect(asked).toEqual({ saved: { name: 'torch', description: 'my packages', pause: true }, lastEventId: '3' });
    expect(cli.stdout().split('\n')).toEqual([
      'Saving alice/main as alice/torch (its processes paused meanwhile)',
      '  Saving the environment torch (processes paused meanwhile)',
      "  Pushing torch to the team's registry: 40%",
      '  Saved torch: 3.21 GiB in 84.2 s',
      'Launch it with: shiva launch --image alice/torch',
      '',
    ]);
    expect(process.exitCode).toBeUndefined();
  });

  it('prints the saved environment as JSON with --json, the progress going to stderr', async () => {
    await save(event(7, 'saved', { name: 'torch', sizeGiB: 3.21, seconds: 84.2 }, 'Saved torch: 3.21 GiB in 84.2 s', '2026-11-30T19:51:36.000Z'), '--json');
    expect(JSON.parse(cli.stdout())).toMatchObject({ id: 'env1', image: 'alice/torch' });
    expect(cli.stderr()).toContain('Saved torch');
  });

  it('exits 1 when the save fails, having said why', async () => {
    await save(event(7, 'save_failed', { name: 'torch', reason: 'the registry refused' }, 'Saving torch failed: the registry refused', '2026-11-30T19:51:36.000Z'));
    expect(cli.stdout()).toContain('  Saving torch failed: the registry refused\n');
    expect(cli.stdout()).not.toContain('the image is gone');
    expect(process.exitCode).toBe(1);
  });

  it('exits 1 when the events end before the save does', async () => {
    await save(event(7, 'stop_asked', { by: 'alice' }, 'Stopping (asked by alice)', '2026-11-30T19:51:36.000Z'));
    expect(cli.stderr()).toContain('The event stream ended before the save did');
    expect(process.exitCode).toBe(1);
  });
});
