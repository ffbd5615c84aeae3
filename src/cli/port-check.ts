/**
 * Refusing a taken port before the hub does anything else. The hub opens its data directory
 * and, on a first start, creates the user `admin` (printing its password) before it listens;
 * a second hub started with another data directory on a port already in use would make an
 * account nobody can reach and then fail. Binding the port for a moment first turns that into
 * a plain refusal. (Another process may still take the port between the probe and the real
 * listen; the hub then fails as before, with the same message.)
 */
import net from 'node:net';

/**
 * Resolves when `host:port` can be bound now; rejects with an Error whose `code` is
 * `EADDRINUSE` (or the system's other code, such as `EACCES`) naming the address and `move`, what
 * moves the hub (by default the --port flag). Port 0 (any free port) is always free.
 */
export function assertPortFree(host: string, port: number, move = 'start this hub on another with --port'): Promise<void> {
  if (port === 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', (err: NodeJS.ErrnoException) => {
      const where = `${host.includes(':') ? `[${host}]` : host}:${port}`;
      const refused = Object.assign(
        new Error(`${where} is taken (another Shiva hub, or another program): ${move}, or stop the other`),
        { code: err.code },
      );
      reject(refused);
    });
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve()));
  });
}
