import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { SandboxPool } from './pool.js';

describe('SandboxPool', () => {
  it('gives up on a connection that does not open within the connect timeout', async () => {
    const pool = new SandboxPool(100);
    const started = Date.now();
    const err = await new Promise<NodeJS.ErrnoException>((resolve) => {
      // A name lookup that never answers keeps the socket connecting forever.
      const req = http.request({ agent: pool, host: 'sandbox.invalid', port: 80, lookup: () => {} });
      req.on('error', resolve);
      req.end();
    });
    expect(err.code).toBe('ETIMEDOUT');
    expect(Date.now() - started).toBeLessThan(2000);
    pool.destroy();
  });

  it('does not time out an answer that takes longer than the connect timeout', async () => {
    const server = http.createServer((_req, res) => setTimeout(() => res.end('late'), 300));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const pool = new SandboxPool(100);
    const body = await new Promise<string>((resolve, reject) => {
      const req = http.get({ agent: pool, host: '127.0.0.1', port: (server.address() as AddressInfo).port }, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve(text));
      });
      req.on('error', reject);
    });
    expect(body).toBe('late');
    pool.destroy();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });
});
