import { describe, expect, it } from 'vitest';
import { nextFreeName } from './names.js';

describe('the name a launch without one gets', () => {
  it('is main when the user has no sandbox of that name', () => {
    expect(nextFreeName([])).toBe('main');
    expect(nextFreeName(['lab', 'main-2'])).toBe('main');
  });

  it('is the first free main-N after main, filling gaps', () => {
    expect(nextFreeName(['main'])).toBe('main-2');
    expect(nextFreeName(['main', 'main-2', 'main-4'])).toBe('main-3');
  });
});
