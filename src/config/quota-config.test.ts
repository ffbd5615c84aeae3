import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from './load.js';

const env = {} as NodeJS.ProcessEnv;

describe('storage.quota configuration', () => {
  it('has no quota, the measure backend and a measurement every 5 minutes by default', () => {
    expect(parseConfig({}, env).storage.quota).toEqual({ backend: 'measure', measureIntervalSeconds: 300, measureTimeoutSeconds: 600 });
  });

  it('rejects bad quota settings, naming the key path', () => {
    const bad: Array<[Record<string, unknown>, RegExp]> = [
      [{ storage: { quota: { defaultGiB: -1 } } }, /storage\.quota\.defaultGiB/],
      [{ storage: { quota: { defaultGiB: 'lots' } } }, /storage\.quota\.defaultGiB/],
      [{ storage: { quota: { defaultGiB: 1e12 } } }, /storage\.quota\.defaultGiB/],
      [{ storage: { quota: { backend: 'zfs' } } }, /storage\.quota\.backend/],
      [{ storage: { quota: { measureIntervalSeconds: 1 } } }, /storage\.quota\.measureIntervalSeconds/],
      [{ storage: { quota: { backend: 'xfs' } } }, /storage\.quota\.xfs\.mountPoint is required/],
      [{ storage: { quota: { machine: 'nowhere' } } }, /storage\.quota\.machine names nowhere/],
      [{ storage: { quota: { typo: 1 } } }, /storage\.quota\.typo/],
    ];
    for (const [input, message] of bad) {
      expect(() => parseConfig(input, env), JSON.stringify(input)).toThrow(ConfigError);
      expect(() => parseConfig(input, env)).toThrow(message);
    }
  });

  it('takes the xfs backend with its mount point and a default project id base', () => {
    const config = parseConfig({ storage: { quota: { backend: 'xfs', defaultGiB: 50, xfs: { mountPoint: '/srv' } } } }, env);
    expect(config.storage.quota.xfs).toEqual({ mountPoint: '/srv', projectIdBase: 100000 });
  });
});
