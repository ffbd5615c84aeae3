import { describe, expect, it } from 'vitest';
import { downstreamResponseHeaders, setsCookie, stripCookie } from './headers.js';

describe('stripCookie', () => {
  it('removes only the hub session cookie and keeps the others in order', () => {
    expect(stripCookie('shiva_session=abc; _xsrf=x; other=1', 'shiva_session')).toBe('_xsrf=x; other=1');
    expect(stripCookie('_xsrf=x;shiva_session=abc;other=1', 'shiva_session')).toBe('_xsrf=x; other=1');
    expect(stripCookie('shiva_session=abc', 'shiva_session')).toBe('');
    expect(stripCookie('my_shiva_session=1; shiva_session_x=2', 'shiva_session')).toBe('my_shiva_session=1; shiva_session_x=2');
    expect(stripCookie('_xsrf=x', 'shiva_session')).toBe('_xsrf=x');
  });
});

describe('setsCookie', () => {
  it('recognises a Set-Cookie for the named cookie only', () => {
    expect(setsCookie('shiva_session=evil; Path=/', 'shiva_session')).toBe(true);
    expect(setsCookie(' shiva_session =evil', 'shiva_session')).toBe(true);
    expect(setsCookie('shiva_session=; Max-Age=0', 'shiva_session')).toBe(true);
    expect(setsCookie('_xsrf=shiva_session; Path=/', 'shiva_session')).toBe(false);
    expect(setsCookie('shiva_session_2=x', 'shiva_session')).toBe(false);
  });
});

describe('downstreamResponseHeaders', () => {
  it('drops hop-by-hop headers, those named by Connection, and the hub cookie', () => {
    const { headers, sized } = downstreamResponseHeaders(
      [
        'Content-Type', 'text/plain',
        'Connection', 'keep-alive, X-Internal',
        'Keep-Alive', 'timeout=5',
        'Transfer-Encoding', 'chunked',
        'X-Internal', 'secret',
        'Set-Cookie', 'shiva_session=evil; Path=/',
        'Set-Cookie', '_xsrf=ok; Path=/',
        'Proxy-Authenticate', 'Basic',
        'Trailer', 'X-Checksum',
        'Upgrade', 'h2c',
      ],
      'shiva_session',
    );
    expect(headers).toEqual(['Content-Type', 'text/plain', 'Set-Cookie', '_xsrf=ok; Path=/']);
    expect(sized).toBe(false);
  });

  it('keeps Connection and Upgrade for a 101 answer and notes a fixed length', () => {
    const { headers } = downstreamResponseHeaders(['Upgrade', 'websocket', 'Connection', 'Upgrade'], 'x', true);
    expect(headers).toEqual(['Upgrade', 'websocket', 'Connection', 'Upgrade']);
    expect(downstreamResponseHeaders(['Content-Length', '3'], 'x').sized).toBe(true);
  });
});
