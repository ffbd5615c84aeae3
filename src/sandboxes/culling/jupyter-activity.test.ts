import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { JupyterActivity, type JupyterTarget } from './jupyter-activity.js';

/** What the stand-in server answers, per path; a function may hang or misbehave. */
type Answer = { status?: number; body: unknown } | ((res: http.ServerResponse) => void);

describe("Jupyter's own view of a sandbox's activity", () => {
  let server: http.Server;
  let target: JupyterTarget;
  const answers = new Map<string, Answer>();
  const seen: Array<{ path: string; authorization: string | undefined }> = [];
  const warnings: object[] = [];
  const log = { warn: (obj: object) => warnings.push(obj) };
  const NOW = Date.parse('2026-11-30T12:00:00Z');
  let inFlight = 0;
  let mostInFlight = 0;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      seen.push({ path: req.url ?? '', authorization: req.headers.authorization });
      inFlight++;
      mostInFlight = Math.max(mostInFlight, inFlight);
      res.on('close', () => inFlight--);
      const answer = answers.get(req.url ?? '') ?? { body: [] };
      if (typeof answer === 'function') return answer(res);
      res.writeHead(answer.status ?? 200, { 'content-type': 'application/json' });
      res.end(typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    target = { host: '127.0.0.1', port: (server.address() as AddressInfo).port, basePath: '/user/alice/lab/', token: 'secret' };
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });
  beforeEach(() => {
    answers.clear();
    seen.length = 0;
    warnings.length = 0;
    mostInFlight = 0;
  });

  const reader = (options: Partial<ConstructorParameters<typeof JupyterActivity>[0]> = {}) =>
    new JupyterActivity({ timeoutMs: 2_000, concurrency: 4, log, now: () => NOW, ...options });

  it('takes a busy kernel as active now, with the secret, under the base path', async () => {
    answers.set('/user/alice/lab/api/kernels', { body: [{ id: 'k', execution_state: 'busy', last_activity: '2026-11-30T11:00:00.000000Z' }] });
    expect(await reader().read('s1', target)).toEqual({ at: NOW, kind: 'kernel' });
    expect(seen.map((s) => s.path).sort()).toEqual(['/user/alice/lab/api/kernels', '/user/alice/lab/api/terminals']);
    expect(new Set(seen.map((s) => s.authorization))).toEqual(new Set(['token secret']));
  });

  it('takes the newest last_activity of idle kernels and terminals, with its kind', async () => {
    answers.set('/user/alice/lab/api/kernels', {
      body: [
        { id: 'a', execution_state: 'idle', last_activity: '2026-11-30T11:00:00.123456Z' },
        { id: 'b', execution_state: 'idle', last_activity: '2026-11-30T11:10:00.000000Z' },
      ],
    });
    answers.set('/user/alice/lab/api/terminals', { body: [{ name: '1', last_activity: '2026-11-30T11:20:00.000000Z' }] });
    expect(await reader().read('s1', target)).toEqual({ at: Date.parse('2026-11-30T11:20:00Z'), kind: 'terminal' });
    answers.set('/user/alice/lab/api/terminals', { body: [{ name: '1', last_activity: '2026-11-30T10:00:00.000000Z' }] });
    expect(await reader().read('s1', target)).toEqual({ at: Date.parse('2026-11-30T11:10:00Z'), kind: 'kernel' });
  });

  it('answers null for a sandbox with no kernel or terminal', async () => {
    expect(await reader().read('s1', target)).toBeNull();
    expect(warnings).toEqual([]);
  });

  it('reads times in the future as now and ignores entries that are not what Jupyter writes', async () => {
    answers.set('/user/alice/lab/api/kernels', { body: [null, 7, { last_activity: 12 }, { last_activity: 'not a time' }, { last_activity: '2099-01-01T00:00:00Z' }] });
    answers.set('/user/alice/lab/api/terminals', { body: { not: 'a list' } });
    expect(await reader().read('s1', target)).toEqual({ at: NOW, kind: 'kernel' });
  });

  it('logs and leaves out a sandbox that refuses, answers no JSON, too much, or nothing in time, and never throws', async () => {
    answers.set('/user/alice/lab/api/kernels', { status: 403, body: {} });
    expect(await reader().read('refuses', target)).toBeNull();
    answers.set('/user/alice/lab/api/kernels', { body: '<html>' });
    expect(await reader().read('html', target)).toBeNull();
    answers.set('/user/alice/lab/api/kernels', (res) => {
      res.writeHead(200);
      res.end(Buffer.alloc(2 * 1024 * 1024, 0x20));
    });
    expect(await reader().read('huge', target)).toBeNull();
    answers.set('/user/alice/lab/api/kernels', () => undefined);
    expect(await reader({ timeoutMs: 300 }).read('hangs', target)).toBeNull();
    expect(await reader().read('closed', { ...target, port: 1 })).toBeNull();
    expect(warnings.map((w) => (w as { sandboxId: string }).sandboxId)).toEqual(['refuses', 'html', 'huge', 'hangs', 'closed']);
    expect(JSON.stringify(warnings)).toContain('no answer in time');
  });

  it('asks at most `concurrency` sandboxes at once when asked about many', async () => {
    answers.set('/user/alice/lab/api/kernels', (res) => {
      setTimeout(() => {
        res.writeHead(200);
        res.end('[]');
      }, 20);
    });
    const many = reader({ concurrency: 3 });
    const answersOf = await Promise.all(Array.from({ length: 30 }, (_, i) => many.read(`s${i}`, target)));
    expect(answersOf.every((a) => a === null)).toBe(true);
    // Two requests per probe.
    expect(mostInFlight).toBeLessThanOrEqual(6);
    expect(seen).toHaveLength(60);
  });
});
