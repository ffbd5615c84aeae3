/**
 * Node's own HTTP parser, llhttp, reached through the class `http.request` itself uses, as the
 * reference a differential test holds the proxy's response parser to. It is driven as node's
 * HTTP client drives it (lib/_http_client.js `parserOnIncomingClient`): the body of a 1xx, a
 * 304 and an answer to HEAD is skipped, and no lenient flags are set.
 */
import { createRequire } from 'node:module';

/** One message llhttp read, in order; 1xx answers are messages of their own. */
export interface LlhttpMessage {
  status: number;
  reason: string;
  /** `[name, value, …]` as llhttp hands them over (values without surrounding whitespace). */
  headers: string[];
  body: string;
  complete: boolean;
  keepAlive: boolean;
}

export interface LlhttpOutcome {
  messages: LlhttpMessage[];
  /** llhttp's error code (`HPE_…`) from parsing or from the end of the input, or null. */
  error: string | null;
}

type HeadersComplete = (
  versionMajor: number,
  versionMinor: number,
  headers: string[],
  method: number,
  url: string,
  statusCode: number,
  statusMessage: string,
  upgrade: boolean,
  shouldKeepAlive: boolean,
) => number;

interface ParserInstance {
  initialize(type: number, resource: object, maxHeaderSize: number, lenientFlags: number): void;
  execute(data: Buffer): number | Error;
  finish(): undefined | Error;
  [slot: number]: unknown;
}

interface ParserClass {
  new (): ParserInstance;
  RESPONSE: number;
  kOnHeaders: number;
  kOnHeadersComplete: number;
  kOnBody: number;
  kOnMessageComplete: number;
  kOnExecute: number;
}

function isParserClass(value: unknown): value is ParserClass {
  return typeof value === 'function' && typeof Reflect.get(value, 'RESPONSE') === 'number' && typeof Reflect.get(value, 'kOnHeadersComplete') === 'number';
}

/**
 * The HTTPParser class node's own HTTP modules use, from the legacy module `_http_common` (kept
 * by node for compatibility, on 20 and 24 alike; `process.binding('http_parser')` is gone in 24).
 */
function loadParserClass(): ParserClass {
  const common: unknown = createRequire(import.meta.url)('_http_common');
  const parserClass: unknown = typeof common === 'object' && common !== null ? Reflect.get(common, 'HTTPParser') : undefined;
  if (!isParserClass(parserClass)) throw new Error("require('_http_common').HTTPParser is not what this test expects");
  return parserClass;
}

function errorCode(err: Error): string {
  const code: unknown = Reflect.get(err, 'code');
  return typeof code === 'string' ? code : 'HPE_UNKNOWN';
}

/** Parses `wire` as the answer(s) to one request (`head`: a HEAD request) and the end of the connection after it. */
export class LlhttpReference {
  readonly #Parser = loadParserClass();
  readonly #parser = new this.#Parser();
  #messages: LlhttpMessage[] = [];
  #head = false;

  constructor() {
    const P = this.#Parser;
    const onHeadersComplete: HeadersComplete = (_major, _minor, headers, _method, _url, statusCode, statusMessage, _upgrade, shouldKeepAlive) => {
      this.#messages.push({ status: statusCode, reason: statusMessage, headers: [...headers], body: '', complete: false, keepAlive: shouldKeepAlive });
      // As node's client: no body for HEAD, 1xx and 304 (1 = skip the body).
      return this.#head || (statusCode >= 100 && statusCode < 200) || statusCode === 304 ? 1 : 0;
    };
    this.#parser[P.kOnHeaders] = (headers: string[]) => {
      this.#pendingHeaders.push(...headers);
    };
    this.#parser[P.kOnHeadersComplete] = (...args: Parameters<HeadersComplete>) => {
      // Headers delivered early (many, or in many reads) come before the rest, which is then
      // absent: node's binding passes undefined for it.
      const rest: string[] | undefined = args[2];
      args[2] = [...this.#pendingHeaders, ...(rest ?? [])];
      this.#pendingHeaders = [];
      return onHeadersComplete(...args);
    };
    this.#parser[P.kOnBody] = (chunk: Buffer) => {
      const last = this.#messages[this.#messages.length - 1];
      if (last !== undefined) last.body += chunk.toString('latin1');
    };
    this.#parser[P.kOnMessageComplete] = () => {
      const last = this.#messages[this.#messages.length - 1];
      if (last !== undefined) last.complete = true;
    };
    this.#parser[P.kOnExecute] = () => {};
  }

  #pendingHeaders: string[] = [];

  parse(wire: Buffer, head: boolean): LlhttpOutcome {
    this.#parser.initialize(this.#Parser.RESPONSE, {}, 0, 0);
    this.#messages = [];
    this.#pendingHeaders = [];
    this.#head = head;
    const result = this.#parser.execute(wire);
    if (result instanceof Error) return { messages: this.#messages, error: errorCode(result) };
    // It stops short without an error only for an upgrade: the rest is another protocol.
    if (result !== wire.length) return { messages: this.#messages, error: 'STOPPED_FOR_UPGRADE' };
    const end = this.#parser.finish();
    return { messages: this.#messages, error: end instanceof Error ? errorCode(end) : null };
  }
}
