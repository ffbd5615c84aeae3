import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { OpenTunnels } from './open-tunnels.js';
import { createProxy } from './proxy.js';
import { RouteTable } from './route-table.js';
import type { Proxy, ProxyIdentity } from './types.js';
import { sandboxDoorDeps } from '../../test/support/proxy-deps.js';

// Requests still in flight through the proxy (long polls, streams) belong to the credential that
// let them in: ending it, or the sandbox's route, cuts them.

const identities: Record<string, ProxyIdentity> = {
  'alice-token': { userId: 1, username: 'alice', admin: false, via: 'token', credentialId: 'tok-alice' },
  'bob-token': { userId: 2, username: 'bob', admin: false, via: 'token', credentialId: 'tok-bob' },
  'root-token': { userId: 3, username: 'root', admin: true, via: 'token', credentialId: 'tok-root' },
};

async function listen(server: http.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

async function waitFor(predicate: () => boolean, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('proxy (open requests and their credentials)', () => {
  let upstream: http.Server;
  let front: http.Server;
  let proxy: Proxy;
  let port = 0;
  const routes = new RouteTable();
  const tunnels = new OpenTunnels({ info: () => {}, warn: () => {}, error: () => {} });
  /** Requests the sandbox stand-in has seen and holds open, answering only when told. */
  const held: Array<{ req: IncomingMessage; res: ServerResponse }> = [];
  /** When set, the authenticator answers only once this is called. */
  let gate: ((release: () => void) => void) | null = null;

  beforeAll(async () => {
    upstream = http.createServer((req, res) => {
      held.push({ req, res });
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: first\n\n');
    });
    const upstreamPort = await listen(upstream);
    for (const user of ['alice', 'bob']) {
      routes.set({ sandboxId: `s-${user}`, user, name: 'lab', target: { host: '127.0.0.1', port: upstreamPort }, token: 'secret' });
    }
    proxy = createProxy({
      routes,
      tunnels,
      authenticate: (req) => {
        const identity = identities[req.headers.authorization?.slice(7) ?? ''] ?? null;
        const wait = gate;
        return wait ? new Promise((resolve) => wait(() => resolve(identity))) : identity;
      },
      activity: { touch: () => {} },
      describe: () => ({ state: 'stopped' }),
      ...sandboxDoorDeps(),
      loginPath: '/login',
      log: { info: () => {}, warn: () => {}, error: () => {} },
    });
    front = http.createServer((req, res) => proxy.handleRequest(req, res));
    port = await listen(front);
  });

  afterAll(async () => {
    await proxy.close();
    front.closeAllConnections();
    upstream.closeAllConnections();
    await Promise.all([front, upstream].map((s) => new Promise((r) => s.close(r))));
  });

  beforeEach(() => {
    for (const h of held) h.res.destroy();
    held.length = 0;
    gate = null;
  });

  /** Opens a streamed request as `token` and resolves once its first chunk is in, with a promise of how it ends. */
  function stream(token: string, user = 'alice'): Promise<{ ended: Promise<'complete' | 'cut'> }> {
    return new Promise((resolve, reject) => {
      const req = http.get({ host: '127.0.0.1', port, path: `/user/${user}/lab/api/events`, headers: { authorization: `Bearer ${token}` }, agent: false }, (res) => {
        const ended = new Promise<'complete' | 'cut'>((done) => {
          res.on('end', () => done('complete'));
          res.on('error', () => done('cut'));
          res.on('aborted', () => done('cut'));
        });
        res.once('data', () => resolve({ ended }));
      });
      req.on('error', reject);
    });
  }

  it("cuts a request in flight when its credential ends, and leaves another user's alone", async () => {
    const alice = await stream('alice-token');
    const bob = await stream('bob-token', 'bob');
    expect(tunnels.size).toBe(2);
    expect(tunnels.end((t) => t.identity.credentialId === 'tok-alice', 'token revoked')).toBe(1);
    expect(await alice.ended).toBe('cut');
    await waitFor(() => tunnels.size === 1);
    held.find((h) => h.req.url?.startsWith('/user/bob/'))!.res.end('data: last\n\n');
    expect(await bob.ended).toBe('complete');
    await waitFor(() => tunnels.size === 0);
  });

  it("cuts the requests into a sandbox when its route goes", async () => {
    const alice = await stream('alice-token');
    routes.delete('alice', 'lab');
    expect(await alice.ended).toBe('cut');
    routes.set({ sandboxId: 's-alice', user: 'alice', name: 'lab', target: { host: '127.0.0.1', port: (upstream.address() as AddressInfo).port }, token: 'secret' });
  });

  it("marks an admin's request into another user's sandbox as admitted by admin rights, and a demotion cuts it", async () => {
    const root = await stream('root-token');
    const own = await stream('alice-token');
    expect(tunnels.end((t) => t.asAdmin, 'no longer an admin')).toBe(1);
    expect(await root.ended).toBe('cut');
    tunnels.end((t) => t.identity.userId === 1, 'cleanup');
    expect(await own.ended).toBe('cut');
  });

  it('never forwards a request whose credential ended while the proxy was checking it', async () => {
    let release: (() => void) | null = null;
    gate = (r) => (release = r);
    const answer = new Promise<string>((resolve) => {
      const req = http.get({ host: '127.0.0.1', port, path: '/user/alice/lab/api/events', headers: { authorization: 'Bearer alice-token' }, agent: false }, (res) => {
        res.resume();
        res.on('end', () => resolve(`answered ${res.statusCode ?? 0}`));
      });
      req.on('error', () => resolve('cut'));
    });
    await waitFor(() => release !== null);
    tunnels.end((t) => t.identity.credentialId === 'tok-alice', 'signed out');
    release!();
    const late = new Promise<string>((resolve) => setTimeout(() => resolve('still waiting'), 2000));
    expect(await Promise.race([answer, late])).toBe('cut');
    expect(held).toHaveLength(0);
    expect(tunnels.size).toBe(0);
  });
});
