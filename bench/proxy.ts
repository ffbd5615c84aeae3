/**
 * Shiva's proxy against configurable-http-proxy 5.3, in one run, in front of the same upstream.
 *
 * Each proxy and the upstream run in their own child process; this process drives the load
 * (autocannon for HTTP, `ws` clients for WebSocket) over loopback only. A proxy's CPU time comes
 * from /proc/<pid>/stat (utime + stime) read before and after each round. Rounds alternate
 * between the two proxies so that drift on the machine hits both alike; medians are printed.
 * Our proxy runs as plain JavaScript transpiled here, as `npm start` runs `dist/`, so that no
 * run-time TypeScript loader is measured along with it.
 *
 *   npx tsx bench/proxy.ts          (or npm run bench:proxy)
 *   BENCH_ROUNDS=5 BENCH_SECONDS=10 BENCH_CONNECTIONS=64 BENCH_WS_MESSAGES=40000 to change the load.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import WebSocket from 'ws';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
/** True when this file was itself compiled to JavaScript, with its support files beside it. */
const precompiled = import.meta.url.endsWith('.js');
const ROUNDS = envInt('BENCH_ROUNDS', 3);
const SECONDS = envInt('BENCH_SECONDS', 5);
const CONNECTIONS = envInt('BENCH_CONNECTIONS', 32);
const WARMUP_SECONDS = 2;
const WS_MESSAGES = envInt('BENCH_WS_MESSAGES', 20_000);
const WS_SOCKETS = 4;
const WS_WINDOW = 16;
const WS_PAYLOAD = Buffer.from('{"msg_type":"x"}');
const TOKEN = 'bench-token-0123456789';
const CHP_TOKEN = 'chp-api-token-0123456789';
const SANDBOX_PATH = '/user/bench/main/';

// Budgets from DESIGN.md.
const BUDGET_CPU_US_PER_REQUEST = 80;
const BUDGET_RPS_RATIO = 3;
const BUDGET_WS_CPU_US_PER_MESSAGE = 20;

function envInt(name: string, fallback: number): number {
  const value = Number(process.env[name]);
  return Number.isInteger(value) && value > 0 ? value : fallback;
}

/** Clock ticks per second, the unit of /proc/<pid>/stat times. */
function clockTicksPerSecond(): number {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  } catch {
    return 100;
  }
}
const clockTicks = clockTicksPerSecond();

/** utime + stime of a process, in seconds. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which is in parentheses and may contain spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of the whole line: 12 and 13 counted after the name.
  return (Number(fields[11]) + Number(fields[12])) / clockTicks;
}

/**
 * Transpiles `entry` and the local modules it imports into a temporary directory, as tsc does
 * for dist/, and returns the directory and the path of the compiled entry.
 */
async function compile(entry: string): Promise<{ dir: string; main: string }> {
  const { default: ts } = await import('typescript');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'shiva-bench-'));
  writeFileSync(path.join(dir, 'package.json'), '{"type":"module"}\n');
  const pending = [entry];
  const done = new Set<string>();
  // Value imports of local modules; `import type` leaves nothing to load.
  const localImport = /^import (?!type )[^;]*?from '(\.{1,2}\/[^']+)\.js'/gm;
  while (pending.length > 0) {
    const file = pending.pop() as string;
    if (done.has(file)) continue;
    done.add(file);
    const source = readFileSync(path.join(root, file), 'utf8');
    const { outputText } = ts.transpileModule(source, {
      fileName: file,
      compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, verbatimModuleSyntax: true },
    });
    const out = path.join(dir, file.replace(/\.ts$/, '.js'));
    mkdirSync(path.dirname(out), { recursive: true });
    writeFileSync(out, outputText);
    for (const match of source.matchAll(localImport)) {
      pending.push(path.join(path.dirname(file), `${match[1] as string}.ts`));
    }
  }
  return { dir, main: path.join(dir, entry.replace(/\.ts$/, '.js')) };
}

// ---- child processes ---------------------------------------------------------------------

const children: ChildProcess[] = [];

