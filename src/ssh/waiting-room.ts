/**
 * The connections that have not signed in yet, from their first TCP byte on: each has
 * `graceMs` to sign in or is cut (OpenSSH's LoginGraceTime), and one source may keep at most
 * `perAddress` of them waiting, so a client that opens sockets and says nothing cannot hold the
 * gateway's descriptors. A source is an IPv4 address or an IPv6 /64 (one host holds a whole
 * /64; OpenSSH's PerSourceNetBlockSize). When `total` wait, a new connection takes the place of
 * the oldest one of the source that has the most waiting, rather than being refused: a few
 * sources filling the room cannot shut out a newcomer from another (OpenSSH's MaxStartups
 * refuses at random instead, which lets a flood keep most others out).
 *
 * It sees the socket before the SSH library does: the library only reports a connection once
 * the client has sent its version line, and a client that never sends one would otherwise wait
 * for ever.
 */
import type { Socket } from 'node:net';

export interface WaitingRoomLimits {
  graceMs: number;
  perAddress: number;
  total: number;
}

interface Waiting {
  socket: Socket;
  address: string;
  timer: NodeJS.Timeout;
}

export class WaitingRoom {
  private readonly waiting = new Map<string, Waiting>();
  private readonly perAddress = new Map<string, number>();

  constructor(private readonly limits: WaitingRoomLimits) {}

  /**
   * Takes a new socket in, or answers why not (and the caller destroys it); 'admitted_evicting'
   * when another source's oldest waiting socket was cut to make room.
   */
  admit(socket: Socket): 'admitted' | 'admitted_evicting' | 'address_full' {
    const address = sourceOf(socket.remoteAddress ?? '');
    const key = keyOf(socket.remoteAddress ?? '', socket.remotePort);
    const count = this.perAddress.get(address) ?? 0;
    if (count >= this.limits.perAddress) return 'address_full';
    const evicting = this.waiting.size >= this.limits.total;
    if (evicting) this.evictFromBusiest();
    this.perAddress.set(address, count + 1);
    const timer = setTimeout(() => socket.destroy(), this.limits.graceMs);
    this.waiting.set(key, { socket, address, timer });
    socket.once('close', () => this.leave(key));
    return evicting ? 'admitted_evicting' : 'admitted';
  }

  /** Cuts the oldest waiting socket of the source with the most waiting. */
  private evictFromBusiest(): void {
    let busiest = '';
    let most = 0;
    for (const [source, count] of this.perAddress) if (count > most) [busiest, most] = [source, count];
    for (const [key, entry] of this.waiting) {
      if (entry.address !== busiest) continue;
      this.leave(key);
      entry.socket.destroy();
      return;
    }
  }

  /** The connection from `address:port` signed in: it no longer waits. */
  signedIn(address: string, port: number): void {
    // (The key is the socket's own address and port; the source groups addresses.)
    this.leave(keyOf(address, port));
  }

  get size(): number {
    return this.waiting.size;
  }

  private leave(key: string): void {
    const entry = this.waiting.get(key);
    if (!entry) return;
    clearTimeout(entry.timer);
    this.waiting.delete(key);
    const left = (this.perAddress.get(entry.address) ?? 1) - 1;
    if (left <= 0) this.perAddress.delete(entry.address);
    else this.perAddress.set(entry.address, left);
  }
}

const keyOf = (address: string, port: number | undefined) => `${address}\n${port ?? 0}`;

/** The source an address counts for: IPv4 (mapped or not) as it is, IPv6 by its /64. */
export function sourceOf(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1]!;
  if (!address.includes(':')) return address;
  const [head = '', tail = ''] = address.toLowerCase().split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = address.includes('::') ? [...left, ...Array(8 - left.length - right.length).fill('0'), ...right] : left;
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, '')).join(':')}::/64`;
}
