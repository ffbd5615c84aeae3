/**
 * The hub's log: one JSON line per event (pino) with an ISO-8601 `time`, at the level the
 * operator chose. What goes at which level is written in docs/operations.md ("Logs"): lifecycle
 * events (launches, stops, reconciler findings, machines, refused proxied requests) at info,
 * each API request at debug, so an idle dashboard tab adds nothing at the default level.
 */
import pino, { type DestinationStream, type Logger as PinoLogger } from 'pino';
import { ConfigError } from './config/load.js';
import type { Config } from './config/schema.js';

export type LogLevel = Config['log']['level'];

/** The levels `log.level`, `SHIVA_LOG_LEVEL` and `--log-level` accept (pino's, and silent). */
export const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

const isLevel = (value: string): value is LogLevel => (LOG_LEVELS as readonly string[]).includes(value);

/**
 * The level to log at: the `--log-level` option, else the SHIVA_LOG_LEVEL environment variable,
 * else the configuration's `log.level` (so one run can be made verbose without editing the
 * file). An empty variable counts as unset. Throws ConfigError naming where a bad value came from.
 */
export function resolveLogLevel(sources: { option?: string; env?: string; config: LogLevel }): LogLevel {
  for (const [value, where] of [
    [sources.option, '--log-level'],
    [sources.env, 'SHIVA_LOG_LEVEL'],
  ] as const) {
    if (value === undefined || value === '') continue;
    if (!isLevel(value)) throw new ConfigError(`${where} ${JSON.stringify(value)} is not a log level: use one of ${LOG_LEVELS.join(', ')}`);
    return value;
  }
  return sources.config;
}

/** A logger at `level` writing to `destination` (stdout when absent): ISO times, no pid or host. */
export function createLogger(level: LogLevel, destination?: DestinationStream): PinoLogger {
  return pino({ level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime }, destination);
}
