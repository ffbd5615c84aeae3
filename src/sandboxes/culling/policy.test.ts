import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../config/load.js';
import { idleLimit, resolvePolicy } from './policy.js';

const env = {} as NodeJS.ProcessEnv;
const catalogue = (culling?: Record<string, unknown>) => ({
  default: 'plain',
  catalogue: [
    { name: 'plain', image: 'shiva/tiny:latest' },
    { name: 'gpu', image: 'shiva/notebook:latest', ...(culling ? { culling } : {}) },
  ],
});

describe('the culling policy', () => {
  it('stops idle sandboxes after an hour, GPU holders after 30 minutes, warns 10 minutes before, with no maximum age by default', () => {
    const config = parseConfig({}, env);
    const policy = resolvePolicy(config, config.images.catalogue[0], { role: 'user' });
    expect(policy).toEqual({ idleMinutes: 60, gpuIdleMinutes: 30, maxAgeHours: null, warnMinutes: 10, gpuUtilisationPercent: 5 });
    expect(config.culling.checkIntervalSeconds).toBe(60);
    expect(idleLimit(policy, false)).toEqual({ minutes: 60, reason: 'idle' });
    expect(idleLimit(policy, true)).toEqual({ minutes: 30, reason: 'gpu_idle' });
  });

  it('takes the image over the hub, and the role over both, key by key', () => {
    const config = parseConfig(
      { culling: { maxAgeHours: 24, roles: { admin: { idleMinutes: 0, maxAgeHours: 0 } } }, images: catalogue({ gpuIdleMinutes: 15, warnMinutes: 5 }) },
      env,
    );
    const gpuImage = config.images.catalogue[1];
    expect(resolvePolicy(config, gpuImage, { role: 'user' })).toEqual({ idleMinutes: 60, gpuIdleMinutes: 15, maxAgeHours: 24, warnMinutes: 5, gpuUtilisationPercent: 5 });
    // Admins are exempt here because roles.admin says so: no idle stop, and 0 lifts the maximum age.
    const admin = resolvePolicy(config, gpuImage, { role: 'admin' });
    expect(admin).toMatchObject({ idleMinutes: 0, maxAgeHours: null, gpuIdleMinutes: 15 });
    expect(idleLimit(admin, true)).toBeNull();
    // An image no longer in the catalogue gets the hub-wide block.
    expect(resolvePolicy(config, undefined, { role: 'user' }).gpuIdleMinutes).toBe(30);
  });

  it('culls admins like everyone when no role override says otherwise', () => {
    const config = parseConfig({}, env);
    expect(resolvePolicy(config, undefined, { role: 'admin' })).toEqual(resolvePolicy(config, undefined, { role: 'user' }));
  });

  it('lets GPU holders fall back to idleMinutes when gpuIdleMinutes is 0, and turns every idle stop off with idleMinutes 0', () => {
    const fallback = resolvePolicy(parseConfig({ culling: { gpuIdleMinutes: 0 } }, env), undefined, { role: 'user' });
    expect(idleLimit(fallback, true)).toEqual({ minutes: 60, reason: 'idle' });
    const off = resolvePolicy(parseConfig({ culling: { idleMinutes: 0 } }, env), undefined, { role: 'user' });
    expect(idleLimit(off, true)).toBeNull();
    expect(idleLimit(off, false)).toBeNull();
  });

  it('takes fractional minutes, so short limits can be tried out', () => {
    const config = parseConfig({ culling: { idleMinutes: 0.05, gpuIdleMinutes: 0.04, warnMinutes: 0.02 } }, env);
    expect(resolvePolicy(config, undefined, { role: 'user' })).toMatchObject({ idleMinutes: 0.05, warnMinutes: 0.02 });
  });

  it('refuses bad culling settings, naming the key path, and changes nothing', () => {
    const bad: Array<[Record<string, unknown>, RegExp]> = [
      [{ culling: { idleMinutes: -1 } }, /culling\.idleMinutes/],
      [{ culling: { gpuIdleMinutes: -5 } }, /culling\.gpuIdleMinutes/],
      [{ culling: { maxAgeHours: -1 } }, /culling\.maxAgeHours/],
      [{ culling: { warnMinutes: -1 } }, /culling\.warnMinutes/],
      [{ culling: { gpuUtilisationPercent: 101 } }, /culling\.gpuUtilisationPercent/],
      [{ culling: { gpuUtilisationPercent: -1 } }, /culling\.gpuUtilisationPercent/],
      [{ culling: { checkIntervalSeconds: 0 } }, /culling\.checkIntervalSeconds/],
      [{ culling: { idleMinute: 5 } }, /culling\.idleMinute/],
      [{ culling: { roles: { guest: {} } } }, /culling\.roles\.guest/],
      [{ culling: { roles: { admin: { checkIntervalSeconds: 5 } } } }, /culling\.roles\.admin\.checkIntervalSeconds/],
      [{ culling: { warnMinutes: 60 } }, /culling\.warnMinutes \(60\) must be below idleMinutes \(60\)/],
      [{ culling: { warnMinutes: 30 } }, /culling\.warnMinutes \(30\) must be below gpuIdleMinutes \(30\)/],
      [{ culling: { warnMinutes: 5, maxAgeHours: 0.05 } }, /culling\.warnMinutes \(5\) must be below maxAgeHours/],
      [{ culling: { roles: { user: { idleMinutes: 8 } } } }, /culling\.roles\.user\.warnMinutes \(10\) must be below idleMinutes \(8\)/],
      [{ images: catalogue({ gpuIdleMinutes: 5 }) }, /images\.catalogue\.gpu\.culling\.warnMinutes \(10\) must be below gpuIdleMinutes \(5\)/],
      [{ images: catalogue({ idleMinutes: -2 }) }, /images\.catalogue\.1\.culling\.idleMinutes/],
      [{ images: catalogue({ typo: 1 }) }, /images\.catalogue\.1\.culling\.typo/],
      [
        { images: catalogue({ warnMinutes: 20 }), culling: { roles: { admin: { gpuIdleMinutes: 20 } } } },
        /images\.catalogue\.gpu\.culling with culling\.roles\.admin\.warnMinutes \(20\) must be below gpuIdleMinutes \(20\)/,
      ],
    ];
    for (const [input, message] of bad) {
      expect(() => parseConfig(input, env), JSON.stringify(input)).toThrow(ConfigError);
      expect(() => parseConfig(input, env), JSON.stringify(input)).toThrow(message);
    }
  });

  it('takes a warning as long as anything when idle stops are off', () => {
    expect(() => parseConfig({ culling: { idleMinutes: 0, warnMinutes: 120 } }, env)).not.toThrow();
  });
});
