/**
 * Shiva's proxy alone, for benchmarks: mounts createProxy on a plain http.Server with one route
 * (`/user/bench/main/` → 127.0.0.1:<UPSTREAM_PORT>) and an authenticator that accepts one fixed
 * bearer token. Prints `{"port":N}` once listening on 127.0.0.1.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { SANDBOX_COOKIE, SandboxSignIn } from '../../src/auth/sandbox-sign-in.js';
import { sandboxOrigins } from '../../src/proxy/origins.js';
import { createProxy } from '../../src/proxy/proxy.js';
import { RouteTable } from '../../src/proxy/route-table.js';
import type { ProxyIdentity } from '../../src/proxy/types.js';

const upstreamPort = Number(process.env.UPSTREAM_PORT);
const token = process.env.BENCH_TOKEN ?? '';
if (!Number.isInteger(upstreamPort) || upstreamPort <= 0 || token === '') {
  throw new Error('set UPSTREAM_PORT and BENCH_TOKEN');
}

const routes = new RouteTable();
routes.set({ sandboxId: 'bench-main', user: 'bench', name: 'main', target: { host: '127.0.0.1', port: upstreamPort }, token: 'sandbox-token' });
const identity: ProxyIdentity = { userId: 1, username: 'bench', admin: false, via: 'token', credentialId: 'tok-bench' };
const expected = `Bearer ${token}`;
const quiet = (): void => {};
const proxy = createProxy({
  routes,
  authenticate: (req) => (req.headers.authorization === expected ? identity : null),
  activity: { touch: quiet },
  describe: () => undefined,
  // Bearer tokens on the path form only, as the CLI uses it; no sandbox origin is measured here.
  authenticateSandbox: () => null,
  origins: sandboxOrigins('http://127.0.0.1', undefined),
  authorizeUrl: 'http://127.0.0.1/api/sandboxes/authorize',
  signIn: new SandboxSignIn(randomBytes(32)),
  adminAccess: false,
  sandboxCookieName: SANDBOX_COOKIE,
  loginPath: '/login',
  log: {
    info: quiet,
    warn: (obj, msg) => process.stderr.write(`${msg ?? ''} ${JSON.stringify(obj)}\n`),
    error: (obj, msg) => process.stderr.write(`${msg ?? ''} ${JSON.stringify(obj)}\n`),
  },
});

// The same dispatch as the hub: `/user/…` goes to the proxy before any web framework.
const server = http.createServer((req, res) => {
  if (req.url?.startsWith('/user/')) {
    proxy.handleRequest(req, res);
    return;
  }
  res.writeHead(404).end();
});
server.on('upgrade', (req, socket, head) => {
  if (req.url?.startsWith('/user/')) proxy.handleUpgrade(req, socket, head);
  else socket.destroy();
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  process.stdout.write(`${JSON.stringify({ port: address.port })}\n`);
});
process.on('SIGTERM', () => {
  void proxy.close().then(() => process.exit(0));
});
