/** `shiva serve`: run the hub in the foreground until SIGINT or SIGTERM. */
import type { Command } from 'commander';
import { assertPortFree } from './port-check.js';

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('run the hub (API, proxy and reconciler) in the foreground')
    .option('-c, --config <file>', 'YAML configuration file (or SHIVA_CONFIG)')
    .option('--host <host>', 'address to listen on')
    .option('--port <port>', 'port to listen on', (v) => Number(v))
    .option('--ssh-port <port>', "the SSH gateway's port (over ssh.port; 0: any free port)", (v) => Number(v))
    .option('--log-level <level>', 'fatal, error, warn, info, debug, trace or silent (or SHIVA_LOG_LEVEL; over log.level)')
    .action(async (opts: { config?: string; host?: string; port?: number; sshPort?: number; logLevel?: string }) => {
      // The server is loaded only by the verb that runs it: the client verbs start without it.
      const [{ ConfigError, loadConfig }, { startServer }, { DataDirModeError }, { DataDirLockedError }] = await Promise.all([
        import('../config/load.js'),
        import('../server.js'),
        import('../store/data-dir.js'),
        import('../store/data-dir-lock.js'),
      ]);
      try {
        const base = loadConfig({ file: opts.config });
        const config =
          opts.host || opts.port !== undefined || opts.sshPort !== undefined
            ? loadConfig({
                file: opts.config,
                overrides: {
                  hub: { ...base.hub, ...(opts.host ? { host: opts.host } : {}), ...(opts.port !== undefined ? { port: opts.port } : {}) },
                  ...(opts.sshPort !== undefined ? { ssh: { ...base.ssh, port: opts.sshPort } } : {}),
                },
              })
            : base;
        await assertPortFree(config.hub.host, config.hub.port);
        if (config.ssh.enabled) {
          await assertPortFree(config.ssh.host ?? config.hub.host, config.ssh.port, 'start this hub with another --ssh-port (ssh.port in the configuration; ssh.enabled: false turns the gateway off)');
        }
        const server = await startServer(config, { logLevel: opts.logLevel });
        const stop = (signal: string) => {
          server.hub.log.info({ signal }, 'shutting down');
          void server.close().then(
            () => process.exit(0),
            (err: Error) => {
              server.hub.log.error({ err: err.message }, 'the hub did not close cleanly');
              process.exit(1);
            },
          );
          setTimeout(() => process.exit(1), 15_000).unref();
        };
        process.once('SIGINT', () => stop('SIGINT'));
        process.once('SIGTERM', () => stop('SIGTERM'));
      } catch (err) {
        if (err instanceof ConfigError || err instanceof DataDirLockedError || err instanceof DataDirModeError) {
          process.stderr.write(`shiva: ${err.message}\n`);
          process.exit(2);
        }
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EADDRINUSE') {
          process.stderr.write(`shiva: the address is in use: ${(err as Error).message}\n`);
          process.exit(2);
        }
        throw err;
      }
    });
}
