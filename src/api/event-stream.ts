/** The hub's server-sent event streams: one way to open and end them, so every one is framed and kept alive alike. */
import type { ServerResponse } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';

/** A comment line this often keeps an idle stream open through proxies. */
const HEARTBEAT_MS = 15_000;

export interface EventStream {
  res: ServerResponse;
  /** Writes one event, unless the stream has ended. */
  send(id: number, name: string, data: unknown): void;
  /** Ends the stream, once: `onEnd` runs, the keep-alive stops, the answer ends. */
  end(): void;
  readonly ended: boolean;
}

/**
 * Takes the reply over for a `text/event-stream`: the head goes out at once (a client may wait
 * for it before it acts), proxies are told not to buffer or transform it, a comment line goes
 * out every 15 s, and the stream ends when the client goes or `end` is called.
 */
export function startEventStream(request: FastifyRequest, reply: FastifyReply, onEnd: () => void): EventStream {
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  res.flushHeaders();
  const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
  let ended = false;
  const stream: EventStream = {
    res,
    send(id, name, data) {
      if (!ended) res.write(`id: ${id}\nevent: ${name}\ndata: ${JSON.stringify(data)}\n\n`);
    },
    end() {
      if (ended) return;
      ended = true;
      onEnd();
      clearInterval(heartbeat);
      res.end();
    },
    get ended() {
      return ended;
    },
  };
  request.raw.on('close', stream.end);
  return stream;
}
