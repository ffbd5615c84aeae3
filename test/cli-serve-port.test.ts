/**
 * `shiva serve` on a port already taken stops before it touches its data directory: a second
 * hub with a fresh data directory must not create (and print the password of) an admin that no
 * hub will ever serve. The same holds for the SSH gateway's port.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runShiva } from './support/cli.js';
import { freePort } from './support/hub.js';

/** `shiva serve` with a fresh data directory, default configuration and no admin password. */
const serve = (dataDir: string, args: string[]) => runShiva(['serve', ...args], { SHIVA_DATA_DIR: dataDir, SHIVA_CONFIG: '', SHIVA_ADMIN_PASSWORD: '' });

describe('shiva serve on a taken port', () => {
  let dir: string;
  let taken: net.Server;
  let port: number;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'shiva-serve-port-'));
    taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    port = (taken.address() as net.AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise((resolve) => taken.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses with exit status 2, names the address and --port, and creates no admin', async () => {
    const dataDir = path.join(dir, 'data');
    const result = await serve(dataDir, ['--port', String(port), '--ssh-port', '0']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`127.0.0.1:${port} is taken`);
    expect(result.stderr).toContain('--port');
    expect(result.stdout).not.toContain('Created the user admin');
    expect(existsSync(dataDir) ? readdirSync(dataDir) : []).not.toContain('shiva.db');
  });

  it("refuses a taken SSH gateway port the same way, naming --ssh-port", async () => {
    const dataDir = path.join(dir, 'data-ssh');
    const result = await serve(dataDir, ['--port', String(await freePort()), '--ssh-port', String(port)]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`127.0.0.1:${port} is taken`);
    expect(result.stderr).toContain('--ssh-port');
    expect(existsSync(dataDir) ? readdirSync(dataDir) : []).not.toContain('shiva.db');
  });
});
