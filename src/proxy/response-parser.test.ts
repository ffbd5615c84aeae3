import { describe, expect, it } from 'vitest';
import { ResponseParser, type ResponseHead } from './response-parser.js';

interface Parsed {
  heads: ResponseHead[];
  body: string;
  complete: boolean[];
  error?: string;
}

/** Feeds `wire` in pieces of `step` bytes (the whole at once when 0), then the connection's end if `end`. */
function parse(wire: string, options: { step?: number; noBody?: boolean; end?: boolean } = {}): Parsed {
  const parser = new ResponseParser();
  parser.reset(options.noBody ?? false);
  const out: Parsed = { heads: [], body: '', complete: [] };
  const sink = {
    onHead: (h: ResponseHead) => out.heads.push(h),
    onBody: (c: Buffer) => (out.body += c.toString('latin1')),
    onComplete: (reusable: boolean) => out.complete.push(reusable),
  };
  const bytes = Buffer.from(wire, 'latin1');
  const step = options.step || bytes.length;
  for (let i = 0; i < bytes.length; i += step) {
    const err = parser.execute(bytes.subarray(i, i + step), sink);
    if (err) {
      out.error = err.code;
      return out;
    }
  }
  if (options.end) {
    const err = parser.finish(sink);
    if (err) out.error = err.code;
  }
  return out;
}

const chunkedWire =
  'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n\r\n' +
  '5;ext=1\r\nhello\r\n1A\r\n' + 'x'.repeat(26) + '\r\n0\r\nX-Trailer: t\r\n\r\n';

