import { describe, expect, it } from 'vitest';
import { isEventOfSave, isValidEnvironmentName, saveOutcome, saveTag, saveTagTime } from './environments.js';

const started = { name: 'torch', tag: '20261130T195012Z' };
const event = (code: string, at: string, name = 'torch') => ({ code, params: { name }, at });

describe('the events of one save', () => {
  it("are its name's save events from the second its tag names on", () => {
    expect(isEventOfSave(event('save_started', '2026-11-30T19:50:12.004Z'), started)).toBe(true);
    expect(isEventOfSave(event('save_progress', '2026-11-30T19:51:40.000Z'), started)).toBe(true);
    // An earlier save of the same name, and a save of another name.
    expect(isEventOfSave(event('saved', '2026-11-30T19:40:00.000Z'), started)).toBe(false);
    expect(isEventOfSave(event('saved', '2026-11-30T19:52:00.000Z', 'other'), started)).toBe(false);
  });

  it('leave out the sandbox\'s other events, even those that carry a name', () => {
    expect(isEventOfSave({ code: 'ready', params: { seconds: 2 }, at: '2026-11-30T19:52:00.000Z' }, started)).toBe(false);
    expect(isEventOfSave({ code: null, params: null, at: '2026-11-30T19:52:00.000Z' }, started)).toBe(false);
  });

  it('end saved or failed', () => {
    expect([saveOutcome({ code: 'saved' }), saveOutcome({ code: 'save_failed' }), saveOutcome({ code: 'save_progress' })]).toEqual(['saved', 'failed', null]);
  });
});

describe('a save tag', () => {
  it('gives back the millisecond the save started, and the second of an older tag', () => {
    const at = new Date('2026-11-30T19:50:12.345Z');
    expect(saveTag(at)).toBe('20261130T195012345Z');
    expect(saveTagTime(saveTag(at))).toBe(at.getTime());
    expect(saveTagTime('20261130T195012Z')).toBe(Date.parse('2026-11-30T19:50:12Z'));
    expect(saveTagTime('latest')).toBeNull();
  });
});

describe('environment names on the client', () => {
  it('follow the hub\'s rule', () => {
    expect(['torch-2.1', 'my_env', 'a__b'].every(isValidEnvironmentName)).toBe(true);
    expect(['Torch', 'a/b', 'a..b', '-x', 'x'.repeat(65)].some(isValidEnvironmentName)).toBe(false);
  });
});
