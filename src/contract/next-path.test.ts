import { describe, expect, it } from 'vitest';
import { safeNextPath } from './next-path.js';

describe('where to land after signing in', () => {
  it.each([
    '/',
    '/settings',
    '/sandboxes/abc?tab=events#top',
    '/user/alice/main/lab?token=x',
    '/user/alice/main/tree/My%20Notebooks',
    '/search?q=%C3%A9t%C3%A9',
    '/a/b//c',
  ])('keeps the same-origin path %j', (path) => {
    expect(safeNextPath(path)).toBe(path);
  });

  it.each([
    ['an empty value', ''],
    ['nothing', null],
    ['a missing value', undefined],
    ['a protocol-relative URL', '//evil.example'],
    ['a protocol-relative URL with a path', '//evil.example/login'],
    ['a backslash after the slash', '/\\evil.example'],
    ['two backslashes', '\\\\evil.example'],
    ['a backslash later on', '/a\\..\\..\\\\evil.example'],
    ['a tab between the slashes', '/\t/evil.example'],
    ['a newline between the slashes', '/\n/evil.example'],
    ['a carriage return between the slashes', '/\r/evil.example'],
    ['a leading space', ' //evil.example'],
    ['a leading tab', '\t/evil'],
    ['a NUL', '/\u0000/evil.example'],
    ['an encoded second slash', '/%2F%2Fevil.example'],
    ['an encoded second slash, lower case', '/%2f/evil.example'],
    ['an encoded backslash', '/%5Cevil.example'],
    ['an encoded tab', '/%09/evil.example'],
    ['an encoded newline', '/%0A/evil.example'],
    ['a doubly encoded second slash', '/%252F%252Fevil.example'],
    ['a trebly encoded second slash', '/%25252F%25252Fevil.example'],
    ['mixed: an encoded slash after a real one', '/%2F/evil.example'],
    ['mixed: a tab and an encoded slash', '/\t%2Fevil.example'],
    ['a broken percent-encoding', '/%E0%A4%A'],
    ['an absolute URL', 'https://evil.example/'],
    ['an absolute URL on the hub itself', 'http://hub.invalid/settings'],
    ['an absolute URL without slashes', 'https:evil.example'],
    ['javascript:', 'javascript:alert(document.cookie)'],
    ['javascript: in upper case', 'JavaScript:alert(1)'],
    ['data:', 'data:text/html,<script>alert(1)</script>'],
    ['a relative path', 'settings'],
    ['a dot path', '../settings'],
    ['a Unicode line separator', '/\u2028/evil.example'],
    ['a raw non-ASCII letter', '/été'],
    ['something far too long', `/${'a'.repeat(3000)}`],
  ])('sends %s home', (_what, next) => {
    expect(safeNextPath(next)).toBe('/');
  });
});