describe('ResponseParser', () => {
  it('parses a sized answer, whole or split at every byte', () => {
    const wire = 'HTTP/1.1 201 Created\r\nContent-Length: 5\r\nX-A:  spaced \t\r\n\r\nhello';
    for (const step of [0, 1, 2, 3, 7]) {
      const out = parse(wire, { step });
      expect(out.heads).toEqual([{ status: 201, reason: 'Created', rawHeaders: ['Content-Length', '5', 'X-A', 'spaced'] }]);
      expect(out.body).toBe('hello');
      expect(out.complete).toEqual([true]);
    }
  });

  it('decodes chunked bodies with extensions and trailers, split anywhere', () => {
    for (const step of [0, 1, 2, 5, 11]) {
      const out = parse(chunkedWire, { step });
      expect(out.error).toBeUndefined();
      expect(out.heads[0]?.rawHeaders).toContain('Set-Cookie');
      expect(out.body).toBe('hello' + 'x'.repeat(26));
      expect(out.complete).toEqual([true]);
    }
  });

  it('reads to the end of the connection when there is no length, and never reuses it', () => {
    const out = parse('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nstream of bytes', { end: true });
    expect(out.body).toBe('stream of bytes');
    expect(out.complete).toEqual([false]);
  });

  it('knows which answers have no body', () => {
    expect(parse('HTTP/1.1 204 No Content\r\n\r\n').complete).toEqual([true]);
    expect(parse('HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n').complete).toEqual([true]);
    const head = parse('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n', { noBody: true });
    expect(head.complete).toEqual([true]);
    expect(head.body).toBe('');
  });

  it('skips informational answers', () => {
    const out = parse('HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok', { step: 3 });
    expect(out.heads.map((h) => h.status)).toEqual([200]);
    expect(out.body).toBe('ok');
  });

  it('refuses lines not ended by CRLF, in the head, after chunk data and in trailers', () => {
    expect(parse('HTTP/1.1 200 OK\nContent-Length: 2\n\nok', { end: true }).error).toBe('PREMATURE_CLOSE');
    expect(parse('HTTP/1.1 200 OK\r\nX-A: 1\nContent-Length: 2\r\n\r\nok').error).toBe('INVALID_HEADER');
    expect(parse('HTTP/1.1 200 OK\r\nX-A: 1\rContent-Length: 2\r\n\r\nok').error).toBe('INVALID_HEADER');
    expect(parse('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\nok\r\n0\r\n\r\n').error).toBe('INVALID_CHUNK_SIZE');
    expect(parse('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\n0\r\n\r\n').error).toBe('INVALID_CHUNK');
    expect(parse('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: 1\n\r\n').error).toBe('INVALID_LINE_END');
  });

  it('does not reuse a connection that says close, speaks HTTP/1.0, or sends bytes after the answer', () => {
    expect(parse('HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n').complete).toEqual([false]);
    expect(parse('HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n').complete).toEqual([false]);
    expect(parse('HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n').complete).toEqual([true]);
    expect(parse('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA').complete).toEqual([false]);
    expect(parse('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\nEXTRA').complete).toEqual([false]);
  });

  it('does not reuse a connection that sends bytes after a bodiless answer, and passes none of them on', () => {
    const wires: Array<[string, boolean]> = [
      ['HTTP/1.1 204 No Content\r\n\r\n', false],
      ['HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n', false],
      ['HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n', false],
      ['HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n', true],
    ];
    for (const [head, noBody] of wires) {
      const extra = 'HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nforged';
      expect(parse(head, { noBody }).complete, head).toEqual([true]);
      for (const step of [0, 1]) {
        const out = parse(head + extra, { noBody, step });
        expect(out.complete, head).toEqual(step === 0 ? [false] : [true]);
        expect(out.heads, head).toHaveLength(1);
        expect(out.body, head).toBe('');
      }
    }
  });

  it('refuses an answer with both Transfer-Encoding and Content-Length, or a transfer coding but chunked', () => {
    expect(parse('HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n').error).toBe('TRANSFER_ENCODING_AND_LENGTH');
    expect(parse('HTTP/1.1 204 No Content\r\nTransfer-Encoding: chunked\r\nContent-Length: 0\r\n\r\n').error).toBe('TRANSFER_ENCODING_AND_LENGTH');
    expect(parse('HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nxx').error).toBe('INVALID_TRANSFER_ENCODING');
    expect(parse('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n').error).toBe('INVALID_TRANSFER_ENCODING');
    expect(parse('HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n').error).toBe('TRANSFER_ENCODING_ON_HTTP10');
    const heads = parse('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n').heads;
    expect(heads).toEqual([]);
  });

  it('does not reuse a connection after an answer to HEAD that gives no length, as node\'s client does not', () => {
    expect(parse('HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n', { noBody: true }).complete).toEqual([false]);
    expect(parse('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n', { noBody: true }).complete).toEqual([true]);
    expect(parse('HTTP/1.1 204 No Content\r\n\r\n', { noBody: true }).complete).toEqual([true]);
  });

  it('reads a Keep-Alive timeout', () => {
    const parser = new ResponseParser();
    parser.reset(false);
    const noop = { onHead: () => {}, onBody: () => {}, onComplete: () => {} };
    parser.execute(Buffer.from('HTTP/1.1 200 OK\r\nKeep-Alive: timeout=5, max=100\r\nContent-Length: 0\r\n\r\n'), noop);
    expect(parser.keepAliveMs).toBe(5000);
    parser.reset(false);
    parser.execute(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'), noop);
    expect(parser.keepAliveMs).toBe(-1);
  });

  it('refuses malformed answers', () => {
    const cases: Array<[string, string]> = [
      ['HTTP/2 200 OK\r\n\r\n', 'INVALID_STATUS_LINE'],
      ['HTTP/1.1 20 OK\r\n\r\n', 'INVALID_STATUS_LINE'],
      ['HTTP/1.1 099 Low\r\n\r\n', 'INVALID_STATUS_LINE'],
      ['HTTP/1.1 200OK\r\n\r\n', 'INVALID_STATUS_LINE'],
      ['HTTP/1.1 200 OK\r\nX-A: 1\r\n  folded\r\n\r\n', 'OBS_FOLD'],
      ['HTTP/1.1 200 OK\r\nno colon\r\n\r\n', 'INVALID_HEADER'],
      ['HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n', 'INVALID_CONTENT_LENGTH'],
      ['HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n', 'INVALID_CONTENT_LENGTH'],
      ['HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n', 'INVALID_CONTENT_LENGTH'],
      ['HTTP/1.1 200 OK\r\nContent-Length: 1, 1\r\n\r\n', 'INVALID_CONTENT_LENGTH'],
      ['HTTP/1.1 200 OK\r\nContent-Length: +1\r\n\r\n', 'INVALID_CONTENT_LENGTH'],
      ['HTTP/1.1 200 OK\r\nX A: 1\r\n\r\n', 'INVALID_HEADER'],
      ['HTTP/1.1 200 OK\r\nX-A : 1\r\n\r\n', 'INVALID_HEADER'],
      ['HTTP/1.1 200 OK\r\nX-A: a\x00b\r\n\r\n', 'INVALID_HEADER'],
      ['HTTP/1.1 200 OK\r\nX-A: a\x7fb\r\n\r\n', 'INVALID_HEADER'],
      ['HTTP/1.1 200 O\x01K\r\n\r\n', 'INVALID_STATUS_LINE'],
      ['HTTP/1.1 600 Too High\r\n\r\n', 'INVALID_STATUS_LINE'],
      ['HTTP/1.1 20\r\nContent-Length: 0\r\n\r\n', 'INVALID_STATUS_LINE'],
      ['HTTP/1.1 200 OK\r\nContent-Length: 2\t\r\n\r\nok', 'INVALID_CONTENT_LENGTH'],
      ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2 \r\nok\r\n', 'INVALID_CHUNK_SIZE'],
      ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2;a b\r\nok\r\n', 'INVALID_CHUNK_SIZE'],
      ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n folded\r\n\r\n', 'OBS_FOLD'],
      ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', 'INVALID_CHUNK_SIZE'],
      ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nokX\r\n', 'INVALID_CHUNK'],
      ['HTTP/1.1 101 Switching Protocols\r\n\r\n', 'UNEXPECTED_UPGRADE'],
      [`HTTP/1.1 200 OK\r\nX-Big: ${'a'.repeat(70 * 1024)}\r\n\r\n`, 'HEAD_TOO_LARGE'],
    ];
    for (const [wire, code] of cases) expect(parse(wire).error, wire.slice(0, 60)).toBe(code);
    expect(parse(`HTTP/1.1 200 OK\r\nX-Big: ${'a'.repeat(70 * 1024)}`, { step: 1000 }).error).toBe('HEAD_TOO_LARGE');
  });

  it('reports an answer cut short by the end of the connection', () => {
    expect(parse('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort', { end: true }).error).toBe('PREMATURE_CLOSE');
    expect(parse('HTTP/1.1 200 O', { end: true }).error).toBe('PREMATURE_CLOSE');
  });
});
