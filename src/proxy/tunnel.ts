/**
 * A WebSocket tunnel: two sockets relayed to each other after the upgrade. Each side's data goes
 * to the other with backpressure; an end is passed on; any error destroys both; a close lets the
 * other side flush what it still holds and then closes it too, so that no socket outlives its
 * partner (the leak of configurable-http-proxy's issue #557).
 */
import type { Duplex } from 'node:stream';

/** How long a side may take to flush after its partner has gone, before it is destroyed. */
const FLUSH_GRACE_MS = 5_000;

export interface Tunnel {
  destroy(): void;
}

/**
 * What a tunnel's owner sees of the bytes relayed: each chunk, with whether it came from `a`
 * (the client) or `b` (the sandbox). Called before the chunk is passed on; must stay cheap.
 */
export type ChunkWatcher = (chunk: Buffer, fromA: boolean) => void;

/**
 * Relays `a` and `b` to each other until both are closed. `onChunk` runs for each chunk either
 * way (activity); `onClosed` runs once, when both sockets are closed.
 */
export function openTunnel(a: Duplex, b: Duplex, onChunk: ChunkWatcher, onClosed: () => void): Tunnel {
  let closed = false;
  const destroyBoth = (): void => {
    a.destroy();
    b.destroy();
  };
  const settle = (): void => {
    if (!closed && a.destroyed && b.destroyed) {
      closed = true;
      onClosed();
    }
  };
  relay(a, b, true, onChunk, destroyBoth, settle);
  relay(b, a, false, onChunk, destroyBoth, settle);
  return { destroy: destroyBoth };
}

function relay(from: Duplex, to: Duplex, fromA: boolean, onChunk: ChunkWatcher, destroyBoth: () => void, settle: () => void): void {
  from.on('data', (chunk: Buffer) => {
    onChunk(chunk, fromA);
    if (!to.write(chunk)) from.pause();
  });
  to.on('drain', () => from.resume());
  from.on('end', () => to.end());
  from.on('error', destroyBoth);
  from.on('close', () => {
    closeAfterFlush(to);
    settle();
  });
}

/** Ends `socket` once what it still has to write is out, or destroys it at once if nothing is. */
function closeAfterFlush(socket: Duplex): void {
  if (socket.destroyed) return;
  if (socket.writableLength === 0 || socket.writableFinished) {
    socket.destroy();
    return;
  }
  const timer = setTimeout(() => socket.destroy(), FLUSH_GRACE_MS);
  timer.unref();
  socket.once('finish', () => {
    clearTimeout(timer);
    socket.destroy();
  });
  socket.once('close', () => clearTimeout(timer));
  socket.end();
}
