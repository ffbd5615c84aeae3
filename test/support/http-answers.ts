/**
 * Generated HTTP/1.x answers for differential tests of response parsers: mostly well formed,
 * with every kind of trouble a hostile or sloppy server can send mixed in at random — each
 * framing (Content-Length, chunked, the end of the connection), chunk extensions and trailers,
 * 1xx answers before the final one, bodiless statuses, HEAD, obs-fold, bad and repeated
 * lengths, Transfer-Encoding with Content-Length, odd whitespace and line ends, control
 * characters, and bytes after the answer. Seeded, so a failure can be replayed.
 */

/** One generated answer: the bytes a server sends, and whether the request was HEAD. */
export interface GeneratedAnswer {
  wire: Buffer;
  head: boolean;
}

/** mulberry32: a small, fast, seedable PRNG; good enough to pick test cases. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Each list holds what a well-behaved server sends; the `bad…` lists what else may come.
const statuses = ['200', '200', '200', '201', '204', '206', '301', '304', '404', '500', '599'];
const badStatuses = ['600', '099', '20', '2000', '2x0', '101'];
const versions = ['HTTP/1.1', 'HTTP/1.1', 'HTTP/1.1', 'HTTP/1.0'];
const badVersions = ['HTTP/1.2', 'HTTP/2.0', 'http/1.1', 'HTTP/1.1 ', 'HTTP/1', 'HTTP/1.01'];
const reasons = [' OK', ' OK', ' Not Found', '', ' ', ' a\tb', ' caf\xe9', '  two spaces'];
const badReasons = [' bad\x01', ' \x7f', ' x\ry', ' x\ny'];
const names = ['X-A', 'Content-Type', 'Set-Cookie', 'Cache-Control', 'x-b', 'ETag', 'Vary', 'Date', 'Location', "x!#$%&'*+-.^_`|~"];
const badNames = ['X A', 'X@A', 'X\x01A', 'caf\xe9', 'X-A ', '\tX-A', 'X"A', 'X(A)', 'X/A', ''];
const values = ['v', 'v', 'v', '', 'a b', ' lead', 'trail ', '\ttab\t', 'caf\xe9', '"quoted"', 'a, b', 'x=1; Path=/', '  '];
const badValues = ['bad\x00', 'bad\x7f', 'bad\x01', 'bad\x0b', 'a\rb', 'a\nb', 'a\r\nb'];
const connections = ['close', 'keep-alive', 'Keep-Alive', 'CLOSE', 'close, x-hop', 'x-hop', 'upgrade', 'keep-alive, close', ' close '];
const transferEncodings = ['chunked', 'chunked', 'Chunked', 'CHUNKED', ' chunked', 'chunked '];
const badTransferEncodings = ['gzip, chunked', 'chunked, gzip', 'gzip', 'identity', 'chunked, chunked', 'chunked;q=1', 'xchunked', '', 'chunked,'];
const extensions = [';a', ';a=b', ';a="q v"', ';a=b;c', ';a=b;c="d"', ';A-1=x'];
const badExtensions = [';a="q\\"v"', '; a', ';a =b', ';', ';a=', ';\x01', ';a="unterminated', ';a=b c', ';a=\x01'];
const trailers = ['X-T: 1', 'Expires: 0', 'X-T:', 'X-T:  spaced  '];
const badTrailers = ['Bad Name: x', ' folded', 'X-T: a\x01b', 'no colon'];
const bodyAlphabet = ['a', 'b', 'z', '0', '\r', '\n', '\r\n', ' ', '\x00', '\xff', 'HTTP/1.1 ', '0\r\n\r\n', ';'];
const informational = [
  'HTTP/1.1 100 Continue\r\n\r\n',
  'HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n',
  'HTTP/1.1 102 Processing\r\n\r\n',
  'HTTP/1.1 100 Continue\r\nContent-Length: 0\r\n\r\n',
];
const badInformational = [
  'HTTP/1.1 100 Continue\r\nContent-Length: 3\r\n\r\n',
  'HTTP/1.1 199 Odd\r\nTransfer-Encoding: chunked\r\n\r\n',
  'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n',
  'HTTP/1.1 100 Continue\n\n',
];
const tails = ['HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nforged', 'garbage', '\r\n', 'HTTP/1.1 204 No Content\r\n\r\n', 'H', '0\r\n\r\n'];

export class AnswerGenerator {
  readonly #random: () => number;
  /** Whether the answer being made may hold trouble; about half do, the others are clean. */
  #hostile = false;

  constructor(seed: number) {
    this.#random = prng(seed);
  }

  /** True with probability `p`, in a hostile answer only. */
  #bad(p: number): boolean {
    return this.#hostile && this.#random() < p;
  }

  /** From `good`, or (in a hostile answer, with probability `p`) from `bad`. */
  #choose<T>(good: readonly T[], bad: readonly T[], p: number): T {
    return this.#bad(p) ? this.#pick(bad) : this.#pick(good);
  }

  #chance(p: number): boolean {
    return this.#random() < p;
  }

  #pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.#random() * items.length)] as T;
  }

  #int(max: number): number {
    return Math.floor(this.#random() * (max + 1));
  }

  /** A line end: CRLF nearly always, else a bare LF, a bare CR or CR CR LF. */
  #eol(): string {
    return this.#bad(0.03) ? this.#pick(['\n', '\r', '\r\r\n', '\n\r']) : '\r\n';
  }

  #body(): string {
    let body = '';
    const n = this.#chance(0.15) ? 0 : this.#int(this.#chance(0.1) ? 300 : 40);
    for (let i = 0; i < n; i++) body += this.#pick(bodyAlphabet);
    return body;
  }

  #contentLength(length: number): string {
    if (!this.#bad(0.3)) return String(length);
    return this.#pick([
      String(length + 1),
      String(Math.max(0, length - 1)),
      `+${length}`,
      ` ${length} `,
      `${length}, ${length}`,
      `0${length}`,
      `0x${length.toString(16)}`,
      '',
      '-1',
      '99999999999999999999',
      `${length}\t`,
      `${length} 1`,
    ]);
  }

  #chunked(body: string): string {
    let out = '';
    let at = 0;
    while (at < body.length) {
      const size = Math.min(body.length - at, 1 + this.#int(20));
      let sizeText = size.toString(16);
      if (this.#chance(0.1)) sizeText = sizeText.toUpperCase();
      if (this.#chance(0.05)) sizeText = `000${sizeText}`;
      if (this.#bad(0.05)) sizeText = this.#pick(['g', '-1', ` ${sizeText}`, `${sizeText} `, '0000000000000000001', `${sizeText}\t`, `0x${sizeText}`]);
      const ext = this.#chance(0.15) ? this.#choose(extensions, badExtensions, 0.4) : '';
      let after = this.#eol();
      if (this.#bad(0.04)) after = this.#pick(['', 'X\r\n', '\r\n\r\n', ' \r\n']);
      out += `${sizeText}${ext}${this.#eol()}${body.slice(at, at + size)}${after}`;
      at += size;
    }
    out += this.#pick(['0', '0', '0', '0', '00', '0;a=b']) + this.#eol();
    if (this.#chance(0.2)) {
      const count = 1 + this.#int(2);
      for (let i = 0; i < count; i++) out += this.#choose(trailers, badTrailers, 0.4) + this.#eol();
    }
    return out + this.#eol();
  }

  /** The next answer. */
  next(): GeneratedAnswer {
    this.#hostile = this.#chance(0.5);
    const head = this.#chance(0.12);
    let wire = '';
    if (this.#chance(0.08)) {
      const count = 1 + this.#int(1);
      for (let i = 0; i < count; i++) wire += this.#choose(informational, badInformational, 0.5);
    }
    const status = this.#choose(statuses, badStatuses, 0.1);
    wire += `${this.#choose(versions, badVersions, 0.05)} ${status}${this.#choose(reasons, badReasons, 0.1)}${this.#eol()}`;

    const headerCount = this.#int(5);
    for (let i = 0; i < headerCount; i++) {
      const kind = this.#random();
      if (kind < 0.8) {
        const name = this.#bad(0.05) ? this.#pick(badNames) : this.#pick(names);
        wire += `${name}:${this.#chance(0.9) ? ' ' : ''}${this.#choose(values, badValues, 0.08)}${this.#eol()}`;
      } else if (kind < 0.84 && this.#hostile) {
        wire += `X-Fold: a${this.#eol()}${this.#pick([' ', '\t'])}b${this.#eol()}`;
      } else if (kind < 0.94) {
        wire += `Connection: ${this.#pick(connections)}${this.#eol()}`;
      } else {
        wire += `Keep-Alive: timeout=${this.#int(10)}${this.#eol()}`;
      }
    }

    const body = this.#body();
    const framing = this.#random();
    let payload: string;
    if (framing < 0.45) {
      const length = this.#contentLength(body.length);
      wire += `Content-Length: ${length}${this.#eol()}`;
      if (this.#bad(0.08)) wire += `Content-Length: ${this.#chance(0.5) ? length : this.#contentLength(body.length + 1)}${this.#eol()}`;
      if (this.#bad(0.08)) wire += `Transfer-Encoding: chunked${this.#eol()}`;
      payload = body;
    } else if (framing < 0.85) {
      wire += `Transfer-Encoding: ${this.#choose(transferEncodings, badTransferEncodings, 0.2)}${this.#eol()}`;
      if (this.#bad(0.08)) wire += `Transfer-Encoding: ${this.#choose(transferEncodings, badTransferEncodings, 0.5)}${this.#eol()}`;
      if (this.#bad(0.1)) wire += `Content-Length: ${body.length}${this.#eol()}`;
      payload = this.#chunked(body);
    } else {
      // Framed by the end of the connection.
      payload = body;
    }
    wire += this.#eol() + payload;
    if (this.#bad(0.15)) wire += this.#pick(tails);
    return { wire: Buffer.from(wire, 'latin1'), head };
  }
}
