import { describe, expect, it } from 'vitest';
import { credentialsFor } from './authorization-header.js';

describe('reading the Authorization header', () => {
  it.each(['Bearer shiva_x', 'bearer shiva_x', 'BEARER shiva_x', 'bEaReR   shiva_x  '])('takes the scheme in any case: %j', (header) => {
    expect(credentialsFor(header, 'bearer')).toBe('shiva_x');
  });

  it('refuses other schemes, a scheme glued to its credentials, and a missing header', () => {
    expect(credentialsFor('Basic YTpi', 'bearer')).toBeNull();
    expect(credentialsFor('Bearershiva_x', 'bearer')).toBeNull();
    expect(credentialsFor('Bear', 'bearer')).toBeNull();
    expect(credentialsFor(undefined, 'bearer')).toBeNull();
    expect(credentialsFor('basic YTpi', 'basic')).toBe('YTpi');
  });

  it('says the scheme is there when its credentials are empty', () => {
    expect(credentialsFor('Bearer', 'bearer')).toBe('');
    expect(credentialsFor('Bearer   ', 'bearer')).toBe('');
  });
});
