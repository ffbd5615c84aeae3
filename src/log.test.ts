import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ConfigError } from './config/load.js';
import { createLogger, resolveLogLevel } from './log.js';

describe('the log level', () => {
  it('takes --log-level over SHIVA_LOG_LEVEL over log.level, and an empty variable as unset', () => {
    expect(resolveLogLevel({ option: 'debug', env: 'error', config: 'info' })).toBe('debug');
    expect(resolveLogLevel({ env: 'error', config: 'info' })).toBe('error');
    expect(resolveLogLevel({ env: '', config: 'warn' })).toBe('warn');
    expect(resolveLogLevel({ config: 'info' })).toBe('info');
  });

  it('refuses a level pino does not know, saying where it came from', () => {
    expect(() => resolveLogLevel({ option: 'verbose', config: 'info' })).toThrow(ConfigError);
    expect(() => resolveLogLevel({ option: 'verbose', config: 'info' })).toThrow('--log-level "verbose" is not a log level');
    expect(() => resolveLogLevel({ env: 'INFO', config: 'info' })).toThrow('SHIVA_LOG_LEVEL "INFO"');
  });
});

describe('the logger', () => {
  it('writes one JSON line per event with an ISO-8601 time and no pid or host name', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const log = createLogger('info', sink);
    log.debug({ hidden: true }, 'below the level');
    log.info({ sandbox: 'abc' }, 'sandbox running');
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(line).toMatchObject({ level: 30, sandbox: 'abc', msg: 'sandbox running' });
    expect(line.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(line).not.toHaveProperty('pid');
    expect(line).not.toHaveProperty('hostname');
  });
});