function startChild(name: string, args: string[], env: Record<string, string> = {}): ChildProcess {
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  child.stderr?.on('data', (chunk: Buffer) => process.stderr.write(`[${name}] ${chunk.toString()}`));
  child.on('exit', (code, signal) => {
    if (!stopping) process.stderr.write(`[${name}] exited early (${signal ?? code})\n`);
  });
  return child;
}

/** The port a child prints as `{"port":N}` on its first line. */
function announcedPort(child: ChildProcess, name: string): Promise<number> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(() => reject(new Error(`${name} did not start in time`)), 20_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const newline = buffered.indexOf('\n');
      if (newline === -1) return;
      clearTimeout(timer);
      const line = JSON.parse(buffered.slice(0, newline)) as { port: number };
      resolve(line.port);
    });
    child.once('exit', () => reject(new Error(`${name} exited before listening`)));
  });
}

let stopping = false;

/** Stops exactly the children this run started, by their process ids. */
async function stopChildren(): Promise<void> {
  stopping = true;
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) {
            resolve();
            return;
          }
          const force = setTimeout(() => child.kill('SIGKILL'), 3_000);
          child.once('exit', () => {
            clearTimeout(force);
            resolve();
          });
          child.kill('SIGTERM');
        }),
    ),
  );
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** One HTTP request on a fresh connection; resolves with status and body. */
function call(port: number, method: string, urlPath: string, headers: Record<string, string> = {}, body?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path: urlPath, headers, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function upstreamConnections(upstreamPort: number): Promise<number> {
  const { body } = await call(upstreamPort, 'GET', '/__stats');
  return (JSON.parse(body) as { connections: number }).connections;
}

async function startChp(upstreamPort: number): Promise<{ child: ChildProcess; port: number }> {
  const [port, apiPort] = [await freePort(), await freePort()];
  const child = startChild(
    'configurable-http-proxy',
    [
      path.join(root, 'node_modules/configurable-http-proxy/bin/configurable-http-proxy'),
      '--ip', '127.0.0.1', '--port', String(port),
      '--api-ip', '127.0.0.1', '--api-port', String(apiPort),
      '--log-level', 'warn',
    ],
    { CONFIGPROXY_AUTH_TOKEN: CHP_TOKEN },
  );
  const auth = { authorization: `token ${CHP_TOKEN}` };
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      if ((await call(apiPort, 'GET', '/api/routes', auth)).status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error('configurable-http-proxy did not start in time');
    await new Promise((r) => setTimeout(r, 100));
  }
  const added = await call(
    apiPort,
    'POST',
    `/api/routes${SANDBOX_PATH.slice(0, -1)}`,
    { ...auth, 'content-type': 'application/json' },
    JSON.stringify({ target: `http://127.0.0.1:${upstreamPort}` }),
  );
  if (added.status !== 201) throw new Error(`configurable-http-proxy refused the route: ${added.status} ${added.body}`);
  return { child, port };
}

// ---- measurements ------------------------------------------------------------------------

interface Target {
  name: string;
  pid: number;
  port: number;
}

interface HttpRound {
  rps: number;
  cpuUsPerRequest: number;
  upstreamConnections: number;
  requests: number;
  failures: number;
}

async function httpRound(target: Target, upstreamPort: number, seconds: number): Promise<HttpRound> {
  const connectionsBefore = await upstreamConnections(upstreamPort);
  const cpuBefore = cpuSeconds(target.pid);
  const result = await autocannon({
    url: `http://127.0.0.1:${target.port}${SANDBOX_PATH}api/status`,
    connections: CONNECTIONS,
    duration: seconds,
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  const cpu = cpuSeconds(target.pid) - cpuBefore;
  // The stats request itself opens one connection.
  const opened = (await upstreamConnections(upstreamPort)) - connectionsBefore - 1;
  const requests = result.requests.total;
  return {
    rps: requests / result.duration,
    cpuUsPerRequest: requests > 0 ? (cpu * 1e6) / requests : NaN,
    upstreamConnections: opened,
    requests,
    failures: result.errors + result.non2xx + result.timeouts,
  };
}

interface WsRound {
  messagesPerSecond: number;
  cpuUsPerMessage: number;
  echoes: number;
}

/** Echoes `total` small messages through the proxy on a few sockets, a window of them in flight each. */
async function wsRound(target: Target, total: number): Promise<WsRound> {
  const sockets = await Promise.all(
    Array.from(
      { length: WS_SOCKETS },
      () =>
        new Promise<WebSocket>((resolve, reject) => {
          const ws = new WebSocket(`ws://127.0.0.1:${target.port}${SANDBOX_PATH}api/kernels/k/channels`, {
            headers: { authorization: `Bearer ${TOKEN}` },
            perMessageDeflate: false,
          });
          ws.once('open', () => resolve(ws));
          ws.once('error', reject);
        }),
    ),
  );
  const perSocket = Math.ceil(total / WS_SOCKETS);
  const cpuBefore = cpuSeconds(target.pid);
  const started = process.hrtime.bigint();
  await Promise.all(
    sockets.map(
      (ws) =>
        new Promise<void>((resolve, reject) => {
          let sent = 0;
          let received = 0;
          ws.on('message', () => {
            received++;
            if (received === perSocket) resolve();
            else if (sent < perSocket) {
              sent++;
              ws.send(WS_PAYLOAD);
            }
          });
          ws.once('error', reject);
          ws.once('close', () => (received < perSocket ? reject(new Error('socket closed early')) : undefined));
          for (; sent < Math.min(WS_WINDOW, perSocket); sent++) ws.send(WS_PAYLOAD);
        }),
    ),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpu = cpuSeconds(target.pid) - cpuBefore;
  await Promise.all(sockets.map((ws) => new Promise((resolve) => (ws.once('close', resolve), ws.close()))));
  const echoes = perSocket * WS_SOCKETS;
  // Each echo crosses the proxy twice: one message up, one down.
  return { messagesPerSecond: (echoes * 2) / seconds, cpuUsPerMessage: (cpu * 1e6) / (echoes * 2), echoes };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

const fmt = (value: number, digits = 0): string => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');
const pad = (text: string, width: number): string => text.padStart(width);
const verdict = (ok: boolean): string => (ok ? 'PASS' : 'FAIL');

let compiled: { dir: string; main: string } | undefined;

async function main(): Promise<void> {
  const upstream = startChild(
    'upstream',
    precompiled ? [path.join(here, 'support/upstream-server.js')] : ['--import', 'tsx', 'bench/support/upstream-server.ts'],
  );
  const upstreamPort = await announcedPort(upstream, 'upstream');
  if (!precompiled) compiled = await compile('bench/support/shiva-proxy-server.ts');
  const shivaEntry = compiled?.main ?? path.join(here, 'support/shiva-proxy-server.js');
  const shivaChild = startChild('shiva', [shivaEntry], {
    UPSTREAM_PORT: String(upstreamPort),
    BENCH_TOKEN: TOKEN,
  });
  const shivaPort = await announcedPort(shivaChild, 'shiva');
  const chp = await startChp(upstreamPort);
  const targets: Target[] = [
    { name: 'shiva', pid: shivaChild.pid ?? 0, port: shivaPort },
    { name: 'configurable-http-proxy 5.3', pid: chp.child.pid ?? 0, port: chp.port },
  ];

  for (const target of targets) {
    const probe = await call(target.port, 'GET', `${SANDBOX_PATH}api/status`, { authorization: `Bearer ${TOKEN}` });
    if (probe.status !== 200) throw new Error(`${target.name} answered ${probe.status} to a probe: ${probe.body}`);
  }

  console.log(
    `proxy benchmark: node ${process.version}, ${os.cpus().length} CPUs, loopback; ` +
      `HTTP: autocannon ${CONNECTIONS} connections x ${SECONDS} s, ${ROUNDS} rounds (medians); ` +
      `WebSocket: ${WS_MESSAGES} echoes on ${WS_SOCKETS} sockets, ${WS_PAYLOAD.length}-byte messages`,
  );

  for (const target of targets) {
    await httpRound(target, upstreamPort, WARMUP_SECONDS);
    await wsRound(target, Math.min(2_000, WS_MESSAGES));
  }

  const http: Record<string, HttpRound[]> = {};
  const ws: Record<string, WsRound[]> = {};
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? targets : [...targets].reverse();
    for (const target of order) {
      const result = await httpRound(target, upstreamPort, SECONDS);
      (http[target.name] ??= []).push(result);
      if (result.failures > 0) console.log(`  warning: ${target.name} round ${round + 1}: ${result.failures} failed requests`);
    }
    for (const target of order) (ws[target.name] ??= []).push(await wsRound(target, WS_MESSAGES));
  }

  const summary = targets.map((target) => {
    const rounds = http[target.name] ?? [];
    const wsRounds = ws[target.name] ?? [];
    return {
      name: target.name,
      rps: median(rounds.map((r) => r.rps)),
      cpu: median(rounds.map((r) => r.cpuUsPerRequest)),
      conns: median(rounds.map((r) => r.upstreamConnections)),
      requests: median(rounds.map((r) => r.requests)),
      wsRate: median(wsRounds.map((r) => r.messagesPerSecond)),
      wsCpu: median(wsRounds.map((r) => r.cpuUsPerMessage)),
    };
  });

  const nameWidth = 28;
  console.log('');
  console.log(`HTTP   ${'proxy'.padEnd(nameWidth)}${pad('req/s', 10)}${pad('CPU µs/req', 13)}${pad('upstream conns/round', 23)}${pad('requests/round', 17)}`);
  for (const s of summary) {
    console.log(`       ${s.name.padEnd(nameWidth)}${pad(fmt(s.rps), 10)}${pad(fmt(s.cpu, 1), 13)}${pad(fmt(s.conns), 23)}${pad(fmt(s.requests), 17)}`);
  }
  console.log('');
  console.log(`WS     ${'proxy'.padEnd(nameWidth)}${pad('msg/s', 10)}${pad('CPU µs/msg', 13)}   (a message is one frame one way; an echo is two)`);
  for (const s of summary) console.log(`       ${s.name.padEnd(nameWidth)}${pad(fmt(s.wsRate), 10)}${pad(fmt(s.wsCpu, 2), 13)}`);

  const [ours, theirs] = summary;
  if (!ours || !theirs) return;
  const rpsRatio = ours.rps / theirs.rps;
  console.log('');
  console.log(`ratio shiva/chp req/s: ${fmt(rpsRatio, 2)}x   CPU per request chp/shiva: ${fmt(theirs.cpu / ours.cpu, 2)}x   CPU per WS message chp/shiva: ${fmt(theirs.wsCpu / ours.wsCpu, 2)}x`);
  console.log(`budget  proxy CPU per request <= ${BUDGET_CPU_US_PER_REQUEST} µs: ${fmt(ours.cpu, 1)} µs  ${verdict(ours.cpu <= BUDGET_CPU_US_PER_REQUEST)}`);
  console.log(`budget  req/s >= ${BUDGET_RPS_RATIO}x configurable-http-proxy: ${fmt(rpsRatio, 2)}x  ${verdict(rpsRatio >= BUDGET_RPS_RATIO)}`);
  console.log(`budget  proxy CPU per WebSocket message <= ${BUDGET_WS_CPU_US_PER_MESSAGE} µs: ${fmt(ours.wsCpu, 2)} µs  ${verdict(ours.wsCpu <= BUDGET_WS_CPU_US_PER_MESSAGE)}`);
  console.log(`budget  upstream connections reused: ${fmt(ours.conns)} opened for ${fmt(ours.requests)} requests  ${verdict(ours.conns <= CONNECTIONS)}`);
}

const interrupted = (): void => {
  void stopChildren().then(() => process.exit(130));
};
process.once('SIGINT', interrupted);
process.once('SIGTERM', interrupted);

try {
  await main();
} catch (err) {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
} finally {
  await stopChildren();
  if (compiled) rmSync(compiled.dir, { recursive: true, force: true });
}
