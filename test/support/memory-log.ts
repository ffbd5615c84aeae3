/** A hub logger whose lines stay in memory, parsed, for tests that read what the hub logged. */
import type { Logger as PinoLogger } from 'pino';
import { createLogger, type LogLevel } from '../../src/log.js';
import type { LogLine } from './churn-checks.js';

export function memoryLog(level: LogLevel = 'info'): { log: PinoLogger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const log = createLogger(level, { write: (text: string) => void lines.push(JSON.parse(text) as LogLine) });
  return { log, lines };
}
