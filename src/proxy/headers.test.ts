import type { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { downstreamResponseHeaders, requestFraming, setsHubCookie, stripHubCookies, upstreamRequestHeaders } from './headers.js';

describe('stripHubCookies', () => {
  it('removes every shiva_* cookie, the CSRF cookie included, and keeps the others in order', () => {
    expect(stripHubCookies('shiva_session=abc; _xsrf=x; other=1')).toBe('_xsrf=x; other=1');
    expect(stripHubCookies('_xsrf=x;shiva_session=abc;shiva_csrf=c;other=1')).toBe('_xsrf=x; other=1');
    expect(stripHubCookies('shiva_csrf=c; shiva_sandbox=s; shiva_session=abc')).toBe('');
    expect(stripHubCookies('my_shiva_session=1; a=shiva_x')).toBe('my_shiva_session=1; a=shiva_x');
    expect(stripHubCookies('_xsrf=x')).toBe('_xsrf=x');
  });
});

describe('setsHubCookie', () => {
  it('recognises a Set-Cookie for any shiva_* cookie and nothing else', () => {
    expect(setsHubCookie('shiva_session=evil; Path=/')).toBe(true);
    expect(setsHubCookie(' shiva_csrf =evil')).toBe(true);
    expect(setsHubCookie('shiva_sandbox=; Max-Age=0')).toBe(true);
    expect(setsHubCookie('_xsrf=shiva_session; Path=/')).toBe(false);
    expect(setsHubCookie('my_shiva_session=x')).toBe(false);
    expect(setsHubCookie('shiva_session; Path=/')).toBe(false);
  });
});

/** A request as node's server would hand it over, from a raw header list. */
function incoming(method: string, raw: Record<string, string>): IncomingMessage {
  const socket = new Socket();
  Object.defineProperty(socket, 'remoteAddress', { value: '192.0.2.9' });
  return { method, headers: raw, socket } as IncomingMessage;
}

/** The headers sent up as an object of name → values. */
function sent(list: string[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (let i = 0; i < list.length; i += 2) (out[list[i] as string] ??= []).push(list[i + 1] as string);
  return out;
}

describe('upstreamRequestHeaders', () => {
  const spoofed = {
    host: 'hub.example.org',
    'x-forwarded-for': '6.6.6.6',
    'x-forwarded-proto': 'https',
    'x-forwarded-host': 'evil.example',
    'x-forwarded-port': '1',
    'x-forwarded-prefix': '/evil',
    forwarded: 'for=6.6.6.6',
    'x-shiva-sandbox-secret': 'guess',
    'x-shiva-anything': '1',
    'x-requested-with': 'XMLHttpRequest',
    cookie: 'shiva_session=s; shiva_csrf=c; _xsrf=x',
  };

  it('replaces client-sent X-Forwarded-* and Forwarded with the hub\'s own view, and drops X-Shiva-*', () => {
    const up = sent(upstreamRequestHeaders(incoming('GET', spoofed), ['authorization', 'token t'], false, false));
    expect(up['x-forwarded-for']).toEqual(['192.0.2.9']);
    expect(up['x-forwarded-proto']).toEqual(['http']);
    expect(up['x-forwarded-host']).toEqual(['hub.example.org']);
    expect(up['x-forwarded-port']).toEqual(['80']);
    expect(up['x-forwarded-prefix']).toBeUndefined();
    expect(up.forwarded).toBeUndefined();
    expect(up['x-shiva-sandbox-secret']).toBeUndefined();
    expect(up['x-shiva-anything']).toBeUndefined();
    expect(up['x-requested-with']).toEqual(['XMLHttpRequest']);
    expect(up.cookie).toEqual(['_xsrf=x']);
    expect(up.authorization).toEqual(['token t']);
  });

  it('passes a trusted proxy\'s X-Forwarded-* on, appending the client to X-Forwarded-For, but never X-Shiva-*', () => {
    const up = sent(upstreamRequestHeaders(incoming('GET', spoofed), ['authorization', 'token t'], true, false));
    expect(up['x-forwarded-for']).toEqual(['6.6.6.6, 192.0.2.9']);
    expect(up['x-forwarded-proto']).toEqual(['https']);
    expect(up['x-forwarded-host']).toEqual(['evil.example']);
    expect(up['x-forwarded-port']).toEqual(['1']);
    expect(up['x-forwarded-prefix']).toEqual(['/evil']);
    expect(up.forwarded).toEqual(['for=6.6.6.6']);
    expect(up['x-shiva-sandbox-secret']).toBeUndefined();
  });

  it('sends exactly one Content-Length, for an empty POST with or without one', () => {
    const empties: Array<Record<string, string>> = [{ host: 'h', 'content-length': '0' }, { host: 'h' }];
    for (const headers of empties) {
      const up = sent(upstreamRequestHeaders(incoming('POST', headers), ['authorization', 'token t'], false, false));
      expect(up['content-length']).toEqual(['0']);
    }
    expect(sent(upstreamRequestHeaders(incoming('POST', { host: 'h', 'content-length': '5' }), ['authorization', 'token t'], false, false))['content-length']).toEqual(['5']);
    expect(sent(upstreamRequestHeaders(incoming('GET', { host: 'h' }), ['authorization', 'token t'], false, false))['content-length']).toBeUndefined();
    const chunked = sent(upstreamRequestHeaders(incoming('POST', { host: 'h', 'transfer-encoding': 'chunked' }), ['authorization', 'token t'], false, false));
    expect(chunked['content-length']).toBeUndefined();
    expect(chunked['transfer-encoding']).toEqual(['chunked']);
  });
});

describe('requestFraming', () => {
  it('refuses a Transfer-Encoding that does not end in chunked, or one with a length', () => {
    expect(requestFraming(incoming('POST', { 'transfer-encoding': 'gzip' }))).toBe('invalid');
    expect(requestFraming(incoming('POST', { 'transfer-encoding': 'chunked, gzip' }))).toBe('invalid');
    expect(requestFraming(incoming('POST', { 'transfer-encoding': 'chunked', 'content-length': '3' }))).toBe('invalid');
    expect(requestFraming(incoming('POST', { 'transfer-encoding': 'gzip, Chunked' }))).toBe('chunked');
    expect(requestFraming(incoming('POST', { 'content-length': '3' }))).toBe('length');
    expect(requestFraming(incoming('POST', { 'content-length': '0' }))).toBe('none');
    expect(requestFraming(incoming('GET', {}))).toBe('none');
  });
});

describe('downstreamResponseHeaders', () => {
  it('drops hop-by-hop headers, those named by Connection, and every Set-Cookie for a hub cookie', () => {
    const { headers, sized } = downstreamResponseHeaders(
      [
        'Content-Type', 'text/plain',
        'Connection', 'keep-alive, X-Internal',
        'Keep-Alive', 'timeout=5',
        'Transfer-Encoding', 'chunked',
        'X-Internal', 'secret',
        'Set-Cookie', 'shiva_session=evil; Path=/',
        'Set-Cookie', 'shiva_csrf=evil; Path=/',
        'set-cookie', 'shiva_sandbox=evil',
        'Set-Cookie', '_xsrf=ok; Path=/',
        'Proxy-Authenticate', 'Basic',
        'Trailer', 'X-Checksum',
        'Upgrade', 'h2c',
      ],
    );
    expect(headers).toEqual(['Content-Type', 'text/plain', 'Set-Cookie', '_xsrf=ok; Path=/']);
    expect(sized).toBe(false);
  });

  it('keeps Connection and Upgrade for a 101 answer and notes a fixed length', () => {
    const { headers } = downstreamResponseHeaders(['Upgrade', 'websocket', 'Connection', 'Upgrade'], true);
    expect(headers).toEqual(['Upgrade', 'websocket', 'Connection', 'Upgrade']);
    expect(downstreamResponseHeaders(['Content-Length', '3']).sized).toBe(true);
  });
});
