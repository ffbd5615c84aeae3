/**
 * Running the hub for real: load the config, open the hub, build the app, listen, and close
 * everything in order on SIGINT/SIGTERM.
 */
import { buildApp } from './app.js';
import type { Config } from './config/schema.js';
import { createHub, type Hub } from './hub.js';
import { createLogger, resolveLogLevel } from './log.js';
import type { App } from './api/types.js';

/** How long requests being answered when the hub stops may take to finish before they are cut. */
const REQUEST_GRACE_MS = 500;

export interface RunningServer {
  hub: Hub;
  app: App;
  url: string;
  close(): Promise<void>;
}

export interface ServerOptions {
  /** The `--log-level` option: over SHIVA_LOG_LEVEL, over `log.level` (src/log.ts). */
  logLevel?: string;
  /** Where SHIVA_LOG_LEVEL is read; the process's environment by default. */
  env?: NodeJS.ProcessEnv;
}

/**
 * Opens the hub and listens on `hub.host:hub.port`. Throws ConfigError for a bad log level,
 * and whatever createHub and listening throw (a locked data directory, an address in use).
 */
export async function startServer(config: Readonly<Config>, options: ServerOptions = {}): Promise<RunningServer> {
  const env = options.env ?? process.env;
  const log = createLogger(resolveLogLevel({ option: options.logLevel, env: env.SHIVA_LOG_LEVEL, config: config.log.level }));
  const hub = await createHub(config, {
    log,
    // The one-time admin password must reach whoever started the hub, whatever the log level.
    announce: (message) => process.stdout.write(`\n  ${message}\n\n`),
  });
  let app: App | undefined;
  try {
    app = await buildApp(hub, { logger: log });
    await app.listen({ host: config.hub.host, port: config.hub.port });
    if (hub.ssh) {
      const sshPort = await hub.ssh.listen(config.ssh.host ?? config.hub.host, config.ssh.port);
      log.info({ port: sshPort, hostKey: hub.sshHostKey?.fingerprint }, 'SSH gateway is listening');
    }
  } catch (err) {
    await app?.close().catch(() => undefined);
    await hub.close();
    throw err;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.hub.port;
  const url = `http://${config.hub.host.includes(':') ? `[${config.hub.host}]` : config.hub.host}:${port}`;
  log.info({ url, publicUrl: hub.publicUrl, dataDir: config.dataDir }, 'Shiva hub is listening');
  let closing: Promise<void> | undefined;
  return {
    hub,
    app,
    url,
    close() {
      closing ??= (async () => {
        const started = performance.now();
        // Launches first, while their event streams are still open: each records that the hub
        // cut it short, which its followers see before their stream ends.
        await hub.sandboxes.abortLaunches();
        const launchesDone = performance.now();
        // app.close() ends the open tunnels and event streams (app.ts's preClose) and idle
        // keep-alive sockets, then waits for requests still being answered. One that is still
        // not answered after a moment is cut: every sandbox is unreachable until the hub is back.
        const closed = app.close();
        const cut = setTimeout(() => app.server.closeAllConnections(), REQUEST_GRACE_MS);
        try {
          await closed;
        } finally {
          clearTimeout(cut);
        }
        const connectionsDone = performance.now();
        await hub.close();
        // The whole, and its parts: aborting launches, closing connections, closing the hub's parts.
        const ms = (from: number, to: number) => Math.round(to - from);
        const end = performance.now();
        log.info(
          { ms: ms(started, end), launchesMs: ms(started, launchesDone), connectionsMs: ms(launchesDone, connectionsDone), hubMs: ms(connectionsDone, end) },
          'hub stopped',
        );
      })();
      return closing;
    },
  };
}
