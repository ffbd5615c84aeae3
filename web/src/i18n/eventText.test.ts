import { describe, expect, it } from 'vitest';
import { en } from './en';
import { eventText } from './eventText';
import { ja } from './ja';

const warning = (idleSeconds: number) => ({
  code: 'idle_warning',
  params: { stopAt: '2026-11-30T14:05:00.000Z', reason: 'idle', idleSeconds, idleMinutes: Math.floor(idleSeconds / 60), maxAgeHours: 0 },
  message: 'the hub says',
});

describe('idle culling events in words', () => {
  it('says how long a sandbox was idle as the hub does: seconds under 2 minutes, whole minutes after', () => {
    expect(eventText(en, warning(33))).toMatch(/^Idle for 33 seconds: it stops at /);
    expect(eventText(en, warning(93))).toMatch(/^Idle for 93 seconds: /);
    expect(eventText(en, warning(51 * 60 + 20))).toMatch(/^Idle for 51 minutes: /);
    expect(eventText(ja, warning(33))).toMatch(/^33 秒間使われていません/);
    expect(eventText(en, { code: 'culled', params: { reason: 'idle', idleSeconds: 93, idleMinutes: 1, maxAgeHours: 0 }, message: 'x' })).toBe('Stopping: idle for 93 seconds');
  });

  it('names what counted as use when the stop is called off', () => {
    const cleared = { code: 'idle_warning_cleared', params: { kind: 'kernel' }, message: 'x' };
    expect(eventText(en, cleared)).toBe('In use again (a kernel at work): the idle stop is called off');
    expect(eventText(ja, cleared)).toContain('カーネルの実行');
  });

  it("shows the hub's own message for an event recorded before idleSeconds existed", () => {
    const old = { code: 'idle_warning', params: { stopAt: '2026-11-30T14:05:00.000Z', reason: 'idle', idleMinutes: 0, maxAgeHours: 0 }, message: 'Idle for 33 seconds: it stops at 14:05 UTC unless it is used' };
    expect(eventText(en, old)).toBe(old.message);
  });
});
