import { expect, it } from 'vitest';
import { idleStopText } from './idle-stop.js';

it('shows in shiva ls how long until an announced stop and why, and a dash without one', () => {
  const at = Date.parse('2026-01-01T12:00:00Z');
  expect(idleStopText(null, at)).toBe('-');
  expect(idleStopText({ at: '2026-01-01T12:08:00Z', reason: 'idle' }, at)).toBe('in 8m (idle)');
  expect(idleStopText({ at: '2026-01-01T12:00:30Z', reason: 'gpu_idle' }, at)).toBe('in 30s (idle, GPUs)');
  expect(idleStopText({ at: '2026-01-01T11:59:00Z', reason: 'max_age' }, at)).toBe('in 0s (max age)');
});
