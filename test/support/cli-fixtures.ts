/**
 * What the hub answers the CLI, for the CLI's unit tests: a sandbox of alice's as GET
 * /api/sandboxes lists it, and a fake hub that answers set routes and records what it was sent.
 */
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Command } from 'commander';
import { afterEach, beforeEach, vi } from 'vitest';
import type { Sandbox } from '../../src/contract/api.js';

export const mockSandbox = (over: Partial<Sandbox> = {}): Sandbox => ({
  id: 'sbx1',
  name: 'main',
  user: 'alice',
  state: 'running',
  reason: null,
  image: 'tiny',
  machine: 'local',
  cpus: 1,
  cpuRequest: 0.25,
  memoryGiB: 4,
  gpus: [],
  url: 'http://main--alice.localhost:8000/user/alice/main/',
  createdAt: '2026-01-01T00:00:00.000Z',
  startedAt: null,
  stoppedAt: null,
  lastActivityAt: null,
  memoryUsedBytes: null,
  idleStop: null,
  logTail: null,
  ...over,
});

/** What the fake hub answers one route: 200 and no body unless told. */
export interface FakeAnswer {
  status?: number;
  body?: unknown;
}

/** A request the fake hub was sent, its body parsed. */
export interface FakeRequest {
  method: string;
  url: string;
  body: unknown;
}

export interface FakeHub {
  url: string;
  requests: FakeRequest[];
  close(): Promise<void>;
}

/**
 * A hub on a free local port that answers `routes` ("GET /api/ssh" → its answer) and records
 * every request; other routes answer 404 NOT_FOUND, as the hub does.
 */
export async function startFakeHub(routes: Readonly<Record<string, FakeAnswer>>): Promise<FakeHub> {
  const requests: FakeRequest[] = [];
  const server = createServer(async (req, res) => {
    let text = '';
    for await (const chunk of req) text += String(chunk);
    requests.push({ method: req.method!, url: req.url!, body: text ? (JSON.parse(text) as unknown) : undefined });
    const answer = routes[`${req.method} ${req.url}`] ?? { status: 404, body: { error: { code: 'NOT_FOUND', message: `No route ${req.url}` } } };
    res.writeHead(answer.status ?? 200, answer.body === undefined ? {} : { 'content-type': 'application/json' });
    res.end(answer.body === undefined ? undefined : JSON.stringify(answer.body));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** What a CLI run printed so far, and a fake hub for it to talk to. */
export interface CliRuns {
  stdout(): string;
  stderr(): string;
  /** A fake hub (startFakeHub) for this test; the one started before in the test is closed. */
  hub(routes: Readonly<Record<string, FakeAnswer>>): Promise<FakeHub>;
}

/**
 * Sets up each test of the enclosing describe block as a run of the CLI: stdout and stderr
 * captured, a token set and no saved login read; after each, the exit code, the mocks and the
 * environment are restored and its fake hub closed.
 */
export function cliRuns(): CliRuns {
  let out = '';
  let err = '';
  let hub: FakeHub | undefined;
  beforeEach(() => {
    out = '';
    err = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((out += String(chunk)), true));
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((err += String(chunk)), true));
    vi.stubEnv('SHIVA_TOKEN', 'shiva_test');
    vi.stubEnv('SHIVA_CREDENTIALS', '/nonexistent/credentials.json');
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
    process.exitCode = undefined;
    await hub?.close();
    hub = undefined;
  });
  return {
    stdout: () => out,
    stderr: () => err,
    hub: async (routes) => {
      await hub?.close();
      hub = await startFakeHub(routes);
      return hub;
    },
  };
}

/** Runs one verb as `shiva <args>` would, with only the verbs `register` defines. */
export async function runVerb(register: (program: Command) => void, args: string[]): Promise<void> {
  const program = new Command('shiva').exitOverride();
  register(program);
  await program.parseAsync(args, { from: 'user' });
}
